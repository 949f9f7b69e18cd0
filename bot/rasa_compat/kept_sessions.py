"""Rasa 3.6's calls to the action server over kept connections, not a new one a call.

``EndpointConfig.request`` (every custom action a turn goes through it) does
``async with self.session() as session``, and ``session()`` makes a new aiohttp
``ClientSession``: a new connection pool, a new TCP connection to the action server, and
the action server's set-up of that connection, for every call; that was about half of the
Rasa server's CPU time in calling the action server (docs/benchmarks.md). Here
``session()`` hands out one kept session per event loop and per endpoint settings
(headers, basic auth), made with Rasa's own options, and leaving the ``async with`` does
not close it. Requests, their headers, parameters, timeout and errors are Rasa's: only
the connection is reused.

An idle kept connection is closed by this side after :data:`IDLE_CLOSE_S` seconds, before
the action server (Sanic: 5 s) would close it: otherwise a call could be sent on a
connection the server is closing at that moment, and fail.

Rasa has no hook for this, so :func:`install` replaces ``EndpointConfig.session`` for the
whole process; the Rasa server's launcher (bot/rasa_compat/__main__.py) calls it before
Rasa starts. Contract: tests/rasa_compat/test_kept_sessions.py.
"""

from __future__ import annotations

import asyncio
import weakref
from types import TracebackType

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from bot.rasa_compat.override import Override

rasa_session = EndpointConfig.session
# Shorter than the keep-alive timeout of the action server (rasa_sdk runs Sanic: 5 s).
IDLE_CLOSE_S = 2.0

SessionKey = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
_kept: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[SessionKey, aiohttp.ClientSession]] = (
    weakref.WeakKeyDictionary()
)


def _key(endpoint: EndpointConfig) -> SessionKey:
    headers = tuple(sorted((str(k), str(v)) for k, v in (endpoint.headers or {}).items()))
    auth = tuple(sorted((str(k), str(v)) for k, v in (endpoint.basic_auth or {}).items()))
    return headers, auth


def new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """A session with the options Rasa's ``session()`` gives, whose idle connections are kept."""
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CLOSE_S),
    )


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The running loop's kept session for ``endpoint``'s settings (made on first use)."""
    by_key = _kept.setdefault(asyncio.get_running_loop(), {})
    key = _key(endpoint)
    session = by_key.get(key)
    if session is None or session.closed:
        session = by_key[key] = new_session(endpoint)
    return session


class Borrowed:
    """What ``async with endpoint.session() as session`` gets: the kept session, left open."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint

    async def __aenter__(self) -> aiohttp.ClientSession:
        return kept_session(self.endpoint)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


def borrowed_session(self: EndpointConfig) -> Borrowed:
    """``EndpointConfig.session`` with the session kept (used only as ``async with``)."""
    return Borrowed(self)


OVERRIDE = Override(EndpointConfig, "session", borrowed_session)
install, uninstall, installed = OVERRIDE.install, OVERRIDE.uninstall, OVERRIDE.installed
