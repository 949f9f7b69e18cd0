"""Retention: conversations whose latest event is older than ``retention_days`` are deleted.

From Rasa's SQL tracker store and from its SQL event broker's table (which the staff
console reads). Run by ``python -m bot privacy purge`` (a daily job: cron, or a
Kubernetes CronJob, docs/scale/kubernetes.md) and once whenever ``make run`` starts.
A conversation idle that long has no turn in flight, so deleting its rows directly
cannot race with Rasa saving it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# After-hours callback requests name their conversation and hold a sealed phone number:
# they go with the conversation.
from bot.callback.store import callbacks as callback_requests
from bot.privacy.erase import (
    BROKER_EVENTS,
    TRACKER_EVENTS,
    conversation_columns,
    delete_conversations,
)
from bot.settings import Settings, get_settings

DAY = 86400.0


@dataclass(frozen=True)
class Purged:
    conversations: int
    rows: int


def _has_events(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def stale_in_tracker_store(engine: Engine, cutoff: float) -> set[str]:
    t = TRACKER_EVENTS
    query = sa.select(t.c.sender_id).group_by(t.c.sender_id).having(sa.func.max(t.c.timestamp) < cutoff)
    with engine.connect() as connection:
        return {sender for (sender,) in connection.execute(query)}


def stale_in_broker(engine: Engine, cutoff: float) -> set[str]:
    """The broker's table has no time column: each conversation's newest row says when it was last active."""
    t = BROKER_EVENTS
    newest = sa.select(sa.func.max(t.c.id).label("id")).group_by(t.c.sender_id).subquery()
    query = sa.select(t.c.sender_id, t.c.data).where(t.c.id.in_(sa.select(newest.c.id)))
    stale = set()
    with engine.connect() as connection:
        for sender, data in connection.execute(query):
            try:
                at = float(json.loads(data).get("timestamp") or 0)
            except (TypeError, ValueError, AttributeError):
                at = 0.0
            if at < cutoff:
                stale.add(sender)
    return stale


def purge(settings: Settings | None = None, now: float | None = None) -> Purged:
    """Delete every conversation idle for more than ``retention_days``, from both of Rasa's tables."""
    settings = settings or get_settings()
    cutoff = (now if now is not None else time.time()) - settings.privacy.retention_days * DAY
    tracker = sa.create_engine(settings.tracker_store_url)
    broker = sa.create_engine(settings.events_store_url)
    console = sa.create_engine(settings.console_store_url)
    try:
        stale: set[str] = set()
        targets = []
        if _has_events(tracker):
            stale |= stale_in_tracker_store(tracker, cutoff)
            targets.append((tracker, TRACKER_EVENTS.c.sender_id))
        if _has_events(broker):
            stale |= stale_in_broker(broker, cutoff)
            targets.append((broker, BROKER_EVENTS.c.sender_id))
        targets += conversation_columns(console, callback_requests)
        # A conversation recent in either table is kept in both.
        if targets and stale:
            recent = set()
            if _has_events(tracker):
                recent = _recent(tracker, stale, cutoff)
            stale -= recent
        return Purged(len(stale), delete_conversations(targets, stale))
    finally:
        tracker.dispose()
        broker.dispose()
        console.dispose()


def _recent(engine: Engine, senders: set[str], cutoff: float) -> set[str]:
    t = TRACKER_EVENTS
    query = sa.select(t.c.sender_id).where(t.c.timestamp >= cutoff).where(t.c.sender_id.in_(sorted(senders)))
    with engine.connect() as connection:
        return {sender for (sender,) in connection.execute(query)}
