"""How many cases each entry point got, by HTTP status: counted by the tests, written by conftest.

In a module of its own, not in conftest.py: pytest imports a conftest under its own
module name, so state kept there is not the state the tests import.
"""

from __future__ import annotations

from collections import Counter

from bot.settings import ROOT

CASES: Counter[str] = Counter()
STATUSES: dict[str, Counter[int]] = {}
REPORT = ROOT / "var" / "fuzz-cases.json"


def count(entry_point: str, status: int) -> None:
    CASES[entry_point] += 1
    STATUSES.setdefault(entry_point, Counter())[status] += 1
