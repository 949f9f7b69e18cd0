"""Rasa's SQL tracker store and event broker, changed in bot/rasa_compat/sql_stores.py, write what
Rasa's own write, and the private query they count with still means what it meant."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_compat.sql_stores import CheckedSQLEventBroker, CheckedSQLTrackerStore, table_metadata
from tests.rasa_compat.saved_rows import FIRST, SECOND, TURNS, saved_rows


def _rows(tmp_path: Path, store_class: type, broker_class: type, name: str) -> tuple[list, list]:
    return saved_rows(tmp_path, store_class, broker_class, name, TURNS)


class _Store(CheckedSQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.save_turn(tracker)


def test_a_turn_writes_the_rows_rasas_save_writes_across_sessions(tmp_path: Path) -> None:
    rasas = _rows(tmp_path, SQLTrackerStore, SQLEventBroker, "rasa")
    assert rasas[0] and rasas[1]
    assert _rows(tmp_path, _Store, CheckedSQLEventBroker, "ours") == rasas
    # with Rasa's own event broker: one publish an event, as Rasa's stream_events
    assert _rows(tmp_path, _Store, SQLEventBroker, "mixed") == rasas


def test_the_count_query_is_what_rasas_save_skips(tmp_path: Path) -> None:
    store = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.sqlite3"))
    asyncio.run(store.save(DialogueStateTracker.from_events("c", FIRST + SECOND[:3])))
    parameters = list(inspect.signature(SQLTrackerStore._event_query).parameters)
    assert parameters == ["self", "session", "sender_id", "fetch_events_from_all_sessions"]
    tracker = DialogueStateTracker.from_events("c", FIRST + SECOND)
    with store.session_scope() as session:
        counted = store._event_query(session, "c", fetch_events_from_all_sessions=False).count()
        rasas_new = list(store._additional_events(session, tracker))
    assert 0 < counted == len(tracker.events) - len(rasas_new)


def test_the_kept_count_statement_counts_what_rasas_query_counts(tmp_path: Path) -> None:
    """CheckedSQLTrackerStore.stored_count is Rasa's _event_query with the sender bound later:
    for every conversation (one session, two, none stored) the same count as Rasa's query."""
    store = CheckedSQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.sqlite3"))
    rasa = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.sqlite3"))
    asyncio.run(rasa.save(DialogueStateTracker.from_events("two", FIRST + SECOND)))
    asyncio.run(rasa.save(DialogueStateTracker.from_events("one", FIRST)))
    counts = {}
    with store.session_scope() as session:
        for sender in ("two", "one", "none"):
            ours = session.execute(store.stored_count, {"sender_id": sender}).scalar_one()
            assert ours == rasa._event_query(session, sender, fetch_events_from_all_sessions=False).count()
            counts[sender] = ours
    # Rasa counts from the latest SessionStarted: the action_session_start before it is left out.
    assert counts == {"two": len(SECOND) - 1, "one": len(FIRST) - 1, "none": 0}


def test_rasas_save_is_still_stream_then_store_the_additional_events() -> None:
    """What save_turn does in one pass; if Rasa's save changes, save_turn must follow."""
    source = inspect.getsource(SQLTrackerStore.save)
    assert "await self.stream_events(tracker)" in source
    assert "self._additional_events(session, tracker)" in source
    assert "await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)" in (
        inspect.getsource(SQLTrackerStore.stream_events)
    )


def test_connections_are_checked_before_use(tmp_path: Path) -> None:
    broker = CheckedSQLEventBroker(db=str(tmp_path / "events.sqlite3"))
    store = CheckedSQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.sqlite3"), event_broker=broker)
    for engine in (broker.engine, store.engine):
        assert engine.pool._pre_ping
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    for made in (broker, store):
        with made.session_scope() as session:
            assert session.get_bind() is made.engine


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        (0, {"id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}),
        (1, {"id", "sender_id", "data"}),
    ],
)
def test_rasas_tables_are_the_ones_the_console_and_privacy_code_read(table: int, columns: set[str]) -> None:
    """bot/web, bot/report and bot/privacy read these tables by name, without importing Rasa."""
    metadata = table_metadata()[table]
    assert set(metadata.tables) == {"events"}
    assert {c.name for c in metadata.tables["events"].columns} == columns
