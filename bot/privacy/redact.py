"""Redact ID-card, phone and bank-card numbers from what a person types, before anything keeps it.

Every channel passes the person's text through :func:`redact` before Rasa sees it
(:func:`redacting` wraps a channel's message handler), so the tracker store, the
event broker, the action server and the logs only ever hold the placeholder. The
bot needs none of these numbers to answer, and it still understands the rest of the
message (the placeholder is chosen so that it does).

What counts, in order (a run of digits is classified once):

- an 18-character resident ID number (GB 11643-1999) whose check digit is right and
  whose birth date is a real date;
- a bank card number: 16 to 19 digits, optionally in groups, passing the Luhn check;
- a mainland mobile number (1[3-9] and 9 digits, optionally +86, in 3-4-4 groups),
  or a landline with its area code (0 and 2-3 digits, a separator, 7-8 digits).

Short numbers (12345, a year, a count) are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

# One placeholder for every kind: a word such as 身份证 or 电话 in it would pull the model towards
# the material or handoff intents (docs/privacy.md has the measurement); the kinds are for the tests.
REDACTED = "[已隐去]"
ID_CARD, BANK_CARD, PHONE = "id_card", "bank_card", "phone"
# A clause that ends in a redacted number hands the number over (我身份证[已隐去]，电话[已隐去]).
_GIVEN = re.compile(r"[^，。；;,!?！？\n]*" + re.escape(REDACTED) + r"\s*(?:[，。；;,!?！？\n]|$)")

# A run of digits (and X for an ID's check digit), allowing single spaces or dashes between groups.
_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?\d[\d -]{5,28}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """An 18-character resident ID number with a real birth date and the right check digit."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def classify(run: str) -> str | None:
    """What kind of personal number a run of digits is (``ID_CARD``, ``BANK_CARD``, ``PHONE``), or None."""
    compact = re.sub(r"[ -]", "", run)
    if re.search(r"[ -]{2}", run):
        return None  # not one number written in groups
    if id_card_valid(compact):
        return ID_CARD
    if compact.isdigit() and 16 <= len(compact) <= 19 and luhn_valid(compact):
        return BANK_CARD
    if _MOBILE.match(compact) or _LANDLINE.match(run.strip()):
        return PHONE
    return None


def redact(text: str) -> str:
    """``text`` with every ID-card, bank-card and phone number replaced by a placeholder."""
    if not isinstance(text, str) or not any(c.isdigit() for c in text):
        return text

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        stripped = run.rstrip(" -")
        return run if classify(stripped) is None else REDACTED + run[len(stripped) :]

    return _RUN.sub(replace, text)


Handler = Callable[[Any], Awaitable[Any]]


def redacting(on_new_message: Handler) -> Handler:
    """A channel's message handler that redacts the person's text first (Rasa's ``UserMessage``)."""

    async def handler(message: Any) -> Any:
        if isinstance(getattr(message, "text", None), str):
            message.text = redact(message.text)
        return await on_new_message(message)

    return handler


def without_given_numbers(text: str) -> str:
    """The text without its clauses that end in a redacted number: they hand over a value and ask
    for nothing, and their words (身份证, 银行卡) would read as requests for those matters. A
    clause that goes on after the number (身份证[已隐去]丢了) keeps it."""
    return _GIVEN.sub("", text).strip() or text
