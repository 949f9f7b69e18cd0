"""The rows Rasa's SQL stores hold after a conversation: the tests that compare our stores'
writes with Rasa's own (tests/rasa_compat/test_sql_stores.py, tests/bench) read them the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

FIRST = [
    ActionExecuted("action_session_start"),
    SessionStarted(),
    ActionExecuted("action_listen"),
    UserUttered("孩子出生了", {"name": "scenario_newborn", "confidence": 0.9}),
    SlotSet("scenario", "newborn"),
    BotUttered("好的"),
    ActionExecuted("action_listen"),
]
# A later session: Rasa counts only the stored events of the latest one.
SECOND = [
    ActionExecuted("action_session_start"),
    SessionStarted(),
    ActionExecuted("action_listen"),
    UserUttered("身份证要交吗", {"name": "ask_material", "confidence": 0.8}),
    BotUttered("不用交"),
    ActionExecuted("action_listen"),
]

for _number, _event in enumerate(FIRST + SECOND):
    _event.timestamp = 1_700_000_000.0 + _number  # distinct and ordered, as in a real conversation
# The trackers saved, one a turn: turns within a session and a turn that starts a new one.
TURNS = (FIRST[:4], FIRST, FIRST + SECOND[:4], FIRST + SECOND)

PUBLISHED = "SELECT id, sender_id, data FROM events ORDER BY id"
STORED = "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"


def saved_rows(
    folder: Path, store_class: type, broker_class: type, name: str, turns: Iterable[list[Event]]
) -> tuple[list[tuple], list[tuple]]:
    """(the event broker's rows, the tracker store's) after saving one conversation's tracker
    once a turn, each turn's tracker holding every event so far."""
    broker = broker_class(db=str(folder / f"{name}-events.sqlite3"))
    store = store_class(Domain.empty(), db=str(folder / f"{name}-tracker.sqlite3"), event_broker=broker)
    for events in turns:
        asyncio.run(store.save(DialogueStateTracker.from_events("citizen-1", events)))
    with broker.engine.connect() as conn:
        published = [tuple(r) for r in conn.execute(sa.text(PUBLISHED))]
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text(STORED))]
    return published, stored
