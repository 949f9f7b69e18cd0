"""Input-method typos put right by sound: 社宝卡 → 社保卡, 户口签移 → 户口迁移, 养老经 → 养老金.

People type Chinese by pinyin, so a misspelt word is nearly always another word that sounds
the same (or the same in a southern accent: zh/z, ch/c, sh/s, -ng/-n, n/l). A span of the
message is replaced by a registry word of the same sound only when the span is itself
unknown: it holds a character pair that no registry text has and is no registry word. So a
correct message is never changed, and the words offered are only the registry's own. Two
characters must sound exactly alike (闺女 is not 规律); the accent's looser likeness is
taken from three characters on (护造 → 护照 is not, 养老经 → 养老金 is).

Readings come from pypinyin's dictionary (a package, nothing downloaded), word-aware, the
usual one only: a rare reading (合 as gě) would turn 个闺女 into 合规女.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

MAX_LEN = 4
LONG_WORD = 3  # a registry word this long, sounded exactly, outweighs a word inside the span
COMMON = 1000  # a word this frequent (Jieba's counts: 怎么 27,339; 口头 527) is never a typo's part

_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))


def _fuzzy(syllable: str) -> str:
    for long, short in _INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


@lru_cache(maxsize=65536)
def _reading(text: str) -> tuple[str, ...]:
    """The usual reading of ``text``, word-aware (长沙 chang sha); empty if not all CJK."""
    if not all("\u3400" <= c <= "\u9fff" for c in text):
        return ()
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def sound_keys(text: str) -> list[str]:
    """How ``text`` sounds: exactly, and (from three characters on) in a southern accent."""
    reading = _reading(text)
    if len(reading) != len(text):
        return []
    keys = [" ".join(reading)]
    if len(text) > 2:
        keys.append(" ".join(_fuzzy(s) for s in reading))
    return keys


class SoundCorrector:
    """Registry words by sound; ``correct`` rewrites the unknown spans of a message."""

    def __init__(
        self,
        words: Iterable[str],
        known: Callable[[str], bool],
        weight: Callable[[str], float],
        is_word: Callable[[str, int], bool],
    ):
        """``words``: the registry's words (2–4 characters are used); ``known(pair)``: whether
        a registry text has this character pair; ``weight(word)``: how common the word is
        (the commonest of several words with one sound wins); ``is_word(text, count)``: whether
        the language has this word, at least this common (闺女, 父亲: not typos, even if no
        guide says them)."""
        self._known = known
        self._is_word = is_word
        self._words = set()
        best: dict[str, tuple[float, str]] = {}
        for word in words:
            if not 2 <= len(word) <= MAX_LEN:
                continue
            self._words.add(word)
            w = weight(word)
            for key in sound_keys(word):
                if key not in best or (w, word) > best[key]:
                    best[key] = (w, word)
        self._by_sound = {k: v[1] for k, v in best.items()}

    def _fits(self, text: str, at: int, word: str) -> bool:
        """Each changed character sits in a pair no registry text has, in no word of the
        language inside the span (养老经 → 养老金 changes 经 only; 个闺女 keeps 闺女), and in
        no common word reaching out of it (出生怎么 keeps 怎么).

        A registry word of ``LONG_WORD`` characters or more that the span sounds exactly like
        is taken even over a word of the language inside the span: 生于津贴 is 生育津贴 and
        伤残坚定 is 伤残鉴定 (生于 and 坚定 are words, but no one means them there), unless the
        span splits a word at its edge."""
        span = text[at : at + len(word)]
        exact = (
            len(word) >= LONG_WORD
            and sound_keys(span)[:1] == sound_keys(word)[:1]
            # … if the span splits no word at its edges (员工上户 is 员工 + 上户, not 工商户)
            and not any(
                self._is_word(text[k : k + 2], 1)
                for k in (at - 1, at + len(span) - 1)
                if k >= 0 and k + 2 <= len(text)
            )
        )
        for j, (a, b) in enumerate(zip(span, word, strict=True)):
            if a == b:
                continue
            pairs = [span[k : k + 2] for k in (j - 1, j) if k >= 0 and k + 2 <= len(span)]
            if all(self._known(p) for p in pairs):
                return False
            p = at + j
            # … and with no registry pair across the span's edge (请问无犯罪: 无 belongs to 无犯).
            outside = [text[k : k + 2] for k in (p - 1, p) if k in (at - 1, at + len(span) - 1)]
            if any(len(pair) == 2 and self._known(pair) for pair in outside):
                return False
            for start in range(max(0, p - MAX_LEN + 1), p + 1):
                for end in range(p + 1, min(len(text), start + MAX_LEN) + 1):
                    inside = at <= start and end <= at + len(span)
                    if inside and exact:
                        continue
                    if end - start >= 2 and self._is_word(text[start:end], 1 if inside else COMMON):
                        return False
        return True

    def correct(self, text: str) -> str:
        """``text`` with each unknown span replaced by the registry word that sounds the same."""
        out: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            for length in range(min(MAX_LEN, n - i), 1, -1):
                span = text[i : i + length]
                if span in self._words or self._is_word(span, 1):
                    continue
                # A span whose every pair a registry text has cannot fit (see _fits: a changed
                # character must sit in an unknown pair); skipping it before its reading saves
                # most of the pinyin look-ups, the matcher's largest cost a message.
                if all(self._known(span[k : k + 2]) for k in range(length - 1)):
                    continue
                word = next((self._by_sound[k] for k in sound_keys(span) if k in self._by_sound), None)
                if word is not None and word != span and self._fits(text, i, word):
                    out.append(word)
                    i += length
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)
