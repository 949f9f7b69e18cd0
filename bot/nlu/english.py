"""English in a message, read word by word: the lexicon's phrases kept, every other word dropped.

The matcher compares text without blanks (``driver's licence`` → driverslicence), so a lexicon
key found anywhere in the letters of an English sentence would match inside unrelated words
(``book`` in facebook, ``move`` in remove, ``licence`` at the end of ``what licences``). Here the
English is split into words first, and a key counts only where it is a whole run of words (a
plural ``s`` or ``es`` allowed: licences, passes). Mixed keys (社保card, 户口book) are whole runs
too, Chinese characters counting one by one. What no key covers (how, do, my, the …) is dropped
and counted: the share of a message that is English the lexicon cannot read tells the decision
how far the intent model, trained on Chinese phrases, can be trusted (``bot.nlu.intents``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# A Latin word (letters and digits, a1, 12123), or one CJK character, or anything else.
_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]|[^a-z0-9\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Where kept English phrases meet: no key may run across it.
SEPARATOR = "\x01"
MAX_TOKENS = 8


@dataclass(frozen=True)
class Reading:
    """The message with only the English the lexicon knows, and how much English it dropped."""

    text: str  # normalised text, English phrases the lexicon lacks replaced by SEPARATOR
    dropped: int  # letters of the English words dropped


class EnglishPhrases:
    """The lexicon's English and mixed phrases, matched on whole words."""

    def __init__(self, phrases: Iterable[str], words: Iterable[str] = ()) -> None:
        """``phrases``: lexicon keys and spoken action words, compared without blanks (a key
        without Latin letters is left to the matcher's own substring search); ``words``: Latin
        words kept even alone (a registry word such as ktv or a1)."""
        self._phrases = {p for p in phrases if _LATIN.search(p)}
        self._words = {w for w in words if _LATIN.search(w)}

    def _known(self, joined: str) -> str | None:
        """``joined`` as a key, or its singular (licences → licence, passes → pass)."""
        for candidate in (
            joined,
            joined[:-1] if joined.endswith("s") else "",
            joined[:-2] if joined.endswith("es") else "",
        ):
            if candidate and candidate in self._phrases:
                return candidate
        return None

    def read(self, normalised: str) -> Reading:
        """Keep each longest run of words that is a key; drop other English words.

        ``normalised``: the message after ``bot.nlu.normalize.normalize`` (lower case, blanks
        kept). A message without Latin letters comes back as it is.
        """
        if not _LATIN.search(normalised):
            return Reading(normalised, 0)
        tokens = _TOKEN.findall(normalised)
        # A token that is a word or a CJK character takes part in keys; blanks and punctuation
        # between words do not (driver's licence: driver, s, licence).
        words = [(i, t) for i, t in enumerate(tokens) if _LATIN.search(t) or _CJK.fullmatch(t) or t.isdigit()]
        out = list(tokens)
        dropped = 0
        k = 0
        while k < len(words):
            i, token = words[k]
            best = None
            for end in range(min(len(words), k + MAX_TOKENS), k, -1):
                run = [t for _, t in words[k:end]]
                if not any(_LATIN.search(t) for t in run):
                    continue
                key = self._known("".join(run))
                if key is not None:
                    best = (end, key)
                    break
            if best is not None:
                end, key = best
                first, last = i, words[end - 1][0]
                out[first] = SEPARATOR + key + SEPARATOR
                for j in range(first + 1, last + 1):
                    out[j] = ""
                k = end
                continue
            if _LATIN.search(token) and token not in self._words:
                out[i] = SEPARATOR
                dropped += len(token)
            k += 1
        return Reading("".join(out), dropped)
