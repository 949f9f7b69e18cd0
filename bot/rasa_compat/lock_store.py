"""Rasa's Redis lock store, with every change of a conversation's lock made atomically.

Rasa's ``RedisLockStore`` reads the lock, changes it in Python and writes it back: two
replicas that take a ticket for one conversation at the same moment both get the same
number, both run the turn at once, and one turn's events are lost from the tracker
store (seen in tests/scale/test_scaled.py). Here each change is a Redis transaction
(WATCH/MULTI), retried when another replica changed the lock in between. And a turn
waiting for the lock keeps its own ticket alive while it waits: in Rasa's, a waiting
ticket expires like a held one, and when the holder died (a replica killed mid-turn)
and both tickets run out between two polls, the waiter waits forever.

What this relies on: ``RedisLockStore``'s client and key prefix (``red``,
``key_prefix``) and ``TicketLock``'s list of tickets. The waiting is done by overriding
the public ``LockStore.lock`` (what Rasa's processor and server call), not Rasa's
private ``_acquire_lock``. Contracts: tests/rasa_compat/test_lock_store.py and
tests/scale/test_lock_store.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store whose read-change-write of a lock is one Redis transaction."""

    def _atomically(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, TicketLock | None]]
    ) -> Any:
        """Apply ``change`` (lock → result, lock to keep or None to delete) as one transaction."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, kept = change(lock)
                    pipe.multi()
                    if kept is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, kept.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock first: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        return self._atomically(conversation_id, take)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ``lock``: a ticket, the wait for our turn, the ticket given back at the end."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self.wait_for_turn(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def wait_for_turn(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait for our turn, renewing our ticket at every poll so that only a holder that stopped
        (died) runs out of time, never the turns waiting behind it."""

        def renew(lock: TicketLock | None) -> tuple[TicketLock | None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            expires = time.time() + LOCK_LIFETIME
            mine = next((t for t in lock.tickets if t.number == ticket), None)
            if mine is None:  # ran out before its first poll: back in line by its number
                lock.tickets = type(lock.tickets)(
                    sorted([*lock.tickets, Ticket(ticket, expires)], key=lambda t: t.number)
                )
            elif lock.tickets[0].number != ticket:
                mine.expires = expires
            return lock, lock

        while True:
            lock = self._atomically(conversation_id, renew)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._atomically(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._atomically(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; delete the lock only if nobody took a ticket meanwhile."""

        def release(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._atomically(conversation_id, release)
