"""What conversations say about the bot, read from Rasa's SQL event broker (the console's source too).

One pass over the broker's ``events`` table, in order, keeping a little state per
conversation: which matter it settled on, the person's last message, an open
clarification ("您是想办理…") or situation question. From that:

- questions the bot could not place: a message answered by ``action_fallback`` or by the
  honest "not one of ours" (``utter_out_of_scope``), with the words as they were stored
  (the channels redact ID, phone and bank numbers before anything is stored);
- clarifications abandoned: "which matter" or a situation question still open when the
  conversation went quiet for ``IDLE_SECONDS`` (never settled, even by another route);
- handoffs by scenario (in office hours, and after hours when a callback was offered);
- the most-asked scenarios (conversations that settled on each).

Conversations erased or purged (bot/privacy/) are simply absent, so the report keeps no
more than the conversations themselves do.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

IDLE_SECONDS = 30 * 60
NOT_PLACED = {"action_fallback": "fallback", "utter_out_of_scope": "not_ours"}
HANDOFF_STATES = {"requested": "requested", "after_hours": "after_hours"}
BROKER_EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))


@dataclass
class _Conversation:
    last_at: float = 0.0
    scenario: str | None = None
    said: dict[str, Any] | None = None  # the person's latest message: text, intent, confidence
    placed: bool = True  # whether that message has been answered as placed (not a fallback)
    clarify: dict[str, Any] | None = None
    question: dict[str, Any] | None = None
    candidates: list[str] = field(default_factory=list)


@dataclass
class Findings:
    conversations: int = 0
    not_placed: list[dict[str, Any]] = field(default_factory=list)
    abandoned_choices: list[dict[str, Any]] = field(default_factory=list)
    abandoned_questions: list[dict[str, Any]] = field(default_factory=list)
    handoffs: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    asked: Counter[str] = field(default_factory=Counter)


def _user(event: dict[str, Any]) -> dict[str, Any]:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return {
        "text": (event.get("text") or "").strip(),
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
    }


def _not_placed(conv: _Conversation, kind: str, found: Findings, at: float) -> None:
    if conv.said is not None and conv.placed and conv.said["text"] and not conv.said["text"].startswith("/"):
        found.not_placed.append(conv.said | {"kind": kind, "at": at})
        conv.placed = False


def _slot(
    conv: _Conversation, sender: str, name: str, value: Any, found: Findings, seen: set[tuple[str, str]]
) -> None:
    if name == "scenario":
        conv.scenario = value if isinstance(value, str) else None
        if conv.scenario:
            conv.clarify = None  # settled, whichever way
            if (sender, conv.scenario) not in seen:
                seen.add((sender, conv.scenario))
                found.asked[conv.scenario] += 1
        if conv.question and conv.question["scenario"] != conv.scenario:
            conv.question = None
    elif name == "candidates" and isinstance(value, list) and value:
        conv.clarify = {"candidates": [str(c) for c in value], "text": (conv.said or {}).get("text", "")}
    elif name == "chosen_scenario" and value:
        conv.clarify = None
    elif name == "current_question":
        conv.question = {"scenario": conv.scenario, "question": value} if value and conv.scenario else None
    elif name == "condition_answer" and value == "done":
        conv.question = None
    elif name == "handoff" and value in HANDOFF_STATES:
        found.handoffs[(conv.scenario, HANDOFF_STATES[value])] += 1


def scan(events: Iterable[tuple[str, dict[str, Any]]], since: float, now: float | None = None) -> Findings:
    """Findings over ``(sender_id, event)`` pairs in the broker's order, counting events from ``since``."""
    now = time.time() if now is None else now
    conversations: dict[str, _Conversation] = {}
    found = Findings()
    seen: set[tuple[str, str]] = set()  # (sender, scenario) already counted as asked
    for sender, event in events:
        at = float(event.get("timestamp") or 0.0)
        if at < since:
            continue
        conv = conversations.setdefault(sender, _Conversation())
        conv.last_at = max(conv.last_at, at)
        kind = event.get("event")
        if kind == "user":
            conv.said, conv.placed = _user(event), True
        elif kind == "action" and event.get("name") in NOT_PLACED:
            _not_placed(conv, NOT_PLACED[event["name"]], found, at)
        elif kind == "bot":
            utter = (event.get("metadata") or {}).get("utter_action")
            if utter in NOT_PLACED:
                _not_placed(conv, NOT_PLACED[utter], found, at)
        elif kind == "action" and event.get("name") == "action_checklist":
            conv.question = None
        elif kind == "slot":
            _slot(conv, sender, str(event.get("name")), event.get("value"), found, seen)
    found.conversations = len(conversations)
    for conv in conversations.values():
        if now - conv.last_at < IDLE_SECONDS:
            continue  # still going: not abandoned yet
        if conv.clarify is not None:
            found.abandoned_choices.append(conv.clarify)
        if conv.question is not None:
            found.abandoned_questions.append(conv.question)
    return found


def broker_events(db_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every event of the broker's table in order; nothing when Rasa has not created it yet."""
    engine = sa.create_engine(db_url, future=True)
    try:
        if not sa.inspect(engine).has_table("events"):
            return
        query = sa.select(BROKER_EVENTS.c.sender_id, BROKER_EVENTS.c.data).order_by(BROKER_EVENTS.c.id)
        with engine.connect() as conn:
            for sender, data in conn.execution_options(stream_results=True).execute(query):
                try:
                    event = json.loads(data)
                except (TypeError, ValueError):
                    continue
                if isinstance(event, dict) and sender:
                    yield sender, event
    finally:
        engine.dispose()
