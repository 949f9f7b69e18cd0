"""The registry editor on the web server: pages and JSON routes under ``/admin``.

Pages work with plain HTML forms (no script needed): ``/admin`` finds an entry and lists
the person's own drafts (with a reviewer's comment when one was sent back),
``/admin/entry/<kind>/<id>`` shows it with one form per kind of change, ``/admin/drafts/<n>``
shows a draft in plain words with approve/reject for a reviewer who is not its author, and
``/admin/review`` lists what waits for review. The same work is JSON under ``/admin/api``.
Every route names its capability (bot/accounts/web.py ``require``); the gate in
bot/web/app.py has refused strangers already. A refused form shows its page again with
the reason and the status of the refusal; nothing is changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import yaml
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from bot.accounts.roles import User
from bot.accounts.web import admin_page, require
from bot.admin.changes import ID_PATTERN
from bot.admin.drafts import APPROVED, DRAFT, STATUSES, Drafts
from bot.admin.editor import KIND_LABELS, Editor
from bot.admin.plain_words import NECESSITY_WORDS
from bot.jsonapi import ApiError, JsonObject
from bot.registry.exemption_labels import EXEMPT_LABELS
from bot.registry.files import dump_yaml
from bot.settings import Settings

log = logging.getLogger(__name__)
KIND_PATTERN = r"^(scenario|matter|material|catalogue)$"
FORM_FIELDS = 16  # the largest form (a requirement's) has 9


class DraftIn(JsonObject):
    change: dict[str, Any]
    source: str = Field("", max_length=2000)  # checked by the editor, so a missing one reads clearly


class RejectIn(JsonObject):
    comment: str = Field("", max_length=2000)


def _kind() -> Any:
    return Path(..., pattern=KIND_PATTERN)


def _rid() -> Any:
    return Path(..., pattern=ID_PATTERN)


def _draft_id() -> Any:
    return Path(..., ge=1, le=1_000_000_000)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each), blanks kept: a cleared field is an edit."""
    body = (await request.body()).decode("utf-8", "replace")
    try:
        parsed = parse_qs(body, keep_blank_values=True, max_num_fields=FORM_FIELDS, strict_parsing=False)
    except ValueError as exc:
        raise ApiError(422, "bad_form", "表单字段过多或格式不对") from exc
    return {k: v[0] for k, v in parsed.items()}


def change_from_form(kind: str, rid: str, form: dict[str, str]) -> dict[str, Any]:
    """The change JSON a page's form stands for (checked like any other change by the editor)."""
    op = form.get("op")
    target = {"kind": kind, "id": rid}
    if op == "names":
        aliases = [a.strip() for a in form.get("aliases", "").splitlines() if a.strip()]
        return {"target": target, "ops": [{"op": "names", "name": form.get("name", ""), "aliases": aliases}]}
    if op == "requirement":
        exemption = None
        if form.get("exemption_kind"):
            exemption = {"kind": form["exemption_kind"], "text": form.get("exemption_text") or None}
        requirement = {
            "op": "requirement",
            "material": form.get("material", ""),
            "seed_name": form.get("seed_name", ""),
            "necessity": form.get("necessity") or None,
            "condition": form.get("condition") or None,
            "issuer": form.get("issuer") or None,
            "exemption": exemption,
            "fields": ["necessity", "condition", "issuer", "exemption"],
        }
        return {"target": target, "ops": [requirement]}
    if op == "questions":
        try:
            questions = yaml.safe_load(form.get("questions", "")) or []
        except yaml.YAMLError as exc:
            raise ApiError(422, "invalid_change", f"情形问题的 YAML 写得不对：{exc}") from exc
        return {"target": target, "ops": [{"op": "questions", "questions": questions}]}
    if op == "merge":
        return {"target": target, "ops": [{"op": "merge", "source": form.get("source_material", "").strip()}]}
    raise ApiError(422, "invalid_change", "不认识的修改类型")


