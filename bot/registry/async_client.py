"""The action server's client of the registry: awaited on the server's own event loop.

The actions used to run the synchronous client on a thread pool: a thread hand-off and back
for every registry request, and a blocked worker thread per request in flight
(docs/benchmarks.md). This client sends the same requests (bot/registry/api_calls.py: the
methods, their results and their two errors are shared, not copied) through one pooled
``aiohttp`` session that lives on the running loop.

The session is made on first use, on the loop that uses it, and closed by :meth:`close` on that
loop (the action server calls it when it stops: actions/context.py; tests, before their loop
ends). A client used on another loop later (each ``asyncio.run`` of a test) gets a session of
that loop: a session cannot change loops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
from yarl import URL

from bot.registry.api_calls import Call, RegistryApi, RegistryRejected, RegistryUnavailable, read_answer

__all__ = ["AsyncRegistryClient", "RegistryRejected", "RegistryUnavailable"]

logger = logging.getLogger(__name__)
# Connections kept to the registry: more requests than this at once wait for one.
POOL_SIZE = 64
# An idle connection is not reused after this long: well before the registry's server closes it
# (bot/jsonapi.py, KEEP_ALIVE_S). aiohttp's own 15 s let the action server, its loop busy with a
# turn, send on a connection the registry had just closed: a "Broken pipe" and, for the person,
# the apology "材料库暂时连不上" (the rare wrong first turn of docs/benchmarks.md).
IDLE_CLOSE_S = 2.0


class AsyncRegistryClient(RegistryApi[Coroutine[Any, Any, Any]]):
    """Each method returns a coroutine of the registry's answer (see :class:`RegistryApi`);
    awaiting it raises :class:`RegistryUnavailable` / :class:`RegistryRejected` as the
    synchronous client does."""

    def __init__(
        self, base_url: str, token: str | None = None, timeout: float = 3.0, idle_close: float = IDLE_CLOSE_S
    ) -> None:
        super().__init__(base_url, token, timeout)
        self._idle_close = idle_close
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_on(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        if self._session is not None and not self._session.closed and self._loop is loop:
            return self._session
        # None yet, closed, or of an earlier loop (left unclosed, it says so when collected).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL_SIZE, keepalive_timeout=self._idle_close)
        )
        self._loop = loop
        return self._session

    async def _send(self, request: Call) -> Any:
        base_url, token, timeout = self._address()
        session = self._session_on(asyncio.get_running_loop())
        # As requests' timeout: at most this long to connect, and between bytes of the answer.
        limits = aiohttp.ClientTimeout(total=None, connect=timeout, sock_read=timeout)
        for attempt in (1, 2):
            try:
                async with session.request(
                    request.method,
                    URL(base_url + request.path, encoded=True),  # quoted once, by api_calls
                    headers=request.headers(token),
                    data=request.body,
                    timeout=limits,
                ) as response:
                    return read_answer(request, response.status, await response.read())
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                # Once more on a new connection, as the synchronous client's one retry, when the
                # connection failed (the registry restarting, or closing a kept-alive connection as
                # we sent on it); not when it was slow. Every request of the registry's API may be
                # sent twice: each reads, or writes what a second copy writes again (api_calls.py).
                if attempt == 2 or not _connection_failed(exc):
                    raise _unavailable(request, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        """Close the pooled connections (the action server stopping; a test's loop ending)."""
        session, self._session = self._session, None
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()


def _connection_failed(exc: BaseException) -> bool:
    """A refused, reset or closed connection, as against a registry too slow to answer."""
    return isinstance(exc, aiohttp.ClientConnectionError) and not isinstance(exc, asyncio.TimeoutError)


def _unavailable(request: Call, exc: BaseException) -> RegistryUnavailable:
    """The error the actions turn into "材料库暂时连不上", logged with its cause: the person sees
    only the apology, and whoever runs the service needs to know which kind of failure it was."""
    logger.warning(
        "registry unreachable on %s %s: %s %s", request.method, request.path, type(exc).__name__, exc
    )
    return RegistryUnavailable(f"registry unreachable: {exc.__class__.__name__}")
