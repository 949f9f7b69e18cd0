"""Signing in and out, and each person's own account page (``/console/account``).

The login form takes an account name and a password (bot/accounts/sessions.py decides); the
session cookie it sets is valid on the console and the admin pages alike. ``/console/account``
is where anyone signed in, whatever their role, changes their password (and where a one-time
password must be replaced first) and signs out everywhere at once, e.g. after leaving a
console open on another desk.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.accounts.gate import GATED, Html, login_page, under
from bot.accounts.manage import Management
from bot.accounts.roles import ROLE_LABELS
from bot.accounts.sessions import Sessions
from bot.accounts.store import valid_account_name
from bot.accounts.web import current_user, form_or_json, wants_json, with_times
from bot.jsonapi import ApiError
from bot.templating import render
from bot.web.staff_auth import COOKIE, COOKIE_PATH, StaffAuth

ACTIONS = {
    "sign_in": "登录",
    "sign_in_failed": "密码错误",
    "locked": "账号锁定",
    "password_changed": "修改密码",
    "password_reset": "管理员重置密码",
    "signed_out_everywhere": "全部退出",
    "created": "开通账号",
    "role_changed": "调整角色",
    "disabled": "停用",
    "enabled": "启用",
}


def next_path(value: object) -> str:
    """Where to go after signing in: only a page of ours under the gate (never another site)."""
    if not isinstance(value, str) or len(value) > 512 or value.startswith("//") or "\\" in value:
        return "/console"
    if any(ord(c) < 33 for c in value):  # browsers drop tabs and newlines from a URL: "/\t/evil.example"
        return "/console"
    return value if any(under(value.split("?")[0], root) for root in GATED) else "/console"


def signin_router(auth: StaffAuth, html: Html, secure_cookie: bool, timezone: str) -> APIRouter:
    sessions: Sessions = auth.sessions
    router = APIRouter()

    def set_cookie(response: Response, token: str, max_age: int) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=max_age,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=secure_cookie,
        )

    def signed_out(location: str = "/console") -> Response:
        response = RedirectResponse(location, status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    @router.post("/console/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await form_or_json(request)
        name, going = valid_account_name(form.get("name")) or "", next_path(form.get("next"))
        try:
            # argon2 takes a tenth of a second of CPU on purpose: off the event loop
            signed = await run_in_threadpool(sessions.sign_in, form.get("name"), form.get("password"))
        except ApiError as refused:
            if wants_json(request):
                raise
            return login_page(html, refused.message, refused.status, name, going)
        if signed.must_change_password:
            going = "/console/account"
        response: Response
        if wants_json(request):
            response = JSONResponse({"staff": signed.user.name, "role": signed.user.role, "next": going})
        else:
            response = RedirectResponse(going, status_code=303)
        set_cookie(response, signed.token, signed.max_age)
        return response

    @router.post("/console/logout")
    def logout(request: Request) -> Response:
        sessions.sign_out(request.cookies.get(COOKIE))
        return signed_out()

    def account_page(request: Request, status: int = 200, message: str = "", error: str = "") -> HTMLResponse:
        user = current_user(request)
        account = sessions.store.get(user.name)
        text = render(
            "account.html",
            user=user,
            role_label=ROLE_LABELS.get(user.role, user.role),
            must_change=bool(account and account.must_change_password),
            message=message,
            error=error,
            events=with_times(sessions.store.events(account=user.name, limit=10), timezone),
            actions=ACTIONS,
        )
        return html(text, status)

    @router.get("/console/account", response_class=HTMLResponse)
    def account(request: Request) -> HTMLResponse:
        return account_page(request)

    @router.post("/console/account/password", response_class=HTMLResponse)
    async def change_password(request: Request) -> Response:
        user = current_user(request)
        form = await form_or_json(request)
        try:
            if form.get("new") != form.get("repeat") and not wants_json(request):
                raise ApiError(400, "passwords_differ", "两次输入的新密码不一致")
            ended = await run_in_threadpool(
                sessions.change_password,
                user.name,
                form.get("current"),
                form.get("new"),
                request.cookies.get(COOKIE),
            )
        except ApiError as refused:
            if wants_json(request):
                raise
            return account_page(request, refused.status, error=refused.message)
        if wants_json(request):
            return JSONResponse({"changed": True, "other_sessions_ended": ended})
        done = "密码已修改。" + (f"您在其他地方的 {ended} 个登录已退出。" if ended else "")
        return account_page(request, message=done)

    @router.post("/console/account/sign-out-everywhere")
    def everywhere(request: Request) -> Response:
        user = current_user(request)
        ended = Management(sessions.store).sign_out_everywhere(user.name, user.name)
        if wants_json(request):
            return JSONResponse({"sessions_ended": ended})
        return signed_out()

    return router
