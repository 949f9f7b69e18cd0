"""English in a message, read word by word: the lexicon's phrases kept, every other word dropped.

The matcher compares text without blanks (``driver's licence`` → driverslicence), so a lexicon
key found anywhere in the letters of an English sentence would match inside unrelated words
(``book`` in facebook, ``move`` in remove, ``licence`` at the end of ``what licences``). Here the
English is split into words first, and a key counts only where it is a whole run of words, its
last word possibly inflected (licences, passes, cancelled, moving: ``base_forms``). Mixed keys (社保card, 户口book) are whole runs
too, Chinese characters counting one by one. What no key covers (how, do, my, the …) is dropped
and counted: the share of a message that is English the lexicon cannot read tells the decision
how far the intent model, trained on Chinese phrases, can be trusted (``bot.nlu.intents``).

Before a word is dropped, it (and the Latin words right after it) may be pinyin of a word the
matcher knows (gongjijin, yi bao: ``bot.nlu.romanised``): then the Chinese word takes its place,
as if typed in characters, and nothing is counted as dropped. A message written in pinyin of
which fewer letters were read (as keys or pinyin) than were left unread (zuijin you shenme hao
kan de dianying: only 什么 and 电影 known) is not read as pinyin at all: a guess from a few
words of a sentence otherwise unread would answer what no one asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.nlu.romanised import spells_pinyin

# A Latin word (letters and digits, a1, 12123), or one CJK character, or anything else.
_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]|[^a-z0-9\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Where kept English phrases meet: no key may run across it.
SEPARATOR = "\x01"
MAX_TOKENS = 8


# The ends English inflection adds, and what each may stand for (the lexicon lists base forms:
# cancel, restore, certify; people write cancelled, restored, certified).
_ENDINGS = (
    ("ies", ("y",)),
    ("ied", ("y",)),
    ("es", ("",)),
    ("s", ("",)),
    ("ed", ("", "e", "-")),
    ("ing", ("", "e", "-")),
)
MIN_STEM = 3


def base_forms(word: str) -> list[str]:
    """``word`` as typed, then the base forms its ending may be an inflection of: passes →
    pass, agencies → agency, restored → restore, cancelled → cancel, moving → move. A stem
    shorter than ``MIN_STEM`` letters is never offered (bed is not b)."""
    forms = [word]
    for ending, replacements in _ENDINGS:
        if not word.endswith(ending) or word.endswith("ss"):
            continue
        stem = word[: -len(ending)]
        for replacement in replacements:
            if replacement == "-":  # a doubled last consonant: cancelled, transferring
                form = stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiou" else ""
            else:
                form = stem + replacement
            if len(form) >= MIN_STEM and form not in forms:
                forms.append(form)
    return forms


@dataclass(frozen=True)
class Reading:
    """The message with only the English the lexicon knows, and how much English it dropped."""

    text: str  # normalised text, English phrases the lexicon lacks replaced by SEPARATOR
    dropped: int  # letters of the English words dropped


class EnglishPhrases:
    """The lexicon's English and mixed phrases, matched on whole words."""

    def __init__(
        self,
        phrases: Iterable[str],
        words: Iterable[str] = (),
        romanised: Callable[[str], str | None] | None = None,
    ) -> None:
        """``phrases``: lexicon keys and spoken action words, compared without blanks (a key
        without Latin letters is left to the matcher's own substring search); ``words``: Latin
        words kept even alone (a registry word such as ktv or a1); ``romanised(letters)``: the
        Chinese that letters spell in pinyin, or None (``RomanisedWords.read``)."""
        self._phrases = {p for p in phrases if _LATIN.search(p)}
        self._words = {w for w in words if _LATIN.search(w)}
        self._romanised = romanised

    def _pinyin(self, words: list[tuple[int, str]], k: int) -> tuple[int, str] | None:
        """The longest run of Latin words from ``k`` on that spells known Chinese words in
        pinyin (gong ji jin → 公积金): where it ends, and the Chinese."""
        if self._romanised is None:
            return None
        end = k
        # Typed pinyin breaks between syllables: each word of the run is syllables itself (so an
        # English sentence is given up at its first word, cheaply: how, my, get are not).
        while end < len(words) and end - k < MAX_TOKENS and spells_pinyin(words[end][1]):
            end += 1
        for stop in range(end, k, -1):
            chinese = self._romanised("".join(t for _, t in words[k:stop]))
            if chinese is not None:
                return stop, chinese
        return None

    def _known(self, joined: str) -> str | None:
        """``joined`` as a key, or as a key whose last word is inflected (licences, cancelled)."""
        return next((c for c in base_forms(joined) if c in self._phrases), None)

    def read(self, normalised: str) -> Reading:
        """Keep each longest run of words that is a key, read pinyin of known words as the
        words; drop other English words.

        ``normalised``: the message after ``bot.nlu.normalize.normalize`` (lower case, blanks
        kept). A message without Latin letters comes back as it is.
        """
        if not _LATIN.search(normalised):
            return Reading(normalised, 0)
        reading, read, as_pinyin, unread_pinyin = self._read(normalised, self._romanised is not None)
        if as_pinyin and unread_pinyin > read + as_pinyin:
            reading, _, _, _ = self._read(normalised, False)
        return reading

    def _read(self, normalised: str, pinyin_too: bool) -> tuple[Reading, int, int, int]:
        """The reading, the letters read as keys, those read as pinyin, and the letters of
        unread words that are pinyin nonetheless (spelt in syllables)."""
        tokens = _TOKEN.findall(normalised)
        # A token that is a word or a CJK character takes part in keys; blanks and punctuation
        # between words do not (driver's licence: driver, s, licence).
        words = [(i, t) for i, t in enumerate(tokens) if _LATIN.search(t) or _CJK.fullmatch(t) or t.isdigit()]
        out = list(tokens)
        dropped = 0
        read = as_pinyin = unread_pinyin = 0
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
                read += len(key)
                first, last = i, words[end - 1][0]
                out[first] = SEPARATOR + key + SEPARATOR
                for j in range(first + 1, last + 1):
                    out[j] = ""
                k = end
                continue
            if _LATIN.search(token) and token not in self._words:
                pinyin = self._pinyin(words, k) if pinyin_too else None
                if pinyin is not None:
                    end, chinese = pinyin
                    out[i] = chinese
                    for j in range(i + 1, words[end - 1][0] + 1):
                        out[j] = ""
                    as_pinyin += sum(len(t) for _, t in words[k:end])
                    k = end
                    continue
                out[i] = SEPARATOR
                dropped += len(token)
                unread_pinyin += len(token) if spells_pinyin(token) else 0
            k += 1
        return Reading("".join(out), dropped), read, as_pinyin, unread_pinyin
