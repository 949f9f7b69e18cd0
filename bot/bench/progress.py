"""Progress for long steps: a line every few seconds, so a person watching knows it is alive.

Lines rather than a redrawn bar, because ``make bench`` output often goes to a log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Counts steps and prints ``[bench] <what>: n/total`` at most every ``every`` seconds."""

    def __init__(self, what: str, total: int, every: float = 5.0) -> None:
        self.what, self.total, self.every = what, total, every
        self.done = 0
        self._started = self._last = time.monotonic()

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.every and self.done < self.total:
            self._last = now
            print(f"[bench]   {self.what}: {self.done}/{self.total} ({now - self._started:.0f}s)", flush=True)


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Announce a stage and how long it took."""
    print(f"[bench] {what} …", flush=True)
    started = time.monotonic()
    yield
    print(f"[bench] {what}: done in {time.monotonic() - started:.1f}s", flush=True)
