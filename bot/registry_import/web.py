"""``/admin/import``: upload a region's data, see what it would change, and only then apply it.

An upload is either a filled-in spreadsheet (the template from ``/admin/import/template.xlsx``
or ``python -m bot registry template``) or a zip of a seed directory. It is imported into a
staged copy and the page shows the diff; the person who uploaded it confirms with the plan's
one-time token. A spreadsheet's rows then become one draft of the registry editor
(bot/admin: reviewed by someone else, published with its source like any edit); a seed, which
rewrites whole files the editor's operations cannot express, is written at once, with the
source in changelog.yml (which the registry service records as the new version's note). A plan
is kept for :data:`PLAN_SECONDS`; a registry changed meanwhile refuses a seed's plan.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.accounts.roles import User
from bot.accounts.web import admin_page, require
from bot.admin.editor import create_draft
from bot.jsonapi import ApiError
from bot.registry_import.plan import ImportPlan, ImportRefused, StaleImport, apply_with_source
from bot.registry_import.seed import dry_run_seed, unpack_seed_zip
from bot.registry_import.sheet import RowChange, SheetRefused, draft_change, dry_run_sheet, write_template
from bot.registry_import.upload import read_upload
from bot.retrain.job import Retrainer
from bot.settings import Settings

PLAN_SECONDS = 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SOURCE = 500
# What a diff touching these means for the model: it learns names and aliases (bot/nlu/build.py).
MODEL_FIELDS = {"name", "aliases"}


@dataclass
class Pending:
    plan: ImportPlan
    by: str
    source: str
    filename: str
    made: float
    work: Path
    rows: list[RowChange] | None = None  # a spreadsheet's rows: confirmed as an editor draft


def touches_model(plan: ImportPlan) -> bool:
    """Whether applying the plan changes what the model is trained from."""
    for change in [*plan.diff["scenarios"], *plan.diff["materials"]]:
        if change["change"] != "changed" or {f["field"] for f in change.get("fields") or []} & MODEL_FIELDS:
            return True
    return False


class Imports:
    """The plans waiting for their uploader's confirmation."""

    def __init__(self, settings: Settings) -> None:
        self.registry_dir = settings.registry.dir
        self._pending: dict[str, Pending] = {}

    def _expire(self) -> None:
        now = time.monotonic()
        for token, pending in list(self._pending.items()):
            if now - pending.made > PLAN_SECONDS:
                self.discard(token)

    def discard(self, token: str) -> None:
        pending = self._pending.pop(token, None)
        if pending is not None:
            shutil.rmtree(pending.work, ignore_errors=True)

    def dry_run(self, filename: str, data: bytes, source: str, by: str) -> tuple[str, Pending]:
        self._expire()
        # Outside the project: the registry's parse cache keeps one file per directory under it.
        work = Path(tempfile.mkdtemp(prefix="onceonly-import-"))
        try:
            rows: list[RowChange] | None = None
            if b"[Content_Types].xml" in data[:4096] or filename.lower().endswith(".xlsx"):
                plan, rows = dry_run_sheet(data, self.registry_dir, work)
            else:
                plan = dry_run_seed(unpack_seed_zip(data, work), self.registry_dir, work)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        token = secrets.token_urlsafe(16)
        pending = Pending(plan, by, source, filename, time.monotonic(), work, rows)
        self._pending[token] = pending
        return token, pending

    def close(self) -> None:
        """Drop every waiting plan and its staged copy (the web server stops)."""
        for token in list(self._pending):
            self.discard(token)

    def take(self, token: str, by: str) -> Pending:
        self._expire()
        pending = self._pending.get(token)
        if pending is None or pending.by != by:
            raise ApiError(404, "import_not_found", "找不到这次导入的预览（已过期或已处理），请重新上传")
        return pending


def import_router(settings: Settings, retrainer: Retrainer | None = None) -> APIRouter:
    imports = Imports(settings)
    router = APIRouter()
    router.on_shutdown.append(imports.close)
    may_import = Depends(require("import"))

    def page(request: Request, status: int = 200, **values: Any) -> HTMLResponse:
        defaults: dict[str, Any] = {
            "problems": [],
            "pending": None,
            "token": None,
            "done": None,
            "source": "",
        }
        return admin_page(
            request, "import.html", section="/admin/import", status=status, **(defaults | values)
        )

    @router.get("/admin/import", response_class=HTMLResponse)
    def form(request: Request, done: str = "", _user: User = may_import) -> HTMLResponse:
        return page(request, done=done or None)

    @router.get("/admin/import/template.xlsx")
    def template(_user: User = may_import) -> Response:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "template.xlsx"
            write_template(path)
            data = path.read_bytes()
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="registry-import.xlsx"'},
        )

    @router.post("/admin/import", response_class=HTMLResponse)
    async def upload(request: Request, user: User = may_import) -> HTMLResponse:
        got = read_upload(request.headers.get("content-type", ""), await request.body())
        source = got.fields.get("source", "")
        if not source or len(source) > MAX_SOURCE:
            return page(
                request,
                400,
                problems=[f"请填写来源（文件号或网址，最多 {MAX_SOURCE} 个字）"],
                source=source[:MAX_SOURCE],
            )
        try:
            token, pending = imports.dry_run(got.filename, got.data, source, user.name)
        except SheetRefused as exc:
            return page(request, 400, problems=[str(p) for p in exc.problems], source=source)
        except ImportRefused as exc:
            return page(request, 400, problems=[str(exc)], source=source)
        return page(request, token=token, pending=pending, source=source)

    @router.post("/admin/import/{token}/apply")
    def confirm(token: str, user: User = may_import) -> Response:
        pending = imports.take(token, user.name)
        if pending.rows is not None and not pending.plan.empty:
            # A department's rows are registry edits like any other: a draft a second person reviews.
            draft = create_draft(draft_change(pending.rows), pending.source, user.name, settings)
            imports.discard(token)
            return RedirectResponse(f"/admin/drafts/{draft}", status_code=303)
        try:
            if not pending.plan.empty:
                apply_with_source(pending.plan, pending.source, user.name, f"导入 {pending.filename}")
        except StaleImport as exc:
            imports.discard(token)
            raise ApiError(409, "registry_changed", str(exc)) from exc
        imports.discard(token)
        if retrainer is not None and touches_model(pending.plan):
            retrainer.request(f"导入 {pending.filename}（{pending.source}）", user.name)
        return RedirectResponse("/admin/import?done=" + str(len(pending.plan.files)), status_code=303)

    @router.post("/admin/import/{token}/cancel")
    def cancel(token: str, user: User = may_import) -> Response:
        imports.take(token, user.name)
        imports.discard(token)
        return RedirectResponse("/admin/import", status_code=303)

    return router
