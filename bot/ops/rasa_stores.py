"""Rasa's own SQL tracker store, SQL event broker and Redis lock store, as the Rasa server uses them.

All three are named in the rendered endpoints.yml (bot/ops/stack.py). What they change in
Rasa's classes, and so rely on Rasa's implementation for, is in bot/rasa_compat/
(docs/rasa_compat.md): connections checked before use and a turn written in one
transaction (:mod:`bot.rasa_compat.sql_stores`), locks changed atomically
(:mod:`bot.rasa_compat.lock_store`). What is ours is here: the tracker store honours an
erase request (bot/privacy/erase.py): the turn that carries one deletes the conversation,
and the citizen's other conversations, from the tracker store and the event broker
instead of being saved.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.shared.core.trackers import DialogueStateTracker

# After-hours callback requests name their conversation and hold a sealed phone number:
# they go with the conversation.
from bot.callback.store import callbacks as callback_requests
from bot.privacy.erase import (
    conversation_columns,
    conversations_of_citizen,
    delete_conversations,
    erase_request,
)
from bot.rasa_compat.lock_store import AtomicRedisLockStore
from bot.rasa_compat.sql_stores import CheckedSQLEventBroker, CheckedSQLTrackerStore, table_metadata
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class EventBroker(CheckedSQLEventBroker):
    """Rasa's SQL event broker whose connections survive a database restart."""


class TrackerStore(CheckedSQLTrackerStore):
    """Rasa's SQL tracker store whose connections survive a restart, and which erases on request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.citizen_token_secret = get_settings().secrets.citizen_token_secret

    async def save(self, tracker: DialogueStateTracker) -> None:
        request = erase_request(tracker.events)
        if request is not None:
            self.erase(tracker.sender_id, request.get("citizen_id"))
            return
        await self.save_turn(tracker)

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
        console = sa.create_engine(get_settings().console_store_url)
        try:
            deleted = delete_conversations(
                [*targets, *conversation_columns(console, callback_requests)], senders
            )
        finally:
            console.dispose()
        logger.info("erased %d conversation(s) on request (%d rows)", len(senders), deleted)
        return deleted


class LockStore(AtomicRedisLockStore):
    """Rasa's Redis lock store whose read-change-write of a lock is one Redis transaction."""

    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)


def create_tables(tracker_db_url: str, broker_db_url: str) -> None:
    """Create the tracker store's and the event broker's tables before several Rasa servers start.

    Each Rasa server creates them on start; two doing it at once on an empty PostgreSQL
    database race, and the event broker does not survive losing that race.
    """
    for url, metadata in zip((tracker_db_url, broker_db_url), table_metadata(), strict=True):
        engine = sa.create_engine(url)
        try:
            metadata.create_all(engine)
        finally:
            engine.dispose()
