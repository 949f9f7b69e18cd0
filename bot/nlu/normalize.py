"""Character normalisation that keeps every offset: traditional → simplified, full-width → ASCII.

People write 戶口 as well as 户口 and ＩＤ as well as ID; the model should see
one form. Each character maps to exactly one character, so entity offsets in
the normalised text are offsets in what the person typed.

Besides the standard traditional characters, the variant forms that Japanese,
Hong Kong and Taiwan input methods give (戸口 for 户口, 証明 for 证明, 険 for 险)
are read as their simplified character, from OpenCC's variant tables. A variant
that is itself a character of simplified Chinese (GB 2312: 欠, 予, 著 …) is kept.
A Latin letter with a mark is its bare letter (gōngjījīn → gongjijin, lǜ → lu), so that
pinyin with tones is read like pinyin without (``bot.nlu.romanised``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    import opencc  # opencc-python-reimplemented: OpenCC's dictionaries as a pure-Python package

    table: dict[int, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1:
            table[ord(source)] = target
    return table


def _opencc_pairs(name: str) -> list[tuple[str, list[str]]]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / name
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        out.append((source, targets.split(" ") if targets else []))
    return out


def _in_simplified_chinese(c: str) -> bool:
    try:
        c.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1)
def _variants_to_simplified() -> dict[int, str]:
    """Variant character → simplified character (戸 → 户, 険 → 险, 衞 → 卫)."""
    simplified = _traditional_to_simplified()
    pairs: list[tuple[str, str]] = []  # (variant, standard traditional)
    for name in ("JPVariants.txt", "HKVariants.txt", "TWVariants.txt"):  # standard → variants
        pairs += [(v, std) for std, variants in _opencc_pairs(name) for v in variants]
    for name in ("HKVariantsRev.txt", "TWVariantsRev.txt"):  # variant → standard
        pairs += [(v, targets[0]) for v, targets in _opencc_pairs(name) if targets]
    table: dict[int, str] = {}
    for variant, standard in pairs:
        if len(variant) != 1 or len(standard) != 1 or variant == standard:
            continue
        if ord(variant) in simplified or ord(variant) in table or _in_simplified_chinese(variant):
            continue
        target = simplified.get(ord(standard), standard)
        if target != variant:
            table[ord(variant)] = target
    return table


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c)
    if len(folded) != 1:
        folded = c
    folded = _traditional_to_simplified().get(ord(folded), folded)
    folded = _variants_to_simplified().get(ord(folded), folded)
    lowered = folded.lower()
    folded = lowered if len(lowered) == 1 else folded
    # Pinyin typed with its tone marks (gōngjījīn, lǜ) and accented English (café): the bare letter.
    bare = unicodedata.normalize("NFKD", folded)[:1]
    return bare if folded != bare and bare.isascii() and bare.isalpha() else folded


def normalize(text: str) -> str:
    """Same length as ``text``; simplified characters, ASCII letters and digits, lower case."""
    return "".join(_char(c) for c in text)
