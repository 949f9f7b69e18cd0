"""The bot's messages as plain text, for channels that show no buttons (WeChat, WeCom).

A message's buttons become numbered options under its text, with a hint to reply
with the number (:mod:`bot.channels.number_replies` turns that number back into the
button's payload). Structured payloads (the checklist card for the web widget) are
left out: the checklist's text message says the same. Long answers are cut into
messages under the platform's size limit at line boundaries, since each line of a
checklist stands alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def options_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The choices a message offers, in the order shown: its buttons, else its quick replies."""
    options = message.get("buttons") or message.get("quick_replies") or []
    return [o for o in options if isinstance(o, dict) and o.get("title")]


def reply_hint(count: int) -> str:
    numbers = "/".join(str(n) for n in range(1, count + 1)) if count <= 4 else f"1–{count}"
    return f"（回复 {numbers} 选择，也可以直接打字）"


def message_text(message: dict[str, Any]) -> str:
    """One message as text: its text, then its options numbered from 1."""
    lines = (
        [message["text"].strip()] if isinstance(message.get("text"), str) and message["text"].strip() else []
    )
    if isinstance(message.get("image"), str):
        lines.append(message["image"])
    if isinstance(message.get("attachment"), str):
        lines.append(message["attachment"])
    options = options_of(message)
    if options:
        lines.extend(f"{number}. {option['title']}" for number, option in enumerate(options, 1))
        lines.append(reply_hint(len(options)))
    return "\n".join(lines)


def _cut(line: str, limit: int, size: Callable[[str], int]) -> Iterable[str]:
    """A single line longer than the limit, cut between characters (never inside one)."""
    piece = ""
    for char in line:
        if piece and size(piece + char) > limit:
            yield piece
            piece = ""
        piece += char
    if piece:
        yield piece


def pack(texts: Iterable[str], limit: int, size: Callable[[str], int] = utf8_size) -> list[str]:
    """Texts joined by blank lines into as few messages as fit ``limit``, cut at line ends."""
    lines: list[str] = []
    for text in texts:
        if text.strip():
            if lines:
                lines.append("")
            lines.extend(text.strip().split("\n"))
    messages: list[str] = []
    current: list[str] = []
    for line in lines:
        for piece in _cut(line, limit, size) if size(line) > limit else (line,):
            if current and size("\n".join([*current, piece])) > limit:
                messages.append("\n".join(current).strip("\n"))
                current = []
            if current or piece:
                current.append(piece)
    if current:
        messages.append("\n".join(current).strip("\n"))
    return [m for m in messages if m]


def turn_messages(messages: Iterable[dict[str, Any]], limit: int) -> list[str]:
    """A bot turn (Rasa's output messages) as the text messages a text-only channel sends."""
    return pack((message_text(m) for m in messages), limit)
