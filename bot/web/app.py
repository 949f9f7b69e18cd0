"""Our web server: the demo portal with the citizen widget, and the hotline staff console.

Public: ``/`` (demo portal), ``/guide…`` (its 办事指南, bot/web/directory.py), ``/widget.js``
+ ``/widget.css`` + ``/chat-render.js`` (the embeddable widget), ``/vendor/socket.io.min.js`` (socket.io-client, served from
``bot/web/node_modules``: installed by ``npm ci``, never copied), ``/static/…``,
``/demo/citizen-token`` and ``/health``. Everything under ``/console`` needs the
staff login (bot/web/staff_auth.py) and otherwise answers 401. The console's JSON
API is in bot/web/console_api.py; what it does, in bot/web/console.py.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from bot.callback.hours import parse_hours
from bot.callback.web import Callbacks, callback_router, console_callback_router
from bot.jsonapi import ApiError, error_body, install_error_handlers, serve_app
from bot.notice.web import Notices, console_notice_router, notice_router
from bot.privacy.console import privacy_router
from bot.report.web import report_router
from bot.settings import Settings, get_settings
from bot.web.console import Console
from bot.web.console_api import CitizenId, console_router
from bot.web.directory import Directory, directory_router
from bot.web.portal import STATIC, demo_token, page, portal_page
from bot.web.staff_auth import COOKIE, COOKIE_PATH, SESSION_SECONDS, StaffAuth, valid_staff_name

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
VENDOR = {
    "socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
    "socket.io.min.js.map": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js.map",
}
PUBLIC = {
    "widget.js": "widget.js",
    "widget.css": "widget.css",
    "chat-render.js": "chat-render.js",
    "chat-render.css": "chat-render.css",
    "static/gov.css": "gov.css",
    "static/portal.js": "portal.js",
    "static/portal.css": "portal.css",
    "static/guide.css": "guide.css",  # the 办事指南 directory (bot/web/directory.py)
    "static/emblem.svg": "emblem.svg",
    "static/notice.css": "notice.css",  # the one-time notice (bot/notice/)
    "static/notice.js": "notice.js",
}
CONSOLE_ASSETS = {
    "console.js": "console.js",
    "console.css": "console.css",
    # Answers people can act on: after-hours callbacks, the notice and its SMS, the maintainers' report
    "console-callbacks.js": "console-callbacks.js",
    "console-notice.js": "console-notice.js",
    "report.js": "report.js",
}
# The console's only doors for someone not signed in: its login page (a 401) and the login itself.
OPEN = {("GET", "/console"), ("POST", "/console/login"), ("POST", "/console/logout")}
UNAUTHORIZED = "需要坐席登录（会话 Cookie，或 Authorization: Bearer 与 X-Staff-Name）"
MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json"}


class DemoLogin(BaseModel):
    citizen_id: CitizenId

    class Config:
        extra = "forbid"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _security_headers(settings: Settings) -> dict[str, str]:
    """Our pages load nothing from elsewhere; the widget may talk only to the Rasa server."""
    rasa = _origin(settings.rasa.widget_url)
    ws = rasa.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src 'self' {rasa} {ws}; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _file(path: Path) -> Response:
    if not path.is_file():
        raise ApiError(503, "assets_missing", f"{path.name} 未安装：请运行 make web-deps（npm ci）")
    media = MEDIA.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


async def _form_or_json(request: Request) -> dict[str, Any]:
    body = (await request.body()).decode("utf-8", "replace")
    if "json" in (request.headers.get("content-type") or ""):
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=8).items()}


def create_app(settings: Settings | None = None, console: Console | None = None) -> FastAPI:
    settings = settings or get_settings()
    console = console or Console(settings)
    auth = StaffAuth(settings.secrets.staff_token)
    headers = _security_headers(settings)
    app = FastAPI(title="onceonly web", version="1.0", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app, settings.registry.max_body_bytes)

    @app.middleware("http")
    async def staff_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # One gate for everything under /console, before any body is read: a stranger's request is
        # a 401 whatever it carries. Only the login form (which is the 401 page itself) passes.
        path = request.url.path
        console = path == "/console" or path.startswith("/console/")
        if console and (request.method, path) not in OPEN and auth.staff_of(request) is None:
            return JSONResponse(error_body("unauthorized", UNAUTHORIZED), status_code=401)
        return await call_next(request)

    def html_page(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status_code=status, headers=headers | {"Cache-Control": "no-store"})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def portal() -> HTMLResponse:
        return html_page(portal_page(settings))

    @app.post("/demo/citizen-token")
    def citizen_token(body: DemoLogin) -> dict[str, object]:
        return demo_token(settings, body.citizen_id)

    def public_asset(url: str, name: str) -> None:
        app.add_api_route("/" + url, lambda: _file(STATIC / name), methods=["GET"], include_in_schema=False)

    for url, name in PUBLIC.items():
        public_asset(url, name)

    @app.get("/vendor/{name}")
    def vendor(name: str) -> Response:
        if name not in VENDOR:
            raise ApiError(404, "not_found", "没有这个文件")
        return _file(VENDOR[name])

    # -- the console: login, page, assets, API ---------------------------------

    def login_page(error: str = "", status: int = 401) -> HTMLResponse:
        return html_page(page("login.html", error=error), status)

    @app.get("/console", response_class=HTMLResponse)
    def console_page(request: Request) -> HTMLResponse:
        staff = auth.staff_of(request)
        if staff is None:
            return login_page()
        return html_page(page("console.html", staff=staff, rasa_url=settings.rasa.widget_url))

    @app.post("/console/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await _form_or_json(request)
        staff = valid_staff_name(form.get("staff"))
        if staff is None:
            return login_page("请填写您的姓名或工号（最多 32 个字符，只含文字、数字、空格和 .-_·）")
        if not auth.token_ok(form.get("token")):
            return login_page("坐席口令不对")
        response = RedirectResponse("/console", status_code=303)
        response.set_cookie(
            COOKIE,
            auth.session_cookie(staff),
            max_age=SESSION_SECONDS,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
        )
        return response

    @app.post("/console/logout")
    def logout() -> Response:
        response = RedirectResponse("/console", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    @app.get("/console/assets/{name}")
    def console_asset(name: str) -> Response:
        if name not in CONSOLE_ASSETS:
            raise ApiError(404, "not_found", "没有这个文件")
        return _file(STATIC / CONSOLE_ASSETS[name])

    app.include_router(console_router(console, auth), prefix="/console/api")
    app.include_router(privacy_router(console, auth), prefix="/console/api")  # staff deletion on request
    # Answers people can act on (bot/notice/): the one-time notice at /n/<code>, and for staff its SMS.
    notices = Notices(settings, console.registry)
    app.include_router(notice_router(notices, headers))
    app.include_router(console_notice_router(notices), prefix="/console/api")
    # The portal's 办事指南 (bot/web/directory.py): every scenario and matter, its checklist and notice.
    app.include_router(directory_router(Directory(settings, console.registry), headers))
    # After hours (bot/callback/): the public callback form, and the requests in the console.
    callbacks = Callbacks(
        settings, console, console.callbacks, parse_hours(settings.office.hours, settings.office.timezone)
    )
    app.include_router(callback_router(callbacks, headers))
    app.include_router(console_callback_router(callbacks, auth), prefix="/console/api")
    # The maintainers' report (bot/report/): /console/report and /console/api/report(.csv).
    app.include_router(report_router(console.registry, settings.events_store_url, auth, html_page))

    return app


def serve(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)  # the console's SQLite audit log lives there
    print(f"web: http://{settings.web.host}:{settings.web.port}/  (console at /console)", flush=True)
    serve_app(create_app(settings), settings.web.host, settings.web.port)
