"""Stable codes for one-time notices (一次告知单): which scenario, which answers, which version.

A notice link is ``/n/<code>`` on the web server: ten characters, short enough for an
SMS. The code is a hash of what the notice says (scenario, answers, registry version),
so asking twice gives the same code and a code can never be made to mean something
else; the row kept for it holds no personal data (a citizen's own reusable materials
travel only in a separate, encrypted and expiring part of the link, bot/sealed.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Path
from sqlalchemy.engine import Engine

from bot import migrate
from bot.jsonapi import ApiError
from bot.registry.api_models import ScenarioAnswers
from bot.registry.checklist import AnswerError, validate_answers
from bot.registry.store import Store
from bot.registry.versions import Versions

# The table as the newest migration leaves it (bot/registry/notices_migrations; tests/test_store_migrations.py).
metadata = sa.MetaData()
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("scenario", sa.String(128), nullable=False),
    sa.Column("answers", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
CODE_PATTERN = r"^[a-z2-7]{10}$"


def notice_code(scenario: str, answers: dict[str, str], version: int) -> str:
    canonical = json.dumps([scenario, sorted(answers.items()), version], ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


class NoticeBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        migrate.upgrade(engine, "bot.registry.notices_migrations")

    def issue(self, scenario: str, answers: dict[str, str], version: int) -> dict[str, Any]:
        """The notice of these answers at this version, recorded once (asking again changes nothing)."""
        code = notice_code(scenario, answers, version)
        found = self.get(code)
        if found is not None:
            return found
        row = {
            "code": code,
            "scenario": scenario,
            "answers": json.dumps(answers, ensure_ascii=False, sort_keys=True),
            "version": version,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(notices.insert().values(**row))
        except sa.exc.IntegrityError:
            pass  # issued at the same moment by another request: the same row
        return self.get(code) or {**row, "answers": answers}

    def get(self, code: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(notices).where(notices.c.code == code)).first()
        if row is None:
            return None
        return dict(row._mapping) | {"answers": json.loads(row.answers)}


def notices_router(store: Callable[[], Store]) -> APIRouter:
    """``POST /notices`` (issue the code of a checklist's notice) and ``GET /notices/{code}``."""
    router = APIRouter()
    made: list[NoticeBook] = []

    def book() -> NoticeBook:
        if not made:
            made.append(NoticeBook(store().engine))  # migrates the table once, on first use
        return made[0]

    @router.post("/notices", status_code=201)
    def issue(body: ScenarioAnswers) -> dict[str, Any]:
        scenario = store().scenario(body.guide_id)
        if scenario is None:
            raise ApiError(404, "unknown_scenario", f"没有这个事项: {body.scenario}")
        try:
            answers = validate_answers(scenario, body.answers)
        except AnswerError as exc:
            raise ApiError(422, "unknown_answer", str(exc)) from exc
        current = Versions(store().engine).current()
        if current is None:
            raise ApiError(409, "no_version", "材料库尚未记录版本")
        return book().issue(scenario.id, answers, current["number"])

    @router.get("/notices/{code}")
    def get(code: str = Path(..., pattern=CODE_PATTERN)) -> dict[str, Any]:
        found = book().get(code)
        if found is None:
            raise ApiError(404, "unknown_notice", f"没有这张告知单: {code}")
        return found

    return router
