"""Which conversations asked for a person: read from Rasa's SQL event broker, not a side channel.

Rasa publishes every event of every conversation to its event broker; with the SQL
broker (endpoints.yml) they land in the table ``events`` (id, sender_id, data as
JSON). The console follows that table from where it last stopped and keeps, per
conversation, the latest ``handoff`` slot event (requested / taken / returned, and
who took it, from the event's metadata). That index only says where to look: the
console reads the conversation's tracker from the Rasa server for the truth before
it shows or changes anything.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

HANDOFF_SLOT = "handoff"
REQUESTED, TAKEN, RETURNED = "requested", "taken", "returned"
WAITING = (REQUESTED, TAKEN)


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    state: str | None
    at: float
    requested_at: float | None
    staff: str | None


class HandoffIndex:
    """The latest handoff state of each conversation, followed incrementally from the broker table."""

    def __init__(self, db_url: str) -> None:
        self.engine: Engine = sa.create_engine(db_url, future=True, pool_pre_ping=True)  # survives a restart
        self._events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))
        self._cursor = 0
        self._latest: dict[str, Handoff] = {}
        self._lock = threading.Lock()

    def _table_exists(self) -> bool:
        # Rasa creates the table on its first start; until then there is nothing to read.
        try:
            return sa.inspect(self.engine).has_table("events")
        except sa.exc.OperationalError:
            return False

    def refresh(self) -> None:
        """Read the handoff events written since the last refresh. The cursor moves to the table's
        end even past rows that did not match, so each refresh reads only what is new."""
        with self._lock:
            if not self._table_exists():
                return
            events = self._events
            with self.engine.connect() as connection:
                top = connection.execute(sa.select(sa.func.max(events.c.id))).scalar()
                if top is None or top <= self._cursor:
                    return
                rows = connection.execute(
                    sa.select(events.c.sender_id, events.c.data)
                    .where(events.c.id > self._cursor, events.c.id <= top)
                    .where(events.c.data.like(f'%"{HANDOFF_SLOT}"%'))
                    .order_by(events.c.id)
                ).all()
            for sender_id, data in rows:
                self._apply(sender_id, data)
            self._cursor = top

    def _apply(self, sender_id: str | None, data: str) -> None:
        try:
            event: dict[str, Any] = json.loads(data)
        except (TypeError, ValueError):
            return
        if event.get("event") != "slot" or event.get("name") != HANDOFF_SLOT or not sender_id:
            return
        state = event.get("value")
        at = float(event.get("timestamp") or 0.0)
        previous = self._latest.get(sender_id)
        requested_at = at if state == REQUESTED else (previous.requested_at if previous else None)
        staff = (event.get("metadata") or {}).get("staff") if state == TAKEN else None
        self._latest[sender_id] = Handoff(sender_id, state, at, requested_at, staff)

    def waiting(self, limit: int = 50) -> list[Handoff]:
        """Conversations whose latest handoff event is requested or taken, longest waiting first."""
        self.refresh()
        found = [h for h in self._latest.values() if h.state in WAITING]
        found.sort(key=lambda h: h.requested_at or h.at)
        return found[:limit]

    def get(self, conversation_id: str) -> Handoff | None:
        self.refresh()
        return self._latest.get(conversation_id)
