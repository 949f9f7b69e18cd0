"""Serving notices from the web server: the page and PDF at ``/n/<code>``, and the console's notice.

Public: ``GET /n/{code}`` (the page; ``?k=`` the sealed personal variant), ``GET
/n/{code}/pdf``. Staff: ``POST /console/api/notice`` issues the notice of a matter and
answers and returns its links and the SMS segments (bot/render.py). Everything is read
through the registry client: the notice's row (scenario, answers, version), today's
checklist and scenario, and, for an old notice, the checklist as first issued and the
registry's diff, so the page says what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import constr

from bot.callback.hours import parse_hours
from bot.jsonapi import ApiError
from bot.notice.changes import notice_changes
from bot.notice.links import citizen_of, notice_links, personal_expiry
from bot.notice.page import NoticeMeta, notice_page
from bot.notice.pdf import PdfUnavailable, print_pdf
from bot.registry.api_models import ScenarioAnswers
from bot.registry.client import RegistryClient, RegistryRejected, RegistryUnavailable
from bot.registry.notices import CODE_PATTERN
from bot.render import notice_words, sms_segments
from bot.settings import Settings

T = TypeVar("T")

if TYPE_CHECKING:  # mypy reads a constrained type as the type it validates into
    ScenarioId = str
else:
    ScenarioId = constr(strict=True, regex=r"^[a-z0-9][a-z0-9_]{0,63}$")


class NoticeIn(ScenarioAnswers):
    scenario: ScenarioId


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except RegistryRejected as exc:
        raise ApiError(
            exc.status if exc.status in (404, 422) else 422, exc.code or "rejected", str(exc)
        ) from exc
    except RegistryUnavailable as exc:
        raise ApiError(503, "registry_unavailable", "材料库暂时连不上，请稍后再试") from exc


class Notices:
    """Builds a notice page from the registry: today's answer, and what changed since it was issued."""

    def __init__(self, settings: Settings, registry: RegistryClient | None = None) -> None:
        self.settings = settings
        self.registry = registry or RegistryClient.from_settings(settings)
        self.hours = parse_hours(settings.office.hours, settings.office.timezone)

    def _issued(self, code: str) -> dict[str, Any]:
        issued = _call(self.registry.notice, code)
        if issued is None:
            raise ApiError(404, "unknown_notice", "没有这张告知单（链接可能抄错了）")
        return issued

    def view(self, code: str, token: str | None, for_pdf: bool = False) -> str:
        issued = self._issued(code)
        citizen = citizen_of(self.settings, code, token) if token else None
        scenario_id, answers = issued["scenario"], issued["answers"]
        dropped = False
        try:
            current = self.registry.checklist(scenario_id, answers, citizen)
        except RegistryRejected as exc:
            if exc.status != 422:
                raise ApiError(404, "unknown_scenario", "这件事已不在材料库中") from exc
            current, dropped = _call(self.registry.checklist, scenario_id, {}, citizen), True
        except RegistryUnavailable as exc:
            raise ApiError(503, "registry_unavailable", "材料库暂时连不上，请稍后再试") from exc
        scenario = _call(self.registry.scenario, scenario_id) or {}
        now = (current.get("registry_version") or {}).get("number")
        old = diff = None
        if now is not None and now != issued["version"]:
            old = _call(self.registry.checklist, scenario_id, answers, None, issued["version"])
            diff = _call(self.registry.version_diff, issued["version"], now, scenario_id)
        changes = notice_changes(issued, old, current, diff, dropped)
        links = notice_links(self.settings, code, citizen)
        expires = personal_expiry(self.settings, token) if citizen and token else None
        until = f"{datetime.fromtimestamp(expires, self.hours.zone):%Y-%m-%d %H:%M}" if expires else None
        meta = NoticeMeta(
            code=code,
            header=self.settings.notice.header,
            generated=f"{self.hours.now():%Y-%m-%d %H:%M}",
            pdf_url=None if for_pdf else str(links["pdf"]),
            plain_url=str(links["plain_url"]),
            personal_until=until,
            personal_expired=bool(token) and citizen is None,
        )
        return notice_page(notice_words(current, scenario), meta, changes, inline_css=for_pdf)

    def issue(self, scenario_id: str, answers: dict[str, str], citizen: str | None = None) -> dict[str, Any]:
        """A notice for staff or the bot: its links and its SMS segments."""
        issued = _call(self.registry.issue_notice, scenario_id, answers)
        links = notice_links(self.settings, issued["code"], citizen)
        checklist = _call(self.registry.checklist, scenario_id, issued["answers"])
        scenario = _call(self.registry.scenario, scenario_id) or {}
        sms = sms_segments(
            checklist, scenario, str(links["plain_url"]), self.settings.notice.sms_segment_chars
        )
        return issued | {"links": links, "sms": sms, "sms_limit": self.settings.notice.sms_segment_chars}


def notice_router(notices: Notices, page_headers: dict[str, str]) -> APIRouter:
    router = APIRouter()
    code_path = Path(..., pattern=CODE_PATTERN)
    token_query = Query(None, max_length=1024)

    @router.get("/n/{code}", response_class=HTMLResponse)
    def page(code: str = code_path, k: str | None = token_query) -> HTMLResponse:
        headers = page_headers | {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        return HTMLResponse(notices.view(code, k), headers=headers)

    @router.get("/n/{code}/pdf")
    def pdf(code: str = code_path, k: str | None = token_query) -> Response:
        page_html = notices.view(code, k, for_pdf=True)
        try:
            body = print_pdf(page_html, notices.settings.notice.chromium_path)
        except PdfUnavailable as exc:
            raise ApiError(503, "pdf_unavailable", f"{exc}；可以打开告知单页面用浏览器打印") from exc
        return Response(
            body,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="notice-{code}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    return router


def console_notice_router(notices: Notices) -> APIRouter:
    """Under /console/api (the staff gate applies): the notice and SMS of a matter staff settled."""
    router = APIRouter()

    @router.post("/notice")
    def issue(body: NoticeIn) -> dict[str, Any]:
        return notices.issue(body.scenario, dict(body.answers))

    return router
