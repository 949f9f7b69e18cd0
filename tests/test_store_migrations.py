"""The migrations of the stores beside the registry (feedback, notices, the console's audit log and
callbacks; bot/migrate.py): a database their old ``create_all`` made, with rows in it, upgrades in
place and the store still answers from those rows; an empty database reaches the newest revision;
either way the migrated tables are the store's own, and opening again changes nothing.

The "old" database is built with each baseline revision's frozen schema (exactly what
``create_all`` made before migrations) and filled with rows as the old store wrote them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from bot import migrate
from bot.accounts.store import AccountStore
from bot.accounts.store import metadata as accounts_metadata
from bot.callback.store import CallbackBook
from bot.callback.store import _metadata as callback_metadata
from bot.feedback.store import FeedbackStore
from bot.feedback.store import metadata as feedback_metadata
from bot.registry.notices import NoticeBook, notice_code
from bot.registry.notices import metadata as notices_metadata
from bot.sealed import Sealer
from bot.web.audit import AuditLog
from bot.web.audit import _metadata as audit_metadata

SECRET = "test-data-secret-for-migrations"
PHONE = "13800138000"
NOTICE = notice_code("newborn", {"residence": "local"}, 1)


def schema_differences(engine: Engine, wanted: sa.MetaData) -> list[Any]:
    """What separates the database's copy of ``wanted``'s tables from them (other stores' tables
    in the same database are theirs)."""
    names = set(wanted.tables)

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        return type_ != "table" or name in names

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        return compare_metadata(context, wanted)


@dataclass(frozen=True)
class StoreCase:
    package: str
    tables: sa.MetaData  # the store's tables, as its queries see them
    open: Callable[[str], Any]  # the store at a database URL, as the service opens it
    old_rows: Callable[[], dict[str, list[dict[str, Any]]]]  # rows the old store wrote, by table
    answers: Callable[[Any], None]  # the store answers from those rows (asserts)


def _feedback_rows() -> dict[str, list[dict[str, Any]]]:
    row = {"conversation_ref": "ref-1", "scenario": "newborn", "registry_version": 1}
    return {
        "feedback": [
            {**row, "at": time.time(), "rating": "unhelpful", "reason": "unclear", "material": "m-1"},
            {**row, "registry_version": 2, "at": time.time(), "rating": "helpful", "channel": "web"},
        ]
    }


def _feedback_answers(store: FeedbackStore) -> None:
    assert len(store.rows()) == 2
    [newborn] = store.summary()["by_scenario"]
    assert (newborn["helpful"], newborn["unhelpful"]) == (1, 1)
    # The unique key survived: the same answer again updates its row.
    first = min(r["id"] for r in store.rows())
    key = {"conversation_ref": "ref-1", "scenario": "newborn", "registry_version": 1}
    assert store.put({**key, "rating": "helpful"}) == (first, False)
    assert store.put({**key, "registry_version": 3, "rating": "helpful"})[1] is True


def _notice_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "notices": [
            {
                "code": NOTICE,
                "scenario": "newborn",
                "answers": '{"residence": "local"}',
                "version": 1,
                "created_at": "2026-11-01T08:00:00+00:00",
            }
        ]
    }


def _notice_answers(book: NoticeBook) -> None:
    found = book.get(NOTICE)
    assert found is not None and found["answers"] == {"residence": "local"}
    # Issuing the same notice again finds the old row.
    assert book.issue("newborn", {"residence": "local"}, 1)["created_at"] == "2026-11-01T08:00:00+00:00"


def _audit_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "citizen_file_lookups": [
            {"at": time.time(), "staff": "staff-a", "citizen_id": "c-1", "reason": "来电"},
            {
                "at": time.time(),
                "staff": "staff-b",
                "citizen_id": "c-2",
                "reason": "",
                "conversation_id": "x",
            },
        ]
    }


def _audit_answers(log: AuditLog) -> None:
    [lookup] = log.entries("c-1")
    assert (lookup["staff"], lookup["reason"]) == ("staff-a", "来电")
    new = log.record("staff-c", "c-1")  # the ids go on after the old rows'
    assert new > max(e["id"] for e in log.entries()[1:])
    assert [e["staff"] for e in log.entries("c-1")] == ["staff-c", "staff-a"]


def _callback_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "callback_requests": [
            {
                "created_at": time.time(),
                "conversation_id": "conv-1",
                "channel": "web",
                "scenario_id": "newborn",
                "scenario_name": "新生儿出生",
                "phone_sealed": Sealer(SECRET, "phone").seal({"phone": PHONE}),
                "phone_masked": "138****8000",
                "window_id": "w1",
                "window_label": "一号窗口",
                "status": "pending",
            }
        ],
        "callback_phone_reveals": [{"at": time.time(), "staff": "staff-a", "callback_id": 1}],
    }


def _callback_answers(book: CallbackBook) -> None:
    [pending] = book.pending()
    assert pending["phone_masked"] == "138****8000" and "phone_sealed" not in pending
    assert book.reveal(pending["id"], "staff-b") == PHONE
    assert [r["staff"] for r in book.reveals_of(pending["id"])] == ["staff-a", "staff-b"]
    assert book.done(pending["id"], "staff-b") is not None and book.pending() == []


def _account_rows() -> dict[str, list[dict[str, Any]]]:
    now = time.time()
    return {
        "staff_accounts": [
            {
                "name": "li",
                "role": "hotline",
                "password_hash": "$argon2id$x",
                "created": now,
                "created_by": "cli",
                "password_changed": now,
            },
        ],
        "staff_sessions": [
            {"id": "0" * 64, "account": "li", "created": now, "last_seen": now, "expires": now + 60}
        ],
    }


def _account_answers(store: AccountStore) -> None:
    account = store.get("li")
    assert account is not None and account.active and account.role == "hotline" and account.failures == 0
    assert store.session_counts() == {"li": 1}


def _engine(url: str) -> Engine:
    return sa.create_engine(url, future=True)


STORES = {
    "feedback": StoreCase(
        "bot.feedback.migrations",
        feedback_metadata,
        lambda url: FeedbackStore(_engine(url)),
        _feedback_rows,
        _feedback_answers,
    ),
    "notices": StoreCase(
        "bot.registry.notices_migrations",
        notices_metadata,
        lambda url: NoticeBook(_engine(url)),
        _notice_rows,
        _notice_answers,
    ),
    "audit": StoreCase("bot.web.audit_migrations", audit_metadata, AuditLog, _audit_rows, _audit_answers),
    "accounts": StoreCase(
        "bot.accounts.migrations", accounts_metadata, AccountStore, _account_rows, _account_answers
    ),
    "callbacks": StoreCase(
        "bot.callback.migrations",
        callback_metadata,
        lambda url: CallbackBook(url, SECRET),
        _callback_rows,
        _callback_answers,
    ),
}


def make_old_database(url: str, case: StoreCase) -> None:
    """The store's tables as its old ``create_all`` made them, with the rows it wrote."""
    engine = _engine(url)
    old = migrate.baseline_schema(case.package)
    old.create_all(engine)
    with engine.begin() as conn:
        for table, rows in case.old_rows().items():
            for row in rows:  # one at a time: rows differ in which columns they fill
                conn.execute(old.tables[table].insert().values(**row))
    engine.dispose()


