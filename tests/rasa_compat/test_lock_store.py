"""The atomic Redis lock store (bot/rasa_compat/lock_store.py) keeps Rasa's lock format, keys and
protocol, so Rasa's own code reads what it writes and calls it as it calls Rasa's."""

from __future__ import annotations

import asyncio
import inspect
import json

from rasa.core.lock_store import LockStore, RedisLockStore

from bot.ops.local_redis import LocalRedis
from bot.rasa_compat.lock_store import AtomicRedisLockStore
from tests.scale.test_lock_store import redis  # noqa: F401  (the fixture: a real Redis of the test's own)


def _port(server: LocalRedis) -> int:
    return int(server.url.rsplit(":", 1)[1].split("/")[0])


def _stores(server: LocalRedis, **kwargs: object) -> tuple[AtomicRedisLockStore, RedisLockStore]:
    options = {"host": "127.0.0.1", "port": _port(server), "password": server.password, "db": 0, **kwargs}
    return AtomicRedisLockStore(**options), RedisLockStore(**options)  # type: ignore[arg-type]


def test_lock_is_called_and_done_as_rasas() -> None:
    """Rasa's processor and server call ``lock``; ours takes the same arguments and does the same
    three steps (a ticket, the wait, the ticket given back), with our wait instead of Rasa's."""
    ours, rasas = inspect.signature(AtomicRedisLockStore.lock), inspect.signature(LockStore.lock)
    assert list(ours.parameters) == list(rasas.parameters)
    assert [p.default for p in ours.parameters.values()] == [p.default for p in rasas.parameters.values()]
    steps = inspect.getsource(LockStore.lock)
    for step in ("self.issue_ticket(conversation_id, lock_lifetime)", "self._acquire_lock(", "finally:"):
        assert step in steps
    assert "self.cleanup(conversation_id, ticket)" in steps


def test_a_lock_it_writes_is_read_by_rasas_store_under_rasas_key(redis: LocalRedis) -> None:  # noqa: F811
    ours, rasas = _stores(redis, key_prefix="replica")
    assert ours.key_prefix == rasas.key_prefix == "replica:lock:"
    assert ours.issue_ticket("c-1", 30) == 0
    assert rasas.issue_ticket("c-1", 30) == 1  # Rasa's store reads ours and continues it
    assert ours.issue_ticket("c-1", 30) == 2
    lock = rasas.get_lock("c-1")
    assert lock is not None and [t.number for t in lock.tickets] == [0, 1, 2]
    raw = ours.red.get("replica:lock:c-1")
    assert json.loads(raw)["conversation_id"] == "c-1"
    for ticket in (0, 1, 2):
        ours.cleanup("c-1", ticket)
    assert rasas.get_lock("c-1") is None


def test_a_turn_goes_through_the_lock_as_through_rasas(redis: LocalRedis) -> None:  # noqa: F811
    async def turn(store: RedisLockStore, conversation: str) -> list[object]:
        seen: list[object] = []
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.05) as lock:
            stored = store.get_lock(conversation)
            seen += [lock.conversation_id, lock.now_serving, stored.now_serving if stored else None]
            seen.append(store.is_someone_waiting(conversation))
        seen.append(store.get_lock(conversation))
        return seen

    ours, rasas = _stores(redis)
    assert asyncio.run(turn(ours, "ours")) == ["ours", 0, 0, True, None]
    assert asyncio.run(turn(rasas, "rasa")) == ["rasa", 0, 0, True, None]


def test_turns_of_one_conversation_take_their_turns(redis: LocalRedis) -> None:  # noqa: F811
    ours, _ = _stores(redis)
    order: list[str] = []

    async def turn(name: str) -> None:
        async with ours.lock("busy", lock_lifetime=30, wait_time_in_seconds=0.02):
            order.append(f"{name} in")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(turn("first"), turn("second"))

    asyncio.run(asyncio.wait_for(both(), timeout=15))
    assert order == ["first in", "first out", "second in", "second out"]
