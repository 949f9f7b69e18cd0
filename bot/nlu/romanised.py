"""Pinyin in a message read back as the Chinese word it spells: gongjijin → 公积金, yi bao → 医保.

People who cannot be bothered to pick characters, or whose input method is off, type the
pinyin of a word among the Chinese (个体户能自己交gongjijin吗, 从广州回来上班，yibao关系转回长沙).
The English reader (``bot.nlu.english``) drops such a word as English it cannot read, and
with it the very thing asked about. Here a run of Latin letters is read as pinyin only when it
is the whole reading of words the matcher already knows (the registry's names and aliases,
the lexicon's official and spoken words): the words offered are the registry's own, never a
hand list per matter, and an English word is read as pinyin only where it happens to spell a
registry word exactly, syllable for syllable.

Readings come from pypinyin's dictionary (a package, nothing downloaded), word-aware and
toneless, as for typos (``bot.nlu.typos``); ü is accepted as v (what keyboards type) and as u. Of several words with one
reading (shebao: 社保, 设保 …) the commonest in the registry wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import Style

from bot.nlu.typos import sound_keys

MAX_CHARS = 6  # longer registry words are read as several shorter ones
MAX_PIECES = 3  # a run read as more words than this is more likely English than pinyin
MIN_LETTERS = 4  # a shorter run (an, ok, hi) is not taken for pinyin


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable in pypinyin's dictionary (ü as v), those with a vowel."""
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = convert(reading, Style.NORMAL, strict=True)
            if any(v in syllable for v in "aeiouv"):
                found.add(syllable)
    return frozenset(found)


@lru_cache(maxsize=4096)
def spells_pinyin(letters: str) -> bool:
    """Whether ``letters`` are a string of pinyin syllables (zuijin, hao, de; not how, my, get):
    a word of a message written in pinyin, though not one the matcher knows."""
    if not (letters.isalpha() and letters.isascii()):
        return False
    syllables = _syllables()
    n = len(letters)
    ends = [True] + [False] * n
    for j in range(1, n + 1):
        ends[j] = any(ends[i] and letters[i:j] in syllables for i in range(max(0, j - 6), j))
    return n > 0 and ends[n]


def spellings(word: str) -> tuple[str, ...]:
    """How ``word`` is typed in pinyin without tones or blanks (绿卡: lvka, luka); empty if
    the word is not all CJK characters. The reading is the typo corrector's (``bot.nlu.typos``,
    cached there: the matcher reads each registry word once for both)."""
    keys = sound_keys(word)
    if not keys:
        return ()
    joined = keys[0].replace(" ", "")
    return tuple(dict.fromkeys([joined, joined.replace("v", "u")]))


def _by_spelling(words: Iterable[tuple[str, float]]) -> dict[str, str]:
    """Spelling → the heaviest word spelt so, of ``(word, weight)`` pairs."""
    best: dict[str, tuple[float, str]] = {}
    for word, w in words:
        if not 2 <= len(word) <= MAX_CHARS:  # one syllable (an, ma) spells too many words
            continue
        for spelling in spellings(word):
            if spelling not in best or (w, word) > best[spelling]:
                best[spelling] = (w, word)
    return {s: word for s, (_, word) in best.items()}


class RomanisedWords:
    """Known words by their pinyin; ``read`` turns a run of Latin letters back into them."""

    def __init__(self, words: Iterable[str], weight: Callable[[str], float]) -> None:
        """``words``: the words the matcher knows (two to ``MAX_CHARS`` characters are used);
        ``weight(word)``: how much the registry uses it (the heavier of two homophones wins)."""
        self._known = _by_spelling((w, weight(w)) for w in set(words))
        self._longest = max(map(len, self._known), default=0)

    def __len__(self) -> int:
        return len(self._known)

    def read(self, letters: str) -> str | None:
        """``letters`` (lower case, no blanks) as the fewest known words whose pinyin they
        spell exactly, or None: jiashizheng → 驾驶证, gongjijintiqu → 公积金提取.

        Only the matcher's words are offered, not every word of the language: those are what
        a message must name to be answered, and a larger vocabulary brought in homophones
        (lingyang: 羚羊 before 领养) and English words (women: 我们) without reading more of
        the development messages typed in pinyin."""
        n = len(letters)
        if n < MIN_LETTERS or not letters.isalpha() or not letters.isascii():
            return None
        # best[i]: the fewest words spelling letters[:i] (ties: the earlier, longer pieces).
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            done = best[i]
            if done is None or len(done) >= MAX_PIECES:
                continue
            for j in range(min(n, i + self._longest), i, -1):
                word = self._known.get(letters[i:j])
                if word is None:
                    continue
                current = best[j]
                if current is None or len(done) + 1 < len(current):
                    best[j] = [*done, word]
        found = best[n]
        return "".join(found) if found else None
