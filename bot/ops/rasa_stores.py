"""Rasa's own SQL tracker store and SQL event broker, configured for a database that restarts.

Both are Rasa's classes with one change each, named in the rendered endpoints.yml
(bot/ops/stack.py):

- connections are checked before use (``pool_pre_ping``): after PostgreSQL restarts,
  Rasa's engines would otherwise hand out dead pooled connections, the first save
  would fail, and Rasa's ``FailSafeTrackerStore`` would quietly continue that turn on
  an empty in-memory tracker, losing the conversation's state;
- the tracker store honours an erase request (bot/privacy/erase.py): the turn that
  carries one deletes the conversation, and the citizen's other conversations, from
  the tracker store and the event broker instead of being saved.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.erase import conversations_of_citizen, delete_conversations, erase_request
from bot.settings import load_settings

logger = logging.getLogger(__name__)


def _checked_engine(url: Any) -> sa.engine.Engine:
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

    async def save(self, tracker: DialogueStateTracker) -> None:
        request = erase_request(tracker.events)
        if request is None:
            await super().save(tracker)
            return
        self.erase(tracker.sender_id, request.get("citizen_id"))

    def erase(self, sender_id: str, citizen_id: str | None) -> int:
        """Delete ``sender_id``'s conversation, and every conversation of ``citizen_id``, everywhere
        Rasa keeps them (this store and the SQL event broker)."""
        senders = {sender_id}
        if isinstance(citizen_id, str) and citizen_id:
            senders |= conversations_of_citizen(
                self.engine, self.table, citizen_id, self.citizen_token_secret
            )
        targets = [(self.engine, self.table)]
        if isinstance(self.event_broker, EventBroker):
            targets.append((self.event_broker.engine, self.event_broker.table))
        deleted = delete_conversations(targets, senders)
        logger.info("erased %d conversation(s) on request (%d rows)", len(senders), deleted)
        return deleted


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
