"""Guides kept in the registry service's memory, per registry version, read once from the store.

A guide (a scenario's or matter's document, its requirements and their materials) changes only
when a new registry version is recorded (an edit published, files reloaded); every answer of the
bot reads one, and on PostgreSQL each of those reads is a round trip to the database server. The
service reads the current version with every answer anyway (it is cited with the answer), so
here a guide is kept under that version's digest: while the version stays, the guide comes from
memory, and a new version (this replica's or another's, they share the database) is a new key.

A guide is kept only when the version read after it is the one read before: on PostgreSQL a
version published between the reads could otherwise file a newer guide under the older digest.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

T = TypeVar("T")
# Reads kept at most, the least recently asked going first: about 60 KB each for a one-thing
# scenario with its materials, less for a matter, so at most some 30 MB. The guides people ask
# about most stay; the registry has about 400 with material lists (a guide and a checklist each).
SIZE = 512


def digest_of(version: dict[str, Any] | None) -> str | None:
    """The content digest of a registry version (bot/registry/versions.py), None before the first."""
    return version["digest"] if version else None


class GuideCache:
    """What a read gave for a guide id at a registry digest; the service's worker threads share it."""

    def __init__(self, current_digest: Callable[[Connection], str | None], size: int = SIZE) -> None:
        self._current_digest = current_digest
        self._size = size
        self._kept: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str, digest: str | None, conn: Connection, read: Callable[[Connection], T]) -> T:
        """``read(conn)`` at registry ``digest`` (the current version's), from memory when the
        same ``key`` (what is read, of which guide) was read at that digest before. An error
        ``read`` raises is not kept, nor is a None."""
        if digest is None:  # no version recorded yet: nothing to key on
            return read(conn)
        kept = (key, digest)
        with self._lock:
            found = self._kept.get(kept)
            if found is not None:
                self._kept.move_to_end(kept)
                self.hits += 1
                return found  # type: ignore[return-value]  # kept by this method from read(): a T
            self.misses += 1
        value = read(conn)
        if value is not None and self._current_digest(conn) == digest:
            with self._lock:
                self._kept[kept] = value
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._kept)
