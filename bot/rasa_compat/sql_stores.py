"""Rasa's SQL tracker store and SQL event broker, with their engines and a turn's writes changed.

Both are Rasa's classes, subclassed the supported way (endpoints.yml names a class by
module path); what relies on their implementation is here:

- the engine each constructor made is replaced by one that checks connections before
  use (``pool_pre_ping``): after PostgreSQL restarts, Rasa's engines would otherwise
  hand out dead pooled connections, the first save would fail, and Rasa's
  ``FailSafeTrackerStore`` would quietly continue that turn on an empty in-memory
  tracker. On SQLite, the embedded default, connections are kept and run in WAL mode
  (bot/sqlite.py): Rasa commits every event, and with SQLite's defaults waiting for the
  disk was most of a turn (docs/benchmarks.md);
- :meth:`CheckedSQLTrackerStore.save_turn` is Rasa's ``save`` with a turn's events sent
  to our event broker in one transaction (the same rows in the same order), and found
  by counting the stored events of this session once (Rasa's private ``_event_query``,
  built once with the sender as a parameter: :attr:`CheckedSQLTrackerStore.stored_count`)
  rather than rebuilding the stored tracker to diff it.

Contracts: tests/rasa_compat/test_sql_stores.py (and tests/bench/test_speed_changes.py).
"""

from __future__ import annotations

import itertools
import json
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.sqlite import is_sqlite_file, sqlite_engine


def checked_engine(url: Any) -> sa.engine.Engine:
    """An engine like Rasa's for ``url``, whose pooled connections are checked before use."""
    if is_sqlite_file(url):
        return sqlite_engine(url, pool_pre_ping=True)
    return sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))


class _CheckedEngine:
    """Put before Rasa's SQL tracker store or event broker: the engine its constructor made
    (and its sessions') swapped for a checked one, and its ``events`` table at hand."""

    Base: Any
    engine: sa.engine.Engine
    sessionmaker: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = checked_engine(url)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    @property
    def table(self) -> sa.Table:
        """Rasa's ``events`` table of this tracker store or event broker (its only one)."""
        return self.Base.metadata.tables["events"]


class CheckedSQLEventBroker(_CheckedEngine, SQLEventBroker):
    """Rasa's SQL event broker whose connections survive a database restart."""

    def publish_all(self, events: list[dict[str, Any]]) -> None:
        """The rows ``publish`` writes one event at a time, in the same order, in one transaction:
        one commit a turn instead of one an event (about twenty; docs/benchmarks.md)."""
        if not events:
            return
        rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events]
        with self.session_scope() as session:
            # One multi-row INSERT (Core): the ORM's unit of work, an object per row, cost more CPU
            # than the database did (docs/benchmarks.md); the rows and their ids are the same.
            session.execute(self.table.insert(), rows)
            session.commit()


class CheckedSQLTrackerStore(_CheckedEngine, SQLTrackerStore):
    """Rasa's SQL tracker store whose connections survive a restart and whose turn is one write."""

    @cached_property
    def stored_count(self) -> sa.sql.Select:
        """``SELECT count(*)`` of Rasa's own query of a conversation's events in its latest
        session (``_event_query``), the sender a bound parameter ``sender_id``.

        Built once: the ORM query Rasa's method makes, and its ``count()``, cost more CPU a
        turn than the database's answer (docs/benchmarks.md); the SQL is the same.
        """
        session = self.sessionmaker()  # builds the query only: no connection is opened
        try:
            query = self._event_query(
                session, sa.bindparam("sender_id"), fetch_events_from_all_sessions=False
            )
        finally:
            session.close()
        return sa.select(sa.func.count()).select_from(query.order_by(None).subquery())

    async def save_turn(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save``, with the stored events counted once instead of read back.

        Rasa finds a turn's new events twice: for the event broker it rebuilds the stored
        tracker from its rows (every event replayed) and diffs it; for its own table it counts
        the same rows. Both are the events past the stored count of this session, so that
        count serves both: the same rows, in the same order, to the broker and the table,
        written as one multi-row INSERT each rather than an ORM object per event.

        A tracker without events is what Rasa saves for every new conversation before its
        first turn (``TrackerStore.create_tracker``): there is nothing to write, and Rasa's
        own save writes no row for it either, so it costs no query and no commit here.
        """
        if not tracker.events:
            return
        with self.session_scope() as session:
            stored = session.execute(self.stored_count, {"sender_id": tracker.sender_id}).scalar_one()
            new_events = list(itertools.islice(tracker.events, stored, None))
            if self.event_broker is not None:
                bodies = [{"sender_id": tracker.sender_id, **event.as_dict()} for event in new_events]
                if isinstance(self.event_broker, CheckedSQLEventBroker):
                    self.event_broker.publish_all(bodies)
                else:  # what Rasa's stream_events does: one publish an event
                    for body in bodies:
                        self.event_broker.publish(body)
            rows = []
            for event in new_events:
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                session.execute(self.table.insert(), rows)
            session.commit()


def table_metadata() -> tuple[sa.MetaData, sa.MetaData]:
    """The SQLAlchemy metadata of Rasa's tracker store tables and of its SQL event broker's."""
    return SQLTrackerStore.Base.metadata, SQLEventBroker.Base.metadata