def admin_router(settings: Settings, drafts: Drafts | None = None) -> APIRouter:
    editor = Editor(settings.registry.dir, drafts or Drafts(settings.console_store_url))
    router = APIRouter()
    background: list[asyncio.Task[None]] = []

    async def finish_interrupted() -> None:
        """A publish the last run of the server left half done is finished now, off the event loop
        and after the other startup handlers (the retrain's publish hook among them) have run:
        they run one after another without yielding, and this task only starts once they have."""
        if editor.drafts.find(status=APPROVED, limit=1):
            background.append(asyncio.create_task(run_in_threadpool(report_interrupted)))

    def report_interrupted() -> None:
        try:
            lines = editor.finish_interrupted()
        except Exception:  # e.g. registry files that do not load: the drafts stay 发布中 for the next start
            log.exception("finishing the publishes the last run left unfinished failed")
            return
        for line in lines:
            print(f"web: {line}", flush=True)

    router.on_startup.append(finish_interrupted)
    may_edit = Depends(require("edit"))
    may_review = Depends(require("review"))

    def entry_page(request: Request, kind: str, rid: str, error: str = "", status: int = 200) -> HTMLResponse:
        entry = editor.entry(kind, rid)
        questions = dump_yaml(entry.get("questions") or []) if entry.get("questions") is not None else ""
        return admin_page(
            request,
            "admin_entry.html",
            section="/admin",
            status=status,
            entry=entry,
            kind_label=KIND_LABELS[kind],
            questions_yaml=questions,
            exempt_kinds=EXEMPT_LABELS,
            necessities=NECESSITY_WORDS,
            error=error,
        )

    def draft_page(
        request: Request, user: User, draft_id: int, error: str = "", status: int = 200
    ) -> HTMLResponse:
        draft = editor.draft(draft_id)
        return admin_page(
            request,
            "admin_draft.html",
            section="/admin/review" if user.can("review") else "/admin",
            status=status,
            draft=draft,
            kind_label=KIND_LABELS[draft["target_kind"]],
            may_review=user.can("review") and draft["author"] != user.name and draft["status"] == DRAFT,
            own=draft["author"] == user.name,
            log=editor.drafts.log(draft_id),
            error=error,
        )

    def on_form_error(render: Callable[[str, int], HTMLResponse], action: Callable[[], Response]) -> Response:
        try:
            return action()
        except ApiError as exc:
            if exc.status == 404:
                raise
            return render(exc.message, exc.status)

    # -- pages ---------------------------------------------------------------------------

    @router.get("/admin", response_class=HTMLResponse)
    def search_page(
        request: Request, q: str = Query("", max_length=64), user: User = may_edit
    ) -> HTMLResponse:
        return admin_page(
            request,
            "admin_search.html",
            section="/admin",
            q=q,
            results=editor.search(q),
            mine=editor.drafts.find(author=user.name, limit=30),
        )

    @router.get("/admin/entry/{kind}/{rid}", response_class=HTMLResponse)
    def show_entry(
        request: Request, kind: str = _kind(), rid: str = _rid(), _user: User = may_edit
    ) -> HTMLResponse:
        return entry_page(request, kind, rid)

    @router.post("/admin/entry/{kind}/{rid}")
    async def draft_from_form(
        request: Request, kind: str = _kind(), rid: str = _rid(), user: User = may_edit
    ) -> Response:
        form = await _form(request)

        def propose() -> Response:
            draft = editor.propose(user, change_from_form(kind, rid, form), form.get("source"))
            return RedirectResponse(f"/admin/drafts/{draft['id']}", status_code=303)

        render = lambda message, status: entry_page(request, kind, rid, message, status)  # noqa: E731
        return await run_in_threadpool(on_form_error, render, propose)  # loading the registry takes a while

    @router.get("/admin/drafts/{draft_id}", response_class=HTMLResponse)
    def show_draft(request: Request, draft_id: int = _draft_id(), user: User = may_edit) -> HTMLResponse:
        return draft_page(request, user, draft_id)

    @router.post("/admin/drafts/{draft_id}/approve")
    def approve_form(request: Request, draft_id: int = _draft_id(), user: User = may_review) -> Response:
        def approve() -> Response:
            editor.approve(user, draft_id)
            return RedirectResponse(f"/admin/drafts/{draft_id}", status_code=303)

        return on_form_error(
            lambda message, status: draft_page(request, user, draft_id, message, status), approve
        )

    @router.post("/admin/drafts/{draft_id}/reject")
    async def reject_form(request: Request, draft_id: int = _draft_id(), user: User = may_review) -> Response:
        form = await _form(request)

        def reject() -> Response:
            editor.reject(user, draft_id, form.get("comment"))
            return RedirectResponse(f"/admin/drafts/{draft_id}", status_code=303)

        return on_form_error(
            lambda message, status: draft_page(request, user, draft_id, message, status), reject
        )

    @router.get("/admin/review", response_class=HTMLResponse)
    def review_page(request: Request, user: User = may_review) -> HTMLResponse:
        pending = editor.drafts.find(status=DRAFT, limit=200)
        return admin_page(
            request,
            "admin_review.html",
            section="/admin/review",
            pending=[d for d in pending if d["author"] != user.name],
            own_pending=[d for d in pending if d["author"] == user.name],
            recent=editor.drafts.find(limit=30),
        )

    # -- JSON ----------------------------------------------------------------------------

    @router.get("/admin/api/search")
    def api_search(
        q: str = Query("", max_length=64), limit: int = Query(60, ge=1, le=200), _user: User = may_edit
    ) -> dict[str, Any]:
        return {"results": editor.search(q, limit)}

    @router.get("/admin/api/entry/{kind}/{rid}")
    def api_entry(kind: str = _kind(), rid: str = _rid(), _user: User = may_edit) -> dict[str, Any]:
        return editor.entry(kind, rid)

    @router.post("/admin/api/drafts", status_code=201)
    def api_propose(body: DraftIn, user: User = may_edit) -> dict[str, Any]:
        return editor.propose(user, body.change, body.source)

    @router.get("/admin/api/drafts")
    def api_drafts(
        status: str | None = Query(None, pattern="^(" + "|".join(STATUSES) + ")$"),
        mine: bool = False,
        limit: int = Query(100, ge=1, le=500),
        user: User = may_edit,
    ) -> dict[str, Any]:
        return {"drafts": editor.drafts.find(status, user.name if mine else None, limit)}

    @router.get("/admin/api/drafts/{draft_id}")
    def api_draft(draft_id: int = _draft_id(), _user: User = may_edit) -> dict[str, Any]:
        return {**editor.draft(draft_id), "log": editor.drafts.log(draft_id)}

    @router.post("/admin/api/drafts/{draft_id}/approve")
    def api_approve(draft_id: int = _draft_id(), user: User = may_review) -> dict[str, Any]:
        return editor.approve(user, draft_id)

    @router.post("/admin/api/drafts/{draft_id}/reject")
    def api_reject(body: RejectIn, draft_id: int = _draft_id(), user: User = may_review) -> dict[str, Any]:
        return editor.reject(user, draft_id, body.comment)

    @router.get("/admin/api/log")
    def api_log(limit: int = Query(200, ge=1, le=1000), _user: User = may_review) -> dict[str, Any]:
        """Who drafted, approved, rejected and published which change: the registry changes' audit."""
        return {"entries": editor.drafts.log(limit=limit)}

    return router
