"""The part of a message that asks: what a long story is about.

A long message tells a story and then asks (孩子刚上小学，老婆在医院上班，我在工地干活，上周搬家
把身份证弄丢了，想问问补办要带什么？). Scored as one bag of words, the background (孩子, 小学,
医院) weighs as much as the request, and the entry that best matches the story wins over the one
asked about. The clauses that ask (怎么办, 能申请吗, 听说可以……, 想问问……) and, for a question
that names nothing itself (能申请吗, 这个在哪办), the clause right before it, are the message's
focus; the matcher (``bot.nlu.retrieval``) lets the words of the story that the focus lacks
weigh less, so the story still tells close entries apart but the request leads.

The ways of asking are general Chinese, kept as data (``data/nlu/focus.yml``), never words of
one matter. A message of one clause, or one whose every clause asks, has no focus: it is all
request already.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.nlu.normalize import normalize
from bot.settings import ROOT

MARKERS = ROOT / "data" / "nlu" / "focus.yml"
# Clause breaks: sentence and clause punctuation, full- or half-width (normalised), and line breaks.
_BREAK = re.compile(r"[,.;:!?，。；：！？\n\r…~～]+")
_QUESTION = re.compile(r"[?？]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Markers:
    """How people ask (``asks``), the words that say nothing of the subject (``function_words``),
    and how much must be left of an asking clause for it to say its own subject."""

    asks: tuple[str, ...] = ()
    function_words: tuple[str, ...] = ()
    subject_min: int = 3

    @classmethod
    def load(cls, path: Path = MARKERS) -> Markers:
        import yaml

        if not Path(path).exists():
            return cls()
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}

        def words(key: str) -> tuple[str, ...]:
            # Longest first, so that 需不需要 goes before 需要 when words are taken out.
            found = {normalize(str(w)) for w in data.get(key) or [] if str(w).strip()}
            return tuple(sorted(found, key=len, reverse=True))

        return cls(words("asks"), words("function_words"), int(data.get("subject_min", 3)))


@lru_cache(maxsize=4)
def markers(path: Path = MARKERS) -> Markers:
    return Markers.load(path)


@dataclass(frozen=True)
class Clause:
    text: str
    asks: bool  # holds a way of asking, or ends with a question mark
    subject: str  # what is left once the ways of asking and function words are out


def clauses(text: str, m: Markers) -> list[Clause]:
    """The message cut at its clause punctuation, each clause read for whether it asks."""
    norm = normalize(text or "")
    out: list[Clause] = []
    pos = 0
    for match in [*_BREAK.finditer(norm), None]:
        end = match.start() if match else len(norm)
        part = norm[pos:end].strip()
        question = bool(match and _QUESTION.search(match.group(0)))
        if part:
            subject = part
            for word in (*m.asks, *m.function_words):
                subject = subject.replace(word, "")
            out.append(Clause(part, question or any(w in part for w in m.asks), subject))
        pos = match.end() if match else end
    return out


def request_focus(
    text: str, m: Markers | None = None, names: Callable[[str], bool] | None = None
) -> str | None:
    """The asking clauses of ``text`` (with the clause before a question that names no subject
    of its own), joined; None when there is no background to set aside.

    ``names`` tells whether a clause names something (the matcher knows its words: 车牌 does,
    换副新的 does not); without it, a clause with fewer than ``subject_min`` characters left
    once the ways of asking are out names nothing."""
    m = m or markers()
    if len(_LATIN.findall(text or "")) > len(_CJK.findall(text or "")):
        return None  # the ways of asking are Chinese: an English question is read whole
    parts = clauses(text, m)
    if len(parts) < 2:
        return None
    keep = [False] * len(parts)
    for i, c in enumerate(parts):
        if c.asks:
            keep[i] = True
            says = names(c.text) if names is not None else len(c.subject) >= m.subject_min
            if not says and i > 0:
                keep[i - 1] = True
    if not any(keep) or all(keep):
        return None
    return "，".join(c.text for c, k in zip(parts, keep, strict=True) if k)


__all__ = ["Clause", "Markers", "clauses", "markers", "request_focus"]
