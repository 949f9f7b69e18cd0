"""Our web server: the demo portal with the citizen widget, and the hotline staff console.

Public: ``/`` (demo portal), ``/guide…`` (its 办事指南, bot/web/directory.py), ``/widget.js``
+ ``/widget.css`` + ``/chat-render.js`` (the embeddable widget), ``/vendor/socket.io.min.js`` (socket.io-client, served from
``bot/web/node_modules``: installed by ``npm ci``, never copied), ``/static/…``,
``/demo/citizen-token`` and ``/health``. Everything under ``/console`` and ``/admin`` needs a
signed-in staff account (bot/accounts/gate.py, docs/accounts.md) and otherwise answers 401;
``/admin`` also a role with some admin capability. The console's JSON
API is in bot/web/console_api.py; what it does, in bot/web/console.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from bot.accounts.gate import Gate, login_page
from bot.accounts.manage import Management
from bot.accounts.signin_web import signin_router
from bot.accounts.startup import open_accounts
from bot.accounts.users_web import users_router
from bot.admin.web import admin_router
from bot.callback.hours import parse_hours
from bot.callback.web import Callbacks, callback_router, console_callback_router
from bot.dashboard.web import dashboard_router
from bot.jsonapi import ApiError, install_error_handlers, serve_app
from bot.notice.web import Notices, console_notice_router, notice_router
from bot.privacy.console import privacy_router
from bot.registry_import.web import import_router
from bot.report.web import report_router
from bot.retrain.job import Retrainer
from bot.retrain.web import retrain_router
from bot.settings import Settings, get_settings
from bot.web.console import Console
from bot.web.console_api import CitizenId, console_router
from bot.web.directory import Directory, directory_router
from bot.web.portal import STATIC, demo_token, page, portal_page
from bot.web.staff_auth import StaffAuth

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
VENDOR = {
    "socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
    "socket.io.min.js.map": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js.map",
    # Chart.js for the reform dashboard (bot/dashboard/): its UMD build, no bundler.
    "chart.umd.min.js": NODE_MODULES / "chart.js" / "dist" / "chart.umd.min.js",
    "chart.umd.min.js.map": NODE_MODULES / "chart.js" / "dist" / "chart.umd.min.js.map",
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
    "static/admin.css": "admin.css",  # the registry's admin pages (admin.html)
    "static/dashboard.js": "dashboard.js",  # the reform dashboard's charts (bot/dashboard/)
}
CONSOLE_ASSETS = {
    "console.js": "console.js",
    "console.css": "console.css",
    # Answers people can act on: after-hours callbacks, the notice and its SMS, the maintainers' report
    "console-callbacks.js": "console-callbacks.js",
    "console-notice.js": "console-notice.js",
    "report.js": "report.js",
}
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


def create_app(settings: Settings | None = None, console: Console | None = None) -> FastAPI:
    settings = settings or get_settings()
    console = console or Console(settings)
    auth = StaffAuth(settings.secrets.staff_token, open_accounts(settings))
    headers = _security_headers(settings)
    app = FastAPI(title="onceonly web", version="1.0", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app, settings.registry.max_body_bytes)

    def html_page(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status_code=status, headers=headers | {"Cache-Control": "no-store"})

    gate = Gate(auth, html_page, settings.web.url)

    @app.middleware("http")
    async def staff_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # One gate for everything under /console and /admin (bot/accounts/gate.py), before any
        # body is read: a stranger's request is refused whatever it carries.
        refusal = await run_in_threadpool(gate.refusal, request)  # it reads the accounts' database
        return refusal if refusal is not None else await call_next(request)

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

    @app.get("/console", response_class=HTMLResponse)
    def console_page(request: Request) -> Response:
        current = auth.who(request)
        if current is None:
            return login_page(html_page)
        if current.must_change_password:
            return RedirectResponse("/console/account", status_code=303)
        user = current.user
        return html_page(page("console.html", staff=user.name, user=user, rasa_url=settings.rasa.widget_url))

    # Signing in and out, one's own account (bot/accounts/signin_web.py); accounts at /admin/users.
    secure_cookie = settings.web.url.startswith("https://")
    app.include_router(signin_router(auth, html_page, secure_cookie, settings.office.timezone))
    app.include_router(users_router(Management(auth.sessions.store), settings.office.timezone))

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
    # The registry editor (bot/admin/): /admin, /admin/entry/…, /admin/drafts/…, /admin/review, /admin/api/….
    app.include_router(admin_router(settings))
    # The reform dashboard (bot/dashboard/): /admin/dashboard and its CSV/XLSX downloads.
    app.include_router(dashboard_router(console.registry))
    # The model's retraining (bot/retrain/): /admin/model, and a publish's retrain + hot load.
    retrainer = Retrainer(settings)
    app.include_router(retrain_router(retrainer))
    # A region's data with a dry run first (bot/registry_import/): /admin/import.
    app.include_router(import_router(settings, retrainer))

    return app


def serve(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)  # the console's SQLite audit log lives there
    print(f"web: http://{settings.web.host}:{settings.web.port}/  (console at /console)", flush=True)
    serve_app(create_app(settings), settings.web.host, settings.web.port)
