"""The gate in front of ``/console`` and ``/admin``: who may pass, and what a refusal looks like.

bot/web/app.py runs :meth:`Gate.refusal` before any route and before any body is read, so a
stranger's request is refused whatever it carries, and a route written tomorrow is covered
without doing anything (tests/accounts/test_every_path.py walks them all). A browser navigating
gets a page (the login form, or "not for your role"); anything else gets the JSON error.
Whoever passes is on ``request.state.user`` for :func:`bot.accounts.web.require`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.accounts.web import ADMIN_CAPABILITIES, UNAUTHORIZED
from bot.jsonapi import error_body
from bot.templating import render
from bot.web.staff_auth import StaffAuth

GATED = ("/console", "/admin")
# Doors for someone not signed in: the console's login page (itself the 401 page) and the login.
OPEN = {("GET", "/console"), ("POST", "/console/login"), ("POST", "/console/logout")}
# What someone holding a one-time password may reach before choosing their own (and the pages' assets).
PASSWORD_CHANGE = {"/console/account", "/console/account/password", "/console/logout"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def before_own_password(path: str) -> bool:
    """Whether someone still holding a one-time password may open ``path``."""
    return path in PASSWORD_CHANGE or under(path, "/console/assets")


def wants_html(request: Request) -> bool:
    """A browser navigating (it gets a page), not a script or the console's fetch (JSON)."""
    return request.method == "GET" and "text/html" in (request.headers.get("accept") or "")


def same_origin(request: Request, public_url: str) -> bool:
    """A browser's form or fetch from our own pages (SameSite=Strict cookies already keep other
    sites' requests signed out; this refuses them even where a browser lacks SameSite)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request: browsers send Origin with every POST
    host = request.headers.get("host") or ""
    return origin in (f"http://{host}", f"https://{host}", public_url)


Html = Callable[[str, int], HTMLResponse]


def login_page(
    html: Html, error: str = "", status: int = 401, name: str = "", next_path: str = ""
) -> HTMLResponse:
    return html(render("login.html", error=error, account_name=name, next=next_path), status)


class Gate:
    def __init__(self, auth: StaffAuth, html: Html, public_url: str) -> None:
        self.auth = auth
        self.html = html
        self.public_url = public_url

    def refusal(self, request: Request) -> Response | None:
        """The response refusing ``request``, or None to let it through (with ``request.state.user``)."""
        path = request.url.path
        if not any(under(path, root) for root in GATED):
            return None
        if request.method not in SAFE_METHODS and not same_origin(request, self.public_url):
            return self._refuse(request, 403, "cross_site", "请从本站页面提交")
        if (request.method, path) in OPEN:
            return None
        current = self.auth.who(request)
        if current is None:
            if wants_html(request):
                return login_page(self.html, next_path=path)
            return JSONResponse(error_body("unauthorized", UNAUTHORIZED), status_code=401)
        if current.must_change_password and not before_own_password(path):
            if wants_html(request):
                return RedirectResponse("/console/account", status_code=303)
            return self._refuse(request, 403, "password_change_required", "请先在“我的账号”设置自己的密码")
        user = current.user
        if under(path, "/admin") and not any(user.can(capability) for capability in ADMIN_CAPABILITIES):
            return self._refuse(request, 403, "forbidden", "您的账号没有材料库管理的权限")
        request.state.user = user
        return None

    def _refuse(self, request: Request, status: int, code: str, message: str) -> Response:
        if wants_html(request):
            return self.html(render("forbidden.html", message=message), status)
        return JSONResponse(error_body(code, message), status_code=status)
