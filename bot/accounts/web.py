"""What the web server's routes ask of the signed-in person: :func:`require` a capability.

The gate in bot/web/app.py has already refused strangers on every path under ``/console``
and ``/admin`` and put the signed-in :class:`~bot.accounts.roles.User` on
``request.state.user``; a route only says which capability it needs, never a role name,
so the role table in bot/accounts/roles.py stays the one place that decides::

    @router.post("/admin/drafts")
    def draft(body: DraftIn, user: User = Depends(require("edit"))) -> dict: ...

A route that forgets ``require`` is still behind the gate (signed-in staff only, and under
``/admin`` only people with some admin capability); tests/accounts/test_every_path.py walks
every route and checks that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.accounts.roles import CAPABILITIES, ROLE_LABELS, User
from bot.jsonapi import ApiError
from bot.templating import render

# Admin pages load nothing from elsewhere and are never framed or cached (they show who may do what).
ADMIN_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
UNAUTHORIZED = "需要登录（会话 Cookie，或 Authorization: Bearer 与 X-Staff-Name）"
CAPABILITY_LABELS = {
    "console": "使用助办台",
    "edit": "编辑材料库",
    "dashboard": "查看改革看板",
    "review": "审核修改",
    "import": "导入数据",
    "users": "管理账号",
}
# The admin pages' navigation: where, its label, and the capability that shows it (admin.html).
ADMIN_NAV: tuple[tuple[str, str, str], ...] = (
    ("/admin", "编辑", "edit"),
    ("/admin/review", "审核", "review"),
    ("/admin/import", "导入", "import"),
    ("/admin/dashboard", "看板", "dashboard"),
    ("/admin/users", "账号", "users"),
    ("/admin/model", "模型", "edit"),  # the model's retraining (bot/retrain/web.py)
)
# Capabilities that open some page under /admin: the gate refuses /admin to anyone with none.
ADMIN_CAPABILITIES = frozenset(capability for _, _, capability in ADMIN_NAV)


def current_user(request: Request) -> User:
    """The signed-in person the gate found (a 401 if a route outside the gate asks)."""
    user = getattr(request.state, "user", None)
    if not isinstance(user, User):
        raise ApiError(401, "unauthorized", UNAUTHORIZED)
    return user


def forbidden(user: User, capability: str) -> ApiError:
    role = ROLE_LABELS.get(user.role, user.role)
    return ApiError(403, "forbidden", f"您的账号（{role}）没有{CAPABILITY_LABELS[capability]}的权限")


def require(capability: str) -> Callable[[Request], User]:
    """A FastAPI dependency: the signed-in :class:`User` if they have ``capability``, else 403."""
    if capability not in CAPABILITY_LABELS:
        known = {c for caps in CAPABILITIES.values() for c in caps}
        raise ValueError(f"unknown capability {capability!r}; known: {sorted(known)}")

    def signed_in_with(request: Request) -> User:
        user = current_user(request)
        if not user.can(capability):
            raise forbidden(user, capability)
        return user

    signed_in_with.__name__ = f"require_{capability}"
    return signed_in_with


def admin_nav(user: User) -> list[tuple[str, str]]:
    """The admin pages this person may open, as (href, label), in the nav's order."""
    return [(href, label) for href, label, capability in ADMIN_NAV if user.can(capability)]


def admin_context(user: User, section: str) -> dict[str, Any]:
    """What admin.html needs besides a page's own values: who, their role, the nav, where we are."""
    return {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role),
        "nav": admin_nav(user),
        "section": section,
    }


def admin_page(
    request: Request, template: str, *, section: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """An admin page: ``template`` extends admin.html and fills its ``admin_main`` block.

    ``section`` is the nav entry to mark as the current page (``"/admin/users"``).
    """
    text = render(template, **admin_context(current_user(request), section), **values)
    return HTMLResponse(text, status_code=status, headers=ADMIN_HEADERS)


async def form_or_json(request: Request, fields: int = 8) -> dict[str, Any]:
    """A form's fields (browsers) or a JSON object's (scripts); anything else reads as empty, so
    the route refuses it field by field with a clear 400."""
    body = (await request.body()).decode("utf-8", "replace")
    if "json" in (request.headers.get("content-type") or ""):
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=fields).items()}


def wants_json(request: Request) -> bool:
    """A script (JSON in or out) rather than a browser's form, which gets the page back."""
    return any("json" in (request.headers.get(h) or "") for h in ("content-type", "accept"))


def with_times(rows: Iterable[dict[str, Any]], timezone: str, field: str = "at") -> list[dict[str, Any]]:
    """``rows`` each with ``when``: its ``field`` (a Unix time) as the office's local date and time."""
    zone = ZoneInfo(timezone)
    return [
        {**row, "when": datetime.fromtimestamp(row[field], zone).strftime("%Y-%m-%d %H:%M")} for row in rows
    ]
