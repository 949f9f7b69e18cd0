"""Callback requests over HTTP: the public form and endpoint, and the console's routes.

Public (the person, from the widget's inline form or the link WeChat shows):
``GET /callback?t=<token>`` the form page; ``POST /callback`` with ``{"token", "phone",
"window"}`` (JSON from the widget, which may sit on another site: CORS without
credentials) or the page's own form fields. The token (bot/callback/offer.py) names the
conversation; a bad token, number or window is a 4xx that stores nothing.

Staff (under ``/console/api``, behind the console's login): ``GET /callbacks``, ``GET
/callbacks/{id}`` (with the conversation so far, read from Rasa), ``POST
/callbacks/{id}/reveal`` (the full number, logged) and ``POST /callbacks/{id}/done``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bot.callback.hours import ASAP, OfficeHours
from bot.callback.offer import open_conversation
from bot.callback.queue import queue_items
from bot.callback.store import CallbackBook, PhoneError, normalise_phone
from bot.jsonapi import ApiError, error_body
from bot.settings import Settings
from bot.templating import render
from bot.web.console import Console
from bot.web.conversations import transcript
from bot.web.rasa_api import RasaUnavailable
from bot.web.staff_auth import StaffAuth

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


async def _fields(request: Request, as_json: bool) -> dict[str, Any]:
    """The request's fields: JSON from the widget, or the form page's fields."""
    body = (await request.body()).decode("utf-8", "replace")
    if as_json:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ApiError(422, "malformed_json", "请求体不是合法的 JSON") from exc
        if not isinstance(data, dict):
            raise ApiError(422, "invalid_request", "请求体必须是 JSON 对象")
        return data
    try:
        form = {k: v[0] for k, v in parse_qs(body, max_num_fields=8).items()}
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "表单字段太多") from exc
    return {"token": form.get("t"), "phone": form.get("phone"), "window": form.get("window")}


class Callbacks:
    def __init__(self, settings: Settings, console: Console, book: CallbackBook, hours: OfficeHours) -> None:
        self.settings, self.console, self.book, self.hours = settings, console, book, hours

    def _windows(self) -> dict[str, dict[str, str]]:
        return {w["id"]: w for w in [*self.hours.windows(days=7), ASAP]}

    def _scenario(self, conversation_id: str) -> dict[str, Any] | None:
        """The matter the conversation was about, for the queue (best effort: Rasa may be down)."""
        try:
            slots = self.console.rasa.tracker(conversation_id).get("slots") or {}
        except RasaUnavailable:
            return None
        scenario_id = slots.get("scenario")
        name = self.console.guide_names().get(scenario_id) if isinstance(scenario_id, str) else None
        return {"id": scenario_id, "name": name} if name else None

    def submit(self, fields: dict[str, Any]) -> dict[str, Any]:
        offered = open_conversation(self.settings, fields.get("token"))
        if offered is None:
            raise ApiError(410, "link_expired", "预约链接已失效，请在对话中重新说“转人工”")
        try:
            phone = normalise_phone(fields.get("phone"))
        except PhoneError as exc:
            raise ApiError(422, "invalid_phone", str(exc)) from exc
        chosen = fields.get("window")
        window = self._windows().get(chosen if isinstance(chosen, str) else "")
        if window is None:
            raise ApiError(422, "invalid_window", "请选择列出的回电时间（所选时段可能已过）")
        conversation = offered["conversation"]
        made = self.book.request(
            conversation, offered.get("channel"), phone, window, self._scenario(conversation)
        )
        return {
            "id": made["id"],
            "phone_masked": made["phone_masked"],
            "window_label": made["window_label"],
            "message": f"已预约：工作人员将在 {made['window_label']} 回电 {made['phone_masked']}。",
        }

    def detail(self, callback_id: int) -> dict[str, Any]:
        found = self.book.get(callback_id)
        if found is None:
            raise ApiError(404, "unknown_callback", "没有这个回电请求")
        try:
            events = self.console.rasa.tracker(found["conversation_id"]).get("events") or []
        except RasaUnavailable:
            events = []
        found = {k: v for k, v in found.items() if k != "conversation_id"}  # a WeChat OpenID stays hidden
        return found | {"messages": transcript(events, 50), "reveals": self.book.reveals_of(callback_id)}


def _page(title: str, page: str, **values: Any) -> str:
    """One of the callback pages (the template ``bot/callback/templates/callback.html``)."""
    return render("callback.html", title=title, page=page, **values)


def callback_router(callbacks: Callbacks, page_headers: dict[str, str]) -> APIRouter:
    router = APIRouter()
    headers = page_headers | {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

    @router.get("/callback", response_class=HTMLResponse)
    def form(t: str | None = Query(None, max_length=1024)) -> HTMLResponse:
        if open_conversation(callbacks.settings, t) is None:
            page = _page("预约回电", "expired", hotline=callbacks.settings.contact.hotline)
            return HTMLResponse(page, status_code=410, headers=headers)
        page = _page(
            "预约回电", "form", hours=callbacks.hours.describe(), token=t, windows=callbacks.hours.windows()
        )
        return HTMLResponse(page, headers=headers)

    @router.options("/callback")
    def preflight() -> Response:
        return Response(status_code=204, headers=CORS)

    @router.post("/callback")
    async def submit(request: Request) -> Response:
        as_json = "json" in (request.headers.get("content-type") or "")
        fields: dict[str, Any] = {}
        try:
            fields = await _fields(request, as_json)
            done = callbacks.submit(fields)
        except ApiError as exc:
            if as_json:  # with CORS, so the widget on another site can read why
                return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=CORS)
            again = f"/callback?t={quote(str(fields.get('token') or ''), safe='')}"
            page = _page("预约回电", "refused", message=exc.message, again=again)
            return HTMLResponse(page, status_code=exc.status, headers=headers)
        if as_json:
            return JSONResponse(done, status_code=201, headers=CORS)
        return HTMLResponse(
            _page("预约成功", "done", message=done["message"]), status_code=201, headers=headers
        )

    return router


def console_callback_router(callbacks: Callbacks, auth: StaffAuth) -> APIRouter:
    """Under /console/api: the staff gate has let only signed-in staff through."""
    router = APIRouter()
    callback_id = Path(..., ge=1, le=2_147_483_647)

    def staff(request: Request) -> str:
        who = auth.staff_of(request)
        if who is None:
            raise ApiError(401, "unauthorized", "需要坐席登录")
        return who

    @router.get("/callbacks")
    def pending() -> dict[str, Any]:
        return {"callbacks": queue_items(callbacks.book)}

    @router.get("/callbacks/{callback_id}")
    def detail(callback_id: int = callback_id) -> dict[str, Any]:
        return callbacks.detail(callback_id)

    @router.post("/callbacks/{callback_id}/reveal")
    def reveal(request: Request, callback_id: int = callback_id) -> dict[str, Any]:
        phone = callbacks.book.reveal(callback_id, staff(request))
        if phone is None:
            raise ApiError(404, "unknown_callback", "没有这个待回电的请求（可能已处理）")
        return {"id": callback_id, "phone": phone}

    @router.post("/callbacks/{callback_id}/done")
    def done(request: Request, callback_id: int = callback_id) -> dict[str, Any]:
        closed = callbacks.book.done(callback_id, staff(request))
        if closed is None:
            raise ApiError(404, "unknown_callback", "没有这个待回电的请求（可能已处理）")
        return {k: v for k, v in closed.items() if k != "conversation_id"}

    return router
