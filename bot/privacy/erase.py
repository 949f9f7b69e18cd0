"""Erasing conversations: what a "delete my data" request (or a staff deletion) removes, and how.

A request is the slot event ``erase_request`` in a conversation: the citizen's
action sets it (actions/privacy.py), staff append it through Rasa's HTTP API
(bot/privacy/console.py). Rasa saves the turn through our tracker store
(bot/ops/rasa_stores.py), which sees the request and, instead of saving, deletes
that conversation and every other conversation of the same verified citizen from
the tracker store and from the event broker's table. Doing it at save time, inside
the conversation's lock, means no later save of the same turn can write it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.identity import METADATA_KEY, verify_citizen_token

ERASE_SLOT = "erase_request"

# The tables of Rasa's SQL tracker store and SQL event broker (both named ``events``, in their own
# databases), described by the columns read here; Rasa creates them.
TRACKER_EVENTS = sa.table(
    "events",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("data"),
)
BROKER_EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))


def conversation_columns(engine: Engine, table: sa.TableClause) -> list[tuple[Engine, sa.ColumnClause]]:
    """``[(engine, the table's conversation-id column)]`` when the table exists there, else ``[]``."""
    if not sa.inspect(engine).has_table(table.name):
        return []
    column = table.c.sender_id if "sender_id" in table.c else table.c.conversation_id
    return [(engine, column)]


def erase_request(events: Iterable[Any]) -> dict[str, Any] | None:
    """The latest erase request among a tracker's events (Rasa ``Event`` objects), if any.

    Its value is ``{"by": "citizen" | "staff", "citizen_id": id or None}``.
    """
    found = None
    for event in events:
        if getattr(event, "key", None) == ERASE_SLOT and getattr(event, "type_name", "") == "slot":
            value = getattr(event, "value", None)
            if isinstance(value, dict):
                found = value
    return found


def citizen_of_user_event(data: str, secret: str) -> str | None:
    """The verified citizen id a stored user event's metadata carries, if any."""
    try:
        event = json.loads(data)
    except (TypeError, ValueError):
        return None
    metadata = event.get("metadata") if isinstance(event, dict) else None
    return verify_citizen_token((metadata or {}).get(METADATA_KEY), secret)


def conversations_of_citizen(engine: Engine, table: sa.Table, citizen_id: str, secret: str) -> set[str]:
    """Conversation ids whose messages carried ``citizen_id``'s genuine signed token."""
    query = (
        sa.select(table.c.sender_id, table.c.data)
        .where(table.c.type_name == "user")
        .where(table.c.data.like(f"%{METADATA_KEY}%"))
    )
    with engine.connect() as connection:
        return {
            sender
            for sender, data in connection.execute(query)
            if citizen_of_user_event(data, secret) == citizen_id
        }


def delete_conversations(targets: Iterable[tuple[Engine, sa.ColumnClause]], senders: Iterable[str]) -> int:
    """Delete every row whose conversation-id column (one per engine) names one of ``senders``;
    the number of rows deleted."""
    senders = sorted(set(senders))
    deleted = 0
    if not senders:
        return 0
    for engine, column in targets:
        with engine.begin() as connection:
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                deleted += connection.execute(column.table.delete().where(column.in_(chunk))).rowcount
    return deleted
