"""Whole conversations with the check of every reply, for fault tests and the load test.

A conversation is a list of :class:`Turn`: what the person says and how to tell
the bot's answer is right. The checks come from the registry (the checklist card
must list exactly the registry's materials for the matter and answer), never from
a copy of an answer, so they hold whatever the registry data says.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

# A check returns None when the reply is right, else what is wrong in a few words.
Check = Callable[[list[dict[str, Any]]], "str | None"]


@dataclass(frozen=True)
class Turn:
    text: str
    check: Check


@dataclass(frozen=True)
class Conversation:
    sender: str
    turns: list[Turn]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages if isinstance(m, dict))


def card_materials(messages: list[dict[str, Any]]) -> dict[str, set[str]] | None:
    """Which materials the checklist card in a reply puts in each group, or None without a card."""
    for m in messages:
        custom = m.get("custom") if isinstance(m, dict) else None
        if isinstance(custom, dict) and custom.get("type") == "checklist":
            return {
                "to_submit": {i["material"] for g in custom["to_submit"] for i in g["items"]},
                "exempt": {i["material"] for i in custom["exempt"]},
                "reusable": {i["material"] for i in custom["reusable"]},
            }
    return None


def says(*needles: str) -> Check:
    def check(messages: list[dict[str, Any]]) -> str | None:
        said = texts(messages)
        missing = [n for n in needles if n not in said]
        return None if not missing else f"reply lacks {missing}: {said[:80]!r}"

    return check


def has_card(expected: dict[str, set[str]]) -> Check:
    def check(messages: list[dict[str, Any]]) -> str | None:
        got = card_materials(messages)
        if got is None:
            return f"no checklist card: {texts(messages)[:80]!r}"
        return None if got == expected else "checklist card is not the registry's"

    return check


class Registry:
    """The registry's checklist for (scenario, answers), asked once and kept: the expected answers."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self._cache: dict[tuple[str, str], dict[str, set[str]]] = {}

    def expected(self, scenario: str, answers: dict[str, str]) -> dict[str, set[str]]:
        key = (scenario, repr(sorted(answers.items())))
        if key not in self._cache:
            response = requests.post(
                self.url + "/checklist",
                json={"scenario": scenario, "answers": answers},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=30,
            )
            response.raise_for_status()
            items = response.json()["items"]
            self._cache[key] = {
                s: {i["material"] for i in items if i["status"] == s}
                for s in ("to_submit", "exempt", "reusable")
            }
        return self._cache[key]


# Life events the model reads reliably (tests/test_conversation_e2e.py says them too), the
# situation answer that follows, and the matter's registry id and answer ids.
NEWBORN_OPENERS = ("我老婆刚生了孩子，要办些什么手续", "宝宝出生了要办哪些证")
NEWBORN_ANSWERS = {"同一民族": "same", "不同民族": "different"}


def newborn(registry: Registry, tag: str, variant: int = 0) -> Conversation:
    """Life event → the ethnicity question → the checklist → two follow-ups (by their buttons)."""
    opener = NEWBORN_OPENERS[variant % len(NEWBORN_OPENERS)]
    label = list(NEWBORN_ANSWERS)[variant % 2]
    expected = registry.expected("newborn", {"parents_ethnicity": NEWBORN_ANSWERS[label]})
    return Conversation(
        f"{tag}-{uuid.uuid4().hex[:12]}",
        [
            Turn(opener, says("新生儿出生一件事", "同一民族")),
            Turn(label, has_card(expected)),
            Turn("/ask_departments", says("部门")),
            Turn("/ask_why_exempt", says("免")),
        ],
    )
