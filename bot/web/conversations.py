"""A conversation as hotline staff need to see it, read from a Rasa tracker (its JSON).

Pure functions over the tracker the Rasa server returns: who said what (the
person, the bot, a staff member), which matter the bot settled on, the answers to
its situation questions in words, and whether the person is signed in. Nothing
here talks to a server; the console passes in what it fetched.
"""

from __future__ import annotations

from typing import Any

from bot.identity import citizen_from_metadata
from bot.render import CHECKLIST_CARD, STAFF_REPLY, answers_in_words

# Channels whose conversations the console can reply into (Rasa's output channel by name).
REPLYABLE_CHANNELS = frozenset({"socketio"})


def _custom(event: dict[str, Any]) -> dict[str, Any]:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def transcript(events: list[dict[str, Any]], limit: int = 50) -> list[dict[str, Any]]:
    """The last ``limit`` messages: ``{"from": citizen|bot|staff, "text", "at", "card"?}``.

    A button press (payload ``/ask_duration``) reads as the button's title; a checklist
    card reads as its summary line and carries the card.
    """
    messages: list[dict[str, Any]] = []
    button_titles: dict[str | None, str | None] = {}  # payload → title, as the bot sent them
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            messages.append(
                {"from": "citizen", "text": button_titles.get(text, text), "at": event.get("timestamp")}
            )
        elif kind == "bot":
            custom = _custom(event)
            buttons = (event.get("data") or {}).get("buttons") or []
            button_titles = {b.get("payload"): b.get("title") for b in buttons if isinstance(b, dict)}
            message: dict[str, Any] = {
                "from": "staff" if custom.get("type") == STAFF_REPLY else "bot",
                "text": event.get("text") or "",
                "at": event.get("timestamp"),
            }
            if custom.get("type") == CHECKLIST_CARD:
                message["card"] = custom
                message["text"] = custom.get("summary_text") or message["text"]
            messages.append(message)
    return messages[-limit:]


def latest_user_metadata(events: list[dict[str, Any]]) -> dict[str, Any]:
    for event in reversed(events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}


def _identified(value: Any) -> dict[str, str] | None:
    """The ``identified`` slot (the latest entry the bot identified, of any kind, also a
    catalogue-only one without a checklist), when it is what the bot writes there."""
    if not isinstance(value, dict):
        return None
    found = [value.get(k) for k in ("kind", "id", "name")]
    if not all(isinstance(v, str) and v for v in found):
        return None
    return dict(zip(("kind", "id", "name"), map(str, found), strict=True))


def summary(
    tracker: dict[str, Any],
    scenario: dict[str, Any] | None,
    citizen_token_secret: str,
    messages: int = 6,
) -> dict[str, Any]:
    """What the bot knows: the matter, the answers so far, who it is, and the last few messages."""
    slots = tracker.get("slots") or {}
    events = tracker.get("events") or []
    channel = tracker.get("latest_input_channel")
    return {
        "id": tracker.get("sender_id"),
        "channel": channel,
        "can_reply": channel in REPLYABLE_CHANNELS,
        "paused": bool(tracker.get("paused")),
        "handoff": slots.get("handoff"),
        "scenario": (
            {"id": scenario["id"], "name": scenario["name"], "kind": scenario.get("kind") or "scenario"}
            if scenario
            else None
        ),
        "identified": _identified(slots.get("identified")),
        "answers": answers_in_words(scenario, slots.get("answers") or {}),
        "answer_ids": slots.get("answers") or {},
        "citizen_id": citizen_from_metadata(latest_user_metadata(events), citizen_token_secret),
        "last_messages": transcript(events, messages),
        "last_event_at": tracker.get("latest_event_time"),
    }
