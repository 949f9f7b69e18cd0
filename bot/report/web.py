"""The report in the staff console: ``/console/report`` (the page), ``/console/api/report`` (JSON)
and ``/console/api/report.csv`` (download). The console's login gate covers all three."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.jsonapi import ApiError
from bot.registry.client import RegistryClient, RegistryUnavailable
from bot.report.build import report, report_csv
from bot.web.portal import page
from bot.web.staff_auth import StaffAuth


def report_router(
    registry: RegistryClient, events_db_url: str, auth: StaffAuth, html: Callable[[str], HTMLResponse]
) -> APIRouter:
    router = APIRouter()
    days_query = Query(30, gt=0, le=3660)

    def build(days: float) -> dict[str, Any]:
        try:
            return report(registry, events_db_url, days)
        except RegistryUnavailable as exc:
            raise ApiError(503, "registry_unavailable", "材料库暂时连不上，请稍后再试") from exc

    @router.get("/console/report", response_class=HTMLResponse)
    def report_page(request: Request) -> HTMLResponse:
        return html(page("report.html", staff=auth.staff_of(request) or ""))

    @router.get("/console/api/report")
    def report_json(days: float = days_query) -> dict[str, Any]:
        return build(days)

    @router.get("/console/api/report.csv")
    def report_download(days: float = days_query) -> Response:
        name = f"onceonly-report-{date.today().isoformat()}-{days:g}d.csv"
        return Response(
            report_csv(build(days)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    return router
