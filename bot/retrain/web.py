"""``/admin/model``: the model's retraining, watched by editors and started by reviewers.

The page and its JSON show the run going (phase, percent, the training log's last lines),
the runs before it, and which model the Rasa server serves now. Starting a run by hand
needs "review": the same people who decide that a change goes live decide when the model
catches up. A change published through the editor starts one by itself (:func:`subscribe`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from bot.accounts.roles import User
from bot.accounts.web import admin_page, require
from bot.admin.hooks import on_publish as publish_hooks
from bot.admin.hooks import published_touches_model
from bot.jsonapi import ApiError
from bot.retrain.job import RetrainBusy, Retrainer

STATIC = Path(__file__).resolve().parent / "static"
MANUAL_REASON = "手动发起"


def _start(retrainer: Retrainer, user: User) -> dict[str, Any]:
    try:
        return retrainer.start(MANUAL_REASON, user.name).as_dict()
    except RetrainBusy as exc:
        raise ApiError(409, "retrain_busy", f"已有训练在进行，请等它结束：{exc}") from exc


def retrain_router(retrainer: Retrainer) -> APIRouter:
    router = APIRouter()
    # Subscribed while the server runs (not when the app is built: an app that never starts must not
    # retrain on others' publishes). Stopping the web server stops a training child (its own
    # session: the stack's signal to the web server's group does not reach it) and unsubscribes.
    subscriptions: list[Callable[[], None]] = []

    def start() -> None:
        subscriptions.append(subscribe(retrainer))

    def stop() -> None:
        retrainer.close()
        while subscriptions:
            subscriptions.pop()()

    router.on_startup.append(start)
    router.on_shutdown.append(stop)
    may_view, may_start = Depends(require("edit")), Depends(require("review"))

    @router.get("/admin/model", response_class=HTMLResponse)
    def page(request: Request, user: User = may_view) -> HTMLResponse:
        return admin_page(
            request,
            "model.html",
            section="/admin/model",
            model=retrainer.status(),
            may_start=user.can("review"),
        )

    @router.get("/admin/api/model")
    def status(_user: User = may_view) -> dict[str, Any]:
        return retrainer.status()

    @router.post("/admin/api/model/retrain", status_code=202)
    def start_api(user: User = may_start) -> dict[str, Any]:
        return _start(retrainer, user)

    @router.post("/admin/model/retrain")
    def start_form(user: User = may_start) -> Response:
        _start(retrainer, user)
        return RedirectResponse("/admin/model", status_code=303)

    @router.get("/admin/model/progress.js")
    def script(_user: User = may_view) -> Response:
        return FileResponse(
            STATIC / "progress.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    return router


def subscribe(retrainer: Retrainer) -> Callable[[], None]:
    """Retrain after every publish whose change touches what the model learns from, through the
    editor's hook (bot/admin/hooks.py); returns how to unsubscribe."""

    def on_publish(change: dict[str, Any]) -> None:
        if published_touches_model(change):
            who = str(change.get("reviewer") or change.get("author") or "材料库编辑")
            source = change.get("source")
            retrainer.request("发布的修改涉及名称、别名或问法" + (f"（{source}）" if source else ""), who)

    publish_hooks.append(on_publish)
    return lambda: publish_hooks.remove(on_publish) if on_publish in publish_hooks else None
