"""The reform dashboard on the web server: ``/admin/dashboard`` and its downloads.

- ``GET /admin/dashboard``: the page (every table, a chart beside each one that has one);
- ``GET /admin/dashboard/{table}.csv`` and ``/admin/dashboard/{table}.xlsx``: one table;
- ``GET /admin/dashboard/all.xlsx``: every table, one sheet each.

All need the ``dashboard`` capability (bot/accounts/web.py). The figures come from the registry
service over HTTP (``/stats/dashboard`` and ``/stats/trend``), never from its database. The page
lists the first :data:`PAGE_PUSH_LIMIT` materials to push; the downloads list them all.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from bot.accounts.roles import User
from bot.accounts.web import admin_page, require
from bot.dashboard.export import CSV_MEDIA, XLSX_MEDIA, table_csv, tables_xlsx
from bot.dashboard.tables import TABLE_KEYS, Table, all_tables
from bot.jsonapi import ApiError
from bot.registry.client import RegistryClient, RegistryRejected, RegistryUnavailable

PAGE_PUSH_LIMIT = 30
ALL_PUSH = 5000  # the registry's ceiling: every material still to be handed over
TREND_VERSIONS = 100
DOWNLOAD = re.compile(r"^(?P<table>[a-z_]{1,32})\.(?P<format>csv|xlsx)$")


def dashboard_router(registry: RegistryClient) -> APIRouter:
    router = APIRouter()
    may_read = Depends(require("dashboard"))

    def figures(push_limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """The registry's figures and trend; its failure as a clear 503, never a 500."""
        try:
            return registry.dashboard(push_limit), registry.stats_trend(TREND_VERSIONS)
        except (RegistryUnavailable, RegistryRejected) as exc:
            raise ApiError(503, "registry_unavailable", "材料库暂时连不上，看板无法计算，请稍后再试") from exc

    @router.get("/admin/dashboard", response_class=HTMLResponse)
    def page(request: Request, _user: User = may_read) -> HTMLResponse:
        found, trend = figures(PAGE_PUSH_LIMIT)
        stats = found["stats"]
        return admin_page(
            request,
            "dashboard.html",
            section="/admin/dashboard",
            tables=all_tables(found, trend),
            headline=stats["all"],
            by_kind=stats["by_kind"],
            reform=found["reform"],
            push=found["push_next"],
            version=found.get("registry_version"),
            versions=len(trend["versions"]),
        )

    @router.get("/admin/dashboard/{name}")
    def download(name: str = Path(..., max_length=64), user: User = may_read) -> Response:
        wanted = DOWNLOAD.match(name)
        table, fmt = (wanted["table"], wanted["format"]) if wanted else (None, None)
        if table not in (*TABLE_KEYS, "all") or (table == "all" and fmt != "xlsx"):
            raise ApiError(
                404,
                "unknown_table",
                f"没有这个下载：{name}；可下载 {'、'.join(TABLE_KEYS)} 的 .csv 或 .xlsx，以及 all.xlsx（全部表格）",
            )
        tables = all_tables(*figures(ALL_PUSH))
        chosen: list[Table] = [t for t in tables if table in ("all", t.key)]
        body = table_csv(chosen[0]) if fmt == "csv" else tables_xlsx(chosen)
        filename = f"onceonly-dashboard-{table}-{date.today().isoformat()}.{fmt}"
        return Response(
            body,
            media_type=CSV_MEDIA if fmt == "csv" else XLSX_MEDIA,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    return router
