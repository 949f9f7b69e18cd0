"""``/admin/users``: administrators manage everyone else's account (capability ``users``).

Create an account (its one-time password is shown once, on the page that answers the form, and
never stored in the clear), change a role, disable or enable, reset a password, sign someone
out everywhere. Each answers a browser's form with the page again (a message on top) and a
script's JSON with JSON. Every change is recorded with who made it (bot/accounts/manage.py)
and shown at the foot of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.accounts.manage import Management
from bot.accounts.roles import ROLE_LABELS, ROLES, User
from bot.accounts.signin_web import ACTIONS
from bot.accounts.store import Account
from bot.accounts.web import admin_page, form_or_json, require, wants_json, with_times
from bot.jsonapi import ApiError

SECTION = "/admin/users"
# One administrator's change: the form in, the account after it and a one-time password ("" if none) out.
Change = Callable[[dict[str, Any]], tuple[Account, str]]
ACCOUNT_NAME = Path(..., min_length=1, max_length=32)


def account_json(account: Account, sessions: int = 0) -> dict[str, Any]:
    return {
        "name": account.name,
        "display": account.display,
        "role": account.role,
        "active": account.active,
        "must_change_password": account.must_change_password,
        "development": account.development,
        "locked_until": account.locked_until,
        "created_by": account.created_by,
        "sessions": sessions,
    }


def users_router(manage: Management, timezone: str) -> APIRouter:
    router = APIRouter()
    store = manage.store
    may_manage = require("users")

    def page(
        request: Request,
        status: int = 200,
        message: str = "",
        error: str = "",
        password: str = "",
        password_for: str = "",
    ) -> HTMLResponse:
        counts = store.session_counts()
        return admin_page(
            request,
            "users.html",
            section=SECTION,
            status=status,
            accounts=[account_json(a, counts.get(a.name, 0)) for a in store.all()],
            roles=[(role, ROLE_LABELS[role]) for role in ROLES],
            role_labels=ROLE_LABELS,
            message=message,
            error=error,
            password=password,
            password_for=password_for,
            events=with_times(store.events(limit=30), timezone),
            actions=ACTIONS,
        )

    async def answer(request: Request, change: Change, done: str, status: int = 200) -> Response:
        """Run ``change(form) -> (account, one-time password)`` and answer the form or the script."""
        form = await form_or_json(request)
        try:
            account, password = await run_in_threadpool(change, form)  # hashing: off the event loop
        except ApiError as refused:
            if wants_json(request):
                raise
            return page(request, refused.status, error=refused.message)
        if wants_json(request):
            body: dict[str, Any] = {"account": account_json(account)}
            if password:
                body["password"] = password
            return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
        return page(
            request,
            status,
            message=done.format(name=account.name),
            password=password,
            password_for=account.name if password else "",
        )

    @router.get(SECTION, response_class=HTMLResponse)
    def users(request: Request, user: User = Depends(may_manage)) -> Response:
        if wants_json(request):
            counts = store.session_counts()
            return JSONResponse({"accounts": [account_json(a, counts.get(a.name, 0)) for a in store.all()]})
        return page(request)

    @router.post(SECTION, response_class=HTMLResponse)
    async def create(request: Request, user: User = Depends(may_manage)) -> Response:
        def made(form: dict[str, Any]) -> tuple[Account, str]:
            created = manage.create(user.name, form.get("name"), form.get("role"), form.get("display") or "")
            return created.account, created.password

        return await answer(request, made, "已开通账号 {name}。", status=201)

    @router.post(SECTION + "/{name}/role", response_class=HTMLResponse)
    async def role(request: Request, name: str = ACCOUNT_NAME, user: User = Depends(may_manage)) -> Response:
        return await answer(
            request,
            lambda form: (manage.set_role(user.name, name, form.get("role")), ""),
            "已调整 {name} 的角色。",
        )

    @router.post(SECTION + "/{name}/disable", response_class=HTMLResponse)
    async def disable(
        request: Request, name: str = ACCOUNT_NAME, user: User = Depends(may_manage)
    ) -> Response:
        return await answer(
            request,
            lambda form: (manage.set_active(user.name, name, False), ""),
            "已停用 {name}，其登录已全部退出。",
        )

    @router.post(SECTION + "/{name}/enable", response_class=HTMLResponse)
    async def enable(
        request: Request, name: str = ACCOUNT_NAME, user: User = Depends(may_manage)
    ) -> Response:
        return await answer(
            request, lambda form: (manage.set_active(user.name, name, True), ""), "已启用 {name}。"
        )

    @router.post(SECTION + "/{name}/password", response_class=HTMLResponse)
    async def reset(request: Request, name: str = ACCOUNT_NAME, user: User = Depends(may_manage)) -> Response:
        def reset_it(form: dict[str, Any]) -> tuple[Account, str]:
            password = manage.set_password(user.name, name)
            return manage.account(name), password

        return await answer(request, reset_it, "已重置 {name} 的密码，其登录已全部退出。")

    @router.post(SECTION + "/{name}/sign-out", response_class=HTMLResponse)
    async def sign_out(
        request: Request, name: str = ACCOUNT_NAME, user: User = Depends(may_manage)
    ) -> Response:
        def everywhere(form: dict[str, Any]) -> tuple[Account, str]:
            manage.sign_out_everywhere(user.name, name)
            return manage.account(name), ""

        return await answer(request, everywhere, "{name} 的登录已全部退出。")

    return router
