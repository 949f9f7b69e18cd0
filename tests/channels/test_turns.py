"""The 5-second rule and retry de-duplication, as scheduling: one answer, delivered once.

The bot's work here is a coroutine that takes as long as a test says; what is
under test is the choice between the passive reply and the push, and that a retry
joins the first delivery. (The real bot answers through the stack in
test_wechat_channel.py.)
"""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.turns import RecentTurns, Turn


class Bot:
    """Counts how often it is asked; answers after ``delay`` seconds."""

    def __init__(self, delay: float, answer: list[str] | None = None) -> None:
        self.delay, self.answer, self.runs = delay, answer if answer is not None else ["答复"], 0

    async def work(self) -> list[str]:
        self.runs += 1
        await asyncio.sleep(self.delay)
        return self.answer


class Pushes:
    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    async def __call__(self, texts: list[str]) -> None:
        self.sent.append(texts)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_quick_answer_is_the_passive_reply_and_is_not_pushed():
    async def scenario():
        bot, pushes = Bot(0.01), Pushes()
        turn = Turn(bot.work(), pushes)
        assert await turn.passive_reply(1.0) == ["答复"]
        await turn.settled()
        return bot.runs, pushes.sent

    assert run(scenario()) == (1, [])


def test_a_slow_answer_says_no_reply_at_once_then_is_pushed_once():
    async def scenario():
        bot, pushes = Bot(0.3), Pushes()
        turns = RecentTurns()
        first, new = turns.begin("m1", bot.work, pushes)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert new and await first.passive_reply(0.1) is None
        waited = loop.time() - started
        # WeChat retries: the same turn, nothing recomputed, still no passive reply
        for _ in range(3):
            again, new = turns.begin("m1", bot.work, pushes)
            assert again is first and not new
            assert await again.passive_reply(1.0) is None
        await first.settled()
        return waited, bot.runs, pushes.sent

    waited, runs, sent = run(scenario())
    assert 0.08 <= waited < 0.25
    assert runs == 1 and sent == [["答复"]]


def test_an_answer_of_several_messages_is_pushed_even_when_quick():
    async def scenario():
        bot, pushes = Bot(0.0, ["第一段", "第二段"]), Pushes()
        turn = Turn(bot.work(), pushes)
        assert await turn.passive_reply(1.0) is None
        await turn.settled()
        return pushes.sent

    assert run(scenario()) == [["第一段", "第二段"]]


def test_a_retry_after_a_passive_reply_gets_the_same_reply_and_nothing_is_pushed():
    async def scenario():
        bot, pushes, turns = Bot(0.0), Pushes(), RecentTurns()
        first, _ = turns.begin("m", bot.work, pushes)
        replies = [await first.passive_reply(1.0)]
        second, _ = turns.begin("m", bot.work, pushes)
        replies.append(await second.passive_reply(1.0))
        await first.settled()
        return replies, bot.runs, pushes.sent

    assert run(scenario()) == ([["答复"], ["答复"]], 1, [])


def test_an_early_retry_waits_with_the_first_delivery_and_both_carry_the_reply():
    async def scenario():
        bot, pushes, turns = Bot(0.2), Pushes(), RecentTurns()
        first, _ = turns.begin("m", bot.work, pushes)
        second, _ = turns.begin("m", bot.work, pushes)
        replies = await asyncio.gather(first.passive_reply(1.0), second.passive_reply(1.0))
        await first.settled()
        return replies, bot.runs, pushes.sent

    assert run(scenario()) == ([["答复"], ["答复"]], 1, [])


def test_a_delivery_cut_off_by_the_platform_commits_to_pushing():
    async def scenario():
        bot, pushes = Bot(0.2), Pushes()
        turn = Turn(bot.work(), pushes)
        waiter = asyncio.ensure_future(turn.passive_reply(5.0))
        await asyncio.sleep(0.05)
        waiter.cancel()  # Sanic cancels the handler when WeChat drops the connection
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await turn.settled()
        return turn.mode, pushes.sent

    assert run(scenario()) == ("push", [["答复"]])


def test_nothing_to_say_is_no_reply_and_no_push():
    async def scenario():
        bot, pushes = Bot(0.0, []), Pushes()
        turn = Turn(bot.work(), pushes)
        reply = await turn.passive_reply(1.0)
        await turn.settled()
        return reply, pushes.sent

    assert run(scenario()) == ([], [])


def test_a_failing_push_is_logged_not_raised(caplog):
    async def failing(_: list[str]) -> None:
        raise RuntimeError("platform down")

    async def scenario():
        turn = Turn(Bot(0.1).work(), failing)
        assert await turn.passive_reply(0.0) is None
        await turn.settled()

    run(scenario())
    assert "pushing the answer" in caplog.text


def test_old_turns_are_forgotten_and_the_book_stays_bounded():
    async def scenario():
        turns = RecentTurns(keep_seconds=0.05, max_turns=3)
        bot, pushes = Bot(0.0), Pushes()
        for key in range(3):
            turn, _ = turns.begin(key, bot.work, pushes)
            await turn.passive_reply(1.0)
        await asyncio.sleep(0.1)
        turns.begin("new", bot.work, pushes)
        _, new = turns.begin(0, bot.work, pushes)
        return len(turns), new

    assert run(scenario()) == (2, True)
