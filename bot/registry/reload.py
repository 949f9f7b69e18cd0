"""Picking up edits of the registry's YAML while the service runs: each edit becomes a version.

Every ``registry_reload_seconds`` the service looks at the files' names, sizes and
modification times (cheap); only when those moved does it hash the contents, and only
when the content digest changed does it load, check and sync them (which records the
new version, bot/registry/versions.py). A file caught half-edited fails the registry's
checks: the service logs it and keeps answering from the last good version.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import yaml

from bot.registry import changelog
from bot.registry.files import RegistryError, content_digest, load_registry
from bot.registry.store import Store

log = logging.getLogger(__name__)


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    found = []
    for path in sorted(directory.rglob("*.yml")):
        stat = path.stat()
        found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


class Reloader:
    def __init__(self, directory: Path, store: Store, digest: str, with_demo: bool) -> None:
        self.directory, self.store, self.with_demo = directory, store, with_demo
        self.digest = digest
        self._signature = _signature(directory)
        self._noted = changelog.latest_id(directory)  # a change the editor publishes names its source

    def check(self) -> bool:
        """Load and sync the files if their content changed since the last look; True if it did."""
        signature = _signature(self.directory)
        if signature == self._signature:
            return False
        self._signature = signature
        if content_digest(self.directory) == self.digest:
            return False
        try:
            registry = load_registry(self.directory)
        except (RegistryError, yaml.YAMLError, ValueError, KeyError, TypeError, OSError) as exc:
            log.warning("registry files changed but do not load (%s); keeping the last good version", exc)
            return False
        note, self._noted = changelog.note_since(self.directory, self._noted)
        self.store.sync(registry, with_demo=self.with_demo, note=note)
        self.digest = registry.digest
        log.info("registry reloaded: digest %s", registry.digest)
        return True

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.check)
            except Exception:  # a database hiccup must not end the watching
                log.exception("registry reload failed; will try again")
