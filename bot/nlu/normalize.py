"""Character normalisation that keeps every offset: traditional → simplified, full-width → ASCII.

People write 戶口 as well as 户口 and ＩＤ as well as ID; the model should see
one form. Each character maps to exactly one character, so entity offsets in
the normalised text are offsets in what the person typed.
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


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c)
    if len(folded) != 1:
        folded = c
    folded = _traditional_to_simplified().get(ord(folded), folded)
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


def normalize(text: str) -> str:
    """Same length as ``text``; simplified characters, ASCII letters and digits, lower case."""
    return "".join(_char(c) for c in text)
