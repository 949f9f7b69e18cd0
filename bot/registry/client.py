"""The synchronous client of the registry service, for the web server, the console and the CLI.

``requests`` with one pooled keep-alive session per thread, short timeouts and a single retry
on connection failure. What each method asks and how its answer reads is shared with the
action server's asynchronous client (bot/registry/api_calls.py, bot/registry/async_client.py):
this module is only the transport.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.registry.api_calls import Call, RegistryApi, RegistryRejected, RegistryUnavailable, read_answer

__all__ = ["RegistryClient", "RegistryRejected", "RegistryUnavailable"]


class RegistryClient(RegistryApi[Any]):
    """Each method returns the registry's answer (see :class:`RegistryApi`) or raises
    :class:`RegistryUnavailable` / :class:`RegistryRejected`."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 3.0) -> None:
        super().__init__(base_url, token, timeout)
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        # One keep-alive session per worker thread: requests.Session is not thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            retry = Retry(total=1, connect=1, read=0, status=0, backoff_factor=0.1, allowed_methods=None)
            session.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=4))
            session.mount("https://", HTTPAdapter(max_retries=retry, pool_maxsize=4))
            self._local.session = session
        return session

    def _send(self, request: Call) -> Any:
        base_url, token, timeout = self._address()
        try:
            response = self._session.request(
                request.method,
                base_url + request.path,
                headers=request.headers(token),
                data=request.body,
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc.__class__.__name__}") from exc
        return read_answer(request, response.status_code, response.content)
