"""Every path under /console and /admin, walked from the web app's own route table: a stranger is
refused (401), hotline staff are refused every /admin path (403), and every role without the
capability a route requires (``bot.accounts.web.require``) is refused it (403).

The table is the running code's, so a route someone adds tomorrow is walked too; an /admin route
that forgets to say which capability it needs fails here by name.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
import requests
from fastapi.routing import APIRoute

from bot.accounts.gate import GATED, OPEN, under
from bot.accounts.roles import CAPABILITIES, ROLES
from bot.settings import load_settings
from tests.accounts.helpers import bearer

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _dependencies(route: APIRoute) -> list:
    found, stack = [], list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        found.append(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def required_capability(route: APIRoute) -> str | None:
    """The capability ``require(…)`` asks for on this route (its dependency is named after it)."""
    names = {getattr(call, "__name__", "") for call in _dependencies(route)}
    wanted = sorted(name.removeprefix("require_") for name in names if name.startswith("require_"))
    return wanted[-1] if wanted else None


@lru_cache(maxsize=1)
def gated_routes() -> tuple[tuple[str, str, str | None], ...]:
    """(method, path with its parameters filled in, required capability) for every gated route."""
    import tempfile
    from pathlib import Path

    from bot.web.app import create_app

    settings = load_settings(var_dir=Path(tempfile.mkdtemp(prefix="onceonly-routes-")))
    app = create_app(settings)
    found = set()
    for route in app.routes:
        if not isinstance(route, APIRoute) or not any(under(route.path, root) for root in GATED):
            continue
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        for method in sorted(route.methods & set(METHODS)):
            found.add((method, path, required_capability(route)))
    return tuple(sorted(found))


ROUTES = gated_routes()
ADMIN_ROUTES = [r for r in ROUTES if under(r[1], "/admin")]


def test_the_walk_covers_the_console_and_the_admin_pages():
    paths = {path for _, path, _ in ROUTES}
    assert {"/console/api/queue", "/console/account", "/admin/users"} <= paths
    assert len(ADMIN_ROUTES) >= 6  # accounts, and the editor, review, dashboard, import, model pages


@pytest.mark.parametrize(("method", "path", "capability"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_stranger_is_refused_every_path(web, method, path, capability):
    if (method, path) in OPEN:
        return  # the login page and the login itself are the way in
    for headers in ({}, {"Accept": "text/html"}, {"Authorization": "Bearer wrong", "X-Staff-Name": "admin"}):
        response = requests.request(method, web + path, headers=headers, timeout=30, allow_redirects=False)
        assert response.status_code == 401, (headers, response.text[:300])
        if method == "GET" and headers.get("Accept") == "text/html":
            assert 'action="/console/login"' in response.text  # a browser gets the login form
        else:
            assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("method", "path", "capability"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES]
)
def test_every_admin_path_names_its_capability_and_refuses_roles_without_it(
    site, web, method, path, capability
):
    assert capability is not None, f"{method} {path}: add Depends(require('…')) (bot/accounts/web.py)"
    for role in ROLES:
        if capability in CAPABILITIES[role]:
            continue
        headers = bearer(site.settings, f"walker-{role}", role)
        response = requests.request(method, web + path, headers=headers, timeout=30, allow_redirects=False)
        assert response.status_code == 403, (role, response.status_code, response.text[:300])
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "path", "capability"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES]
)
def test_hotline_staff_are_refused_every_admin_path_by_the_gate(site, web, method, path, capability):
    headers = bearer(site.settings, "walker-hotline", "hotline") | {"Accept": "text/html"}
    response = requests.request(method, web + path, headers=headers, timeout=30, allow_redirects=False)
    assert response.status_code == 403
    if method == "GET":
        assert "没有材料库管理的权限" in response.text and "<html" in response.text  # a page, for a browser
