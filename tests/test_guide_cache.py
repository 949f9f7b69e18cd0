"""Guides kept per registry version in the registry service (bot/registry/guide_cache.py).

Served end to end, a published edit reaching the bot's next answer is
tests/admin/test_bot_after_publish.py; here the cache's own rules, with the reads counted."""

from __future__ import annotations

from typing import Any

import pytest

from bot.registry.guide_cache import GuideCache, digest_of

CONN: Any = object()  # the cache hands the caller's connection to the reads, nothing more


class Registry:
    """A registry whose version can move on, between reads or during one."""

    def __init__(self) -> None:
        self.digest = "v1"
        self.reads = 0

    def guide(self, _conn: Any, *, publish_meanwhile: str | None = None) -> str:
        self.reads += 1
        content = f"guide at {self.digest}"
        if publish_meanwhile:
            self.digest = publish_meanwhile
        return content


def test_a_guide_is_read_once_per_version_and_again_after_a_new_one():
    registry = Registry()
    cache = GuideCache(lambda _conn: registry.digest)
    for _ in range(3):
        assert cache.get("checklist newborn", registry.digest, CONN, registry.guide) == "guide at v1"
    assert registry.reads == 1 and (cache.hits, cache.misses) == (2, 1)
    registry.digest = "v2"
    assert cache.get("checklist newborn", registry.digest, CONN, registry.guide) == "guide at v2"
    assert registry.reads == 2


def test_a_guide_read_while_a_version_was_published_is_not_kept_under_the_old_one():
    registry = Registry()
    cache = GuideCache(lambda _conn: registry.digest)
    # The answer was keyed on v1, but v2 was published before its guide was read.
    got = cache.get("guide newborn", "v1", CONN, lambda c: registry.guide(c, publish_meanwhile="v2"))
    assert got == "guide at v1" and len(cache) == 0
    cache.get("guide newborn", "v1", CONN, registry.guide)
    assert registry.reads == 2


def test_what_is_read_of_a_guide_is_kept_apart_and_misses_errors_and_none_are_not_kept():
    registry = Registry()
    cache = GuideCache(lambda _conn: registry.digest)
    assert cache.get("guide x", "v1", CONN, lambda _c: "document") == "document"
    assert (
        cache.get("checklist x", "v1", CONN, lambda _c: "document and materials") == "document and materials"
    )
    assert cache.get("guide nothing", "v1", CONN, lambda _c: None) is None

    def unknown(_conn: Any) -> str:
        raise LookupError("no such guide")

    with pytest.raises(LookupError):
        cache.get("checklist missing", "v1", CONN, unknown)
    assert len(cache) == 2


def test_the_least_recently_asked_guide_goes_first_and_no_version_means_no_keeping():
    cache = GuideCache(lambda _conn: "v1", size=2)
    for key in ("a", "b", "a", "c"):
        cache.get(key, "v1", CONN, lambda _c, key=key: key.upper())
    assert [k for k, _ in cache._kept] == ["a", "c"]
    assert digest_of(None) is None and digest_of({"digest": "v9"}) == "v9"
    unversioned = GuideCache(lambda _conn: None)
    unversioned.get("a", None, CONN, lambda _c: "A")
    assert len(unversioned) == 0
