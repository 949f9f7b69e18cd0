"""Pushing messages: WeChat's customer-service API (客服消息) and WeCom's app message API.

Both take an access token in the query string, fetched from a token endpoint with
the account's secret and valid for ``expires_in`` seconds (7200). This client keeps
one token per account, fetches it once for concurrent senders, refreshes it a while
before it expires, and fetches a new one when the API answers that the token expired
or is invalid (another process may have fetched a newer one). The base URL is a
setting, so tests point it at a local fake of the platform. It is asynchronous
(aiohttp): a slow platform never blocks Rasa's event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

# "invalid credential", "invalid access_token", "access_token expired": fetch a new token.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSPORT_ATTEMPTS = 3


@dataclass(frozen=True)
class MessageApiSpec:
    """Where one platform's token and send endpoints are and what a send carries."""

    token_path: str
    token_params: dict[str, str]
    send_path: str
    extra_payload: dict[str, Any] = field(default_factory=dict)


class ApiError(RuntimeError):
    """The platform refused a request (its ``errcode``) or could not be reached."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


@dataclass
class _Token:
    value: str
    fresh_until: float


class MessageApi:
    """One account's message API: ``await api.send_text(user, text)``."""

    def __init__(
        self,
        base_url: str,
        spec: MessageApiSpec,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.spec = spec
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock: asyncio.Lock | None = None
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's running loop (not at import or config time).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call with a few retries on network errors; the platform's JSON answer."""
        url = self.base_url + path
        for attempt in range(1, TRANSPORT_ATTEMPTS + 1):
            try:
                async with self._http().request(method, url, **kwargs) as response:
                    text = await response.text(encoding="utf-8")
                    if response.status != 200:
                        raise ApiError(f"{path}: HTTP {response.status}")
                    answer = json.loads(text)
                    if not isinstance(answer, dict):
                        raise ApiError(f"{path}: answer is not a JSON object")
                    return answer
            except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as exc:
                if attempt == TRANSPORT_ATTEMPTS:
                    raise ApiError(f"{path}: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    async def access_token(self) -> str:
        """A token that is still fresh, fetched at most once at a time."""
        token = self._token
        if token is not None and self._clock() < token.fresh_until:
            return token.value
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            token = self._token
            if token is None or self._clock() >= token.fresh_until:
                token = await self._fetch_token()
                self._token = token
            return token.value

    async def _fetch_token(self) -> _Token:
        answer = await self._call("GET", self.spec.token_path, params=self.spec.token_params)
        value, lifetime = answer.get("access_token"), answer.get("expires_in")
        if answer.get("errcode") or not isinstance(value, str) or not value:
            raise ApiError(f"token endpoint refused: {answer.get('errmsg')}", answer.get("errcode"))
        lifetime = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 7200.0
        # Refresh ahead of expiry: five minutes early, or halfway for short-lived tokens.
        return _Token(value, self._clock() + lifetime - min(300.0, lifetime / 2))

    def _forget(self, value: str) -> None:
        if self._token is not None and self._token.value == value:
            self._token = None

    async def send_text(self, to: str, content: str) -> None:
        """Send one text message; a refused token is replaced once, other refusals raise."""
        payload = {"touser": to, "msgtype": "text", "text": {"content": content}, **self.spec.extra_payload}
        # Unescaped UTF-8, as the platforms' own SDKs send it.
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            token = await self.access_token()
            answer = await self._call(
                "POST",
                self.spec.send_path,
                params={"access_token": token},
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            errcode = answer.get("errcode", 0)
            if not errcode:
                return
            if errcode in TOKEN_ERRORS and attempt == 1:
                logger.info("access token refused (%s); fetching a new one", errcode)
                self._forget(token)
                continue
            raise ApiError(f"send refused: {errcode} {answer.get('errmsg')}", errcode)

    async def send_texts(self, to: str, contents: list[str]) -> None:
        """Send several messages in order (each waits for the one before)."""
        for content in contents:
            await self.send_text(to, content)
