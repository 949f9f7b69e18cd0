"""The 5-second rule and retry de-duplication of WeChat and WeCom, on asyncio.

WeChat (and WeCom) wait five seconds for the HTTP response to a message; without
one they drop the connection and post the same message again, three times in all.
So each message (keyed by its ``MsgId``) becomes one :class:`Turn`: a task that
runs the bot once, whatever the number of deliveries. Each delivery of the message
waits for that task a little under five seconds. If the answer is ready and fits
one message, it goes back as the passive reply (and a retry after a lost response
gets the same reply again, which WeChat shows once). Otherwise the delivery answers
"no reply" at once, and from then on the turn is committed to pushing: when the
task finishes, its messages go out through the platform's message API, once. A
delivery cut off by the platform (its handler cancelled) commits to pushing too.

Nothing blocks: waiting is ``asyncio.wait`` on the shared task, which is never
cancelled by a waiter's timeout or cancellation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any

logger = logging.getLogger(__name__)

Push = Callable[[list[str]], Awaitable[None]]


class Turn:
    """One incoming message being answered: passively within the window, else by push."""

    def __init__(self, work: Coroutine[Any, Any, list[str]], push: Push) -> None:
        self.started = time.monotonic()
        self._push = push
        self._mode = "open"  # → "passive" (answered in a response) or "push" (sent through the API)
        self._push_task: asyncio.Task[None] | None = None
        self._task: asyncio.Task[list[str]] = asyncio.ensure_future(work)
        self._task.add_done_callback(self._finished)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def done(self) -> bool:
        return self._task.done() and (self._push_task is None or self._push_task.done())

    def _answer(self) -> list[str]:
        if self._task.cancelled() or self._task.exception() is not None:
            return []
        return self._task.result()

    def _finished(self, _: object) -> None:
        if not self._task.cancelled() and self._task.exception() is not None:
            logger.error("answering a message failed", exc_info=self._task.exception())
        if self._mode == "push":
            self._start_push()

    def _commit_to_push(self) -> None:
        if self._mode == "open":
            self._mode = "push"
            if self._task.done():
                self._start_push()

    def _start_push(self) -> None:
        messages = self._answer()
        if self._push_task is None and messages:
            self._push_task = asyncio.ensure_future(self._deliver(messages))

    async def _deliver(self, messages: list[str]) -> None:
        try:
            await self._push(messages)
        except Exception:  # logged, not raised: nobody awaits a push
            logger.exception("pushing the answer through the message API failed")

    async def passive_reply(self, within: float) -> list[str] | None:
        """The answer to send in this response, or None to answer "no reply" now.

        A list is returned only when the whole answer fits one message (the platforms
        take one message in a response); an empty list means the bot has nothing to say.
        """
        if self._mode == "open" and not self._task.done():
            try:
                await asyncio.wait({self._task}, timeout=max(within, 0.0))
            except asyncio.CancelledError:
                self._commit_to_push()
                raise
        if self._mode == "open" and self._task.done() and len(self._answer()) <= 1:
            self._mode = "passive"
        if self._mode == "passive":
            return self._answer()
        self._commit_to_push()
        return None

    async def settled(self) -> None:
        """Wait until the answer has been computed and any push has been sent (for tests and shutdown)."""
        await asyncio.wait({self._task})
        if self._push_task is not None:
            await asyncio.wait({self._push_task})


class RecentTurns:
    """The turns of recently received messages, by message key, so retries join them."""

    def __init__(self, keep_seconds: float = 300.0, max_turns: int = 10_000) -> None:
        self.keep_seconds = keep_seconds
        self.max_turns = max_turns
        self._turns: OrderedDict[Hashable, Turn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def _evict(self) -> None:
        now = time.monotonic()
        for key, turn in list(self._turns.items()):
            old = now - turn.started > self.keep_seconds
            if (old or len(self._turns) > self.max_turns) and turn.done:
                del self._turns[key]
            elif not old and len(self._turns) <= self.max_turns:
                break

    def begin(
        self, key: Hashable, work: Callable[[], Coroutine[Any, Any, list[str]]], push: Push
    ) -> tuple[Turn, bool]:
        """The turn for ``key``: the existing one for a retry, else a new one running ``work``."""
        self._evict()
        turn = self._turns.get(key)
        if turn is not None:
            return turn, False
        turn = Turn(work(), push)
        self._turns[key] = turn
        return turn, True
