"""Rasa's own SQL tracker store, SQL event broker and Redis lock store, each with one fix.

All three are Rasa's classes, named in the rendered endpoints.yml (bot/ops/stack.py):

- connections are checked before use (``pool_pre_ping``): after PostgreSQL restarts,
  Rasa's engines would otherwise hand out dead pooled connections, the first save
  would fail, and Rasa's ``FailSafeTrackerStore`` would quietly continue that turn on
  an empty in-memory tracker, losing the conversation's state;
- the tracker store honours an erase request (bot/privacy/erase.py): the turn that
  carries one deletes the conversation, and the citizen's other conversations, from
  the tracker store and the event broker instead of being saved;
- on SQLite, the embedded default, connections are kept and run in WAL mode
  (bot/sqlite.py): Rasa commits every event, and with SQLite's defaults waiting for
  the disk was most of a turn (docs/benchmarks.md); and a turn's events reach the
  event broker in one transaction, not one each (the same rows in the same order),
  found by counting the stored events rather than rebuilding the stored tracker;
- the lock store changes a conversation's lock atomically. Rasa's ``RedisLockStore``
  reads the lock, changes it in Python and writes it back: two replicas that take a
  ticket for one conversation at the same moment both get the same number, both run
  the turn at once, and one turn's events are lost from the tracker store (seen in
  tests/scale/test_scaled.py). Here each change is a Redis transaction (WATCH/MULTI),
  retried when another replica changed the lock in between. And a turn waiting for the
  lock keeps its own ticket alive while it waits: in Rasa's, a waiting ticket expires
  like a held one, and when the holder died (a replica killed mid-turn) and both
  tickets run out between two polls, the waiter waits forever.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# After-hours callback requests name their conversation and hold a sealed phone number:
# they go with the conversation.
from bot.callback.store import callbacks as callback_requests
from bot.ops import rasa_speedups
from bot.privacy.erase import (
    conversation_columns,
    conversations_of_citizen,
    delete_conversations,
    erase_request,
)
from bot.settings import load_settings
from bot.sqlite import is_sqlite_file, sqlite_engine

logger = logging.getLogger(__name__)
# Every Rasa server of ours imports this module at start (endpoints.yml names its classes).
rasa_speedups.install()


def _checked_engine(url: Any) -> sa.engine.Engine:
    # SQLite (the embedded default): connections kept, WAL, commits that do not wait for the disk.
    if is_sqlite_file(url):
        return sqlite_engine(url, pool_pre_ping=True)
    return sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))


class EventBroker(SQLEventBroker):
    """Rasa's SQL event broker whose connections survive a database restart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = _checked_engine(url)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    @property
    def table(self) -> sa.Table:
        return self.SQLBrokerEvent.__table__

    def publish_all(self, events: list[dict[str, Any]]) -> None:
        """The rows ``publish`` writes one event at a time, in the same order, in one transaction:
        one commit a turn instead of one an event (about twenty; docs/benchmarks.md)."""
        if not events:
            return
        with self.session_scope() as session:
            session.add_all(
                [self.SQLBrokerEvent(sender_id=e.get("sender_id"), data=json.dumps(e)) for e in events]
            )
            session.commit()


class TrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store whose connections survive a restart, and which erases on request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = _checked_engine(url)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.citizen_token_secret = load_settings().citizen_token_secret

    @property
    def table(self) -> sa.Table:
        return self.SQLEvent.__table__

    async def _stream_new_events(self, event_broker: Any, new_events: list[Any], sender_id: str) -> None:
        """A turn's new events to our SQL event broker in one transaction (Rasa's bodies, Rasa's order)."""
        if not isinstance(event_broker, EventBroker):
            await super()._stream_new_events(event_broker, new_events, sender_id)
            return
        event_broker.publish_all([{"sender_id": sender_id, **event.as_dict()} for event in new_events])

    async def save(self, tracker: DialogueStateTracker) -> None:
        request = erase_request(tracker.events)
        if request is not None:
            self.erase(tracker.sender_id, request.get("citizen_id"))
            return
        await self._save_new_events(tracker)

    async def _save_new_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save``, with the stored events counted once instead of read back.

        Rasa finds a turn's new events twice: for the event broker it rebuilds the stored
        tracker from its rows (every event replayed) and diffs it; for its own table it counts
        the same rows. Both are the events past the stored count of this session, so that
        count serves both: the same rows, in the same order, to the broker and the table.
        """
        with self.session_scope() as session:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
            new_events = list(itertools.islice(tracker.events, stored, None))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
            for event in new_events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    def erase(self, sender_id: str, citizen_id: str | None) -> int:
        """Delete ``sender_id``'s conversation, and every conversation of ``citizen_id``, everywhere
        Rasa keeps them (this store and the SQL event broker)."""
        senders = {sender_id}
        if isinstance(citizen_id, str) and citizen_id:
            senders |= conversations_of_citizen(
                self.engine, self.table, citizen_id, self.citizen_token_secret
            )
        targets = [(self.engine, self.table.c.sender_id)]
        if isinstance(self.event_broker, EventBroker):
            targets.append((self.event_broker.engine, self.event_broker.table.c.sender_id))
        console = sa.create_engine(load_settings().console_store_url)
        try:
            deleted = delete_conversations(
                [*targets, *conversation_columns(console, callback_requests)], senders
            )
        finally:
            console.dispose()
        logger.info("erased %d conversation(s) on request (%d rows)", len(senders), deleted)
        return deleted


class LockStore(RedisLockStore):
    """Rasa's Redis lock store whose read-change-write of a lock is one Redis transaction."""

    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _atomically(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, TicketLock | None]]
    ) -> Any:
        """Apply ``change`` (lock → result, lock to keep or None to delete) as one transaction."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, kept = change(lock)
                    pipe.multi()
                    if kept is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, kept.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock first: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        return self._atomically(conversation_id, take)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait for our turn, renewing our ticket at every poll so that only a holder that stopped
        (died) runs out of time, never the turns waiting behind it."""

        def renew(lock: TicketLock | None) -> tuple[TicketLock | None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            expires = time.time() + LOCK_LIFETIME
            mine = next((t for t in lock.tickets if t.number == ticket), None)
            if mine is None:  # ran out before its first poll: back in line by its number
                lock.tickets = type(lock.tickets)(
                    sorted([*lock.tickets, Ticket(ticket, expires)], key=lambda t: t.number)
                )
            elif lock.tickets[0].number != ticket:
                mine.expires = expires
            return lock, lock

        while True:
            lock = self._atomically(conversation_id, renew)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._atomically(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._atomically(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; delete the lock only if nobody took a ticket meanwhile."""

        def release(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._atomically(conversation_id, release)


def create_tables(tracker_db_url: str, broker_db_url: str) -> None:
    """Create the tracker store's and the event broker's tables before several Rasa servers start.

    Each Rasa server creates them on start; two doing it at once on an empty PostgreSQL
    database race, and the event broker does not survive losing that race.
    """
    for url, metadata in (
        (tracker_db_url, SQLTrackerStore.Base.metadata),
        (broker_db_url, SQLEventBroker.Base.metadata),
    ):
        engine = sa.create_engine(url)
        try:
            metadata.create_all(engine)
        finally:
            engine.dispose()
