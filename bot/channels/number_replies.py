"""A reply of a bare number picks the numbered option the bot offered last.

Text-only channels show buttons as "1. … 2. …" (:mod:`bot.channels.plain_text`);
when the person answers "2", Rasa must receive the second button's payload (a
``/scenario_…`` intent, an option label, a follow-up intent). The memory of what
was offered is the conversation's own tracker: the options of the bot's last
message with options since the person last spoke. So it holds per conversation,
survives restarts and is the same on every Rasa replica that shares the tracker
store. A number with no options on offer is passed on as typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.plain_text import options_of

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、)）]?\s*$")


def number_in(text: str | None) -> int | None:
    """The number a reply consists of ("2", "２", " 2。"), else None."""
    match = _NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    return int(match.group(1)) if match else None


def last_offered(events: list[Any]) -> list[dict[str, Any]]:
    """The options of the bot's last message that had any, since the last user message."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered):
            options = options_of(event.data or {})
            if options:
                return options
    return []


def pick(options: list[dict[str, Any]], number: int) -> str | None:
    if 1 <= number <= len(options):
        option = options[number - 1]
        return str(option.get("payload") or option["title"])
    return None


async def resolve(agent: Any, sender_id: str, text: str) -> str:
    """What to send Rasa for ``text``: the picked option's payload, or the text itself."""
    number = number_in(text)
    if number is None or agent is None or agent.tracker_store is None:
        return text
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return text
    return pick(last_offered(list(tracker.events)), number) or text
