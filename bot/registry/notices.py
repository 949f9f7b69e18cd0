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
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Path
from sqlalchemy.engine import Connection, Engine

from bot import migrate
from bot.jsonapi import ApiError
from bot.registry.api_models import ScenarioAnswers
from bot.registry.checklist import AnswerError, validate_answers
from bot.registry.store import Store
from bot.registry.versions import Versions

log = logging.getLogger(__name__)

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
        # One connection for the look-up and the write: on PostgreSQL each checkout is two more
        # round trips (a liveness ping, a rollback on return), and every answer issues its notice.
        with self.engine.connect() as conn:
            found = _notice(conn, code)
            if found is not None:
                return found
            row: dict[str, Any] = {
                "code": code,
                "scenario": scenario,
                "answers": json.dumps(answers, ensure_ascii=False, sort_keys=True),
                "version": version,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            try:
                conn.execute(_INSERT, row)
                conn.commit()
            except sa.exc.IntegrityError:  # issued at the same moment by another request: the same row
                conn.rollback()
                return _notice(conn, code) or {**row, "answers": answers}
        return {**row, "answers": json.loads(row["answers"])}  # as a read of the row gives it

    def get(self, code: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return _notice(conn, code)


_BY_CODE = sa.select(notices).where(notices.c.code == sa.bindparam("code"))
_INSERT = notices.insert()


def _notice(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_CODE, {"code": code}).first()
    if row is None:
        return None
    return dict(row._mapping) | {"answers": json.loads(row.answers)}


def notice_book(store: Callable[[], Store]) -> Callable[[], NoticeBook]:
    """The service's one NoticeBook, made on first use (which migrates its table once): shared by
    ``POST /notices`` and by ``POST /checklist`` when it issues the answer's notice itself."""
    made: list[NoticeBook] = []

    def book() -> NoticeBook:
        if not made:
            made.append(NoticeBook(store().engine))
        return made[0]

    return book


def notice_of_answer(
    book: Callable[[], NoticeBook], scenario_id: str, answers: dict[str, str], current: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The notice issued with a checklist (``"notice": true``; one request an answer).

    ``answers`` are the checklist's own, already validated. The answer stands without its notice,
    as it did when the bot asked for the notice in a request of its own: None when no registry
    version is recorded yet (``POST /notices`` says 409) or the store refuses the write (a 5xx)."""
    if current is None:
        return None
    try:
        return book().issue(scenario_id, answers, current["number"])
    except sa.exc.SQLAlchemyError:
        log.exception("the notice of a checklist for %s was not issued", scenario_id)
        return None


def notices_router(
    store: Callable[[], Store], shared_book: Callable[[], NoticeBook] | None = None
) -> APIRouter:
    """``POST /notices`` (issue the code of a checklist's notice) and ``GET /notices/{code}``."""
    router = APIRouter()
    book = shared_book or notice_book(store)

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