def revision(engine: Engine, package: str) -> str | None:
    with engine.connect() as conn:
        return migrate.current(conn, package)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres").create_database(f"stores_{uuid.uuid4().hex[:16]}")
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.mark.parametrize("name", STORES)
def test_a_new_database_reaches_the_newest_revision_and_matches_the_store(db_url, name):
    case = STORES[name]
    store = case.open(db_url)
    assert revision(store.engine, case.package) == migrate.head(case.package)
    assert schema_differences(store.engine, case.tables) == []
    case.open(db_url).engine.dispose()  # opening again is a no-op
    assert revision(store.engine, case.package) == migrate.head(case.package)
    store.engine.dispose()


@pytest.mark.parametrize("name", STORES)
def test_an_old_database_with_rows_upgrades_in_place_and_still_answers(db_url, name):
    case = STORES[name]
    make_old_database(db_url, case)
    old = _engine(db_url)
    assert revision(old, case.package) is None
    with old.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in case.old_rows()}
    old.dispose()

    store = case.open(db_url)
    assert revision(store.engine, case.package) == migrate.head(case.package)
    assert schema_differences(store.engine, case.tables) == []
    with store.engine.connect() as conn:
        assert {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in counts} == counts
    case.answers(store)
    store.engine.dispose()


def test_stores_sharing_a_database_keep_their_own_histories(tmp_path):
    """The console's audit log and callbacks in one database (as by default): each its own version."""
    url = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    make_old_database(url, STORES["audit"])  # a console database from before migrations
    log, book = AuditLog(url), CallbackBook(url, SECRET)
    for case, store in ((STORES["audit"], log), (STORES["callbacks"], book)):
        assert revision(store.engine, case.package) == migrate.head(case.package)
        assert schema_differences(store.engine, case.tables) == []
    assert log.entries("c-1") and book.pending() == []
    with log.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"alembic_version_audit", "alembic_version_callbacks"} <= tables
    assert "alembic_version" not in tables  # the registry's, not theirs
    log.engine.dispose()
    book.engine.dispose()


@pytest.mark.parametrize("name", STORES)
def test_downgrade_to_nothing_and_up_again(tmp_path, name):
    case = STORES[name]
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = case.open(url)
    migrate.downgrade(store.engine, case.package, "base")
    with store.engine.connect() as conn:
        assert not set(case.tables.tables) & set(sa.inspect(conn).get_table_names())
    migrate.upgrade(store.engine, case.package)
    assert schema_differences(store.engine, case.tables) == []
    store.engine.dispose()
