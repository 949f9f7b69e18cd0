"""Faults against the real servers of the scaled stack: each test breaks one part and leaves it whole."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import requests

from bot.scale.script import Conversation, newborn, says
from tests.accounts.helpers import bearer
from tests.conftest import REGISTRY_TOKEN
from tests.scaled_stack import Scaled, run_conversations

APOLOGY = ("抱歉", "12345")


def _continue_after(scaled: Scaled, conversation: Conversation, done: int, apologised: int = 0) -> None:
    """The conversation's remaining turns, each answered right, and its history whole and in order
    (after ``apologised`` openers that got an apology)."""
    for i, turn in enumerate(conversation.turns[done:], done):
        response = scaled.say(conversation.sender, turn.text)
        assert response.status_code == 200, f"turn {i}: HTTP {response.status_code}"
        assert turn.check(response.json()) is None, f"turn {i}: {turn.check(response.json())}"
    said = [conversation.turns[0].text] * apologised + [t.text for t in conversation.turns]
    assert scaled.user_texts(conversation.sender) == said


def test_a_slow_registry_gets_an_apology_within_the_timeout_then_the_next_turn_works(scaled: Scaled):
    registry = scaled.stack.service("registry")
    conversation = newborn(scaled.registry(), "slow-registry")
    os.kill(registry.process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        started = time.monotonic()
        response = scaled.say(conversation.sender, conversation.turns[0].text)
        elapsed = time.monotonic() - started
    finally:
        os.kill(registry.process.pid, signal.SIGCONT)
    assert response.status_code == 200 and says(*APOLOGY)(response.json()) is None, response.text
    timeout = scaled.stack.settings.registry.timeout
    # One attempt (reads are not retried) plus NLU and the turn's own work.
    assert elapsed < timeout + 5, f"apology after {elapsed:.1f}s (registry timeout {timeout}s)"
    _continue_after(scaled, conversation, 0, apologised=1)


def test_a_registry_that_is_down_gets_an_apology_and_when_it_is_back_the_next_turn_works(scaled: Scaled):
    registry = scaled.stack.service("registry")
    conversation = newborn(scaled.registry(), "down-registry")
    registry.stop()
    try:
        response = scaled.say(conversation.sender, conversation.turns[0].text)
        assert response.status_code == 200 and says(*APOLOGY)(response.json()) is None, response.text
    finally:
        registry.start().wait_ready(60)
    _continue_after(scaled, conversation, 0, apologised=1)


def test_a_rasa_replica_killed_mid_load_loses_no_turn(scaled: Scaled):
    registry = scaled.registry()
    conversations = [newborn(registry, "kill", i) for i in range(6)]
    victim = scaled.stack.replicas()[0]
    killed = threading.Event()

    def kill_during_second_turns(conversation: Conversation, turn: int) -> None:
        if turn == 1 and conversation is conversations[0] and not killed.is_set():
            killed.set()
            os.killpg(victim.process.pid, signal.SIGKILL)

    try:
        problems = run_conversations(scaled, conversations, workers=6, between_turns=kill_during_second_turns)
        assert killed.is_set()
        assert problems == []
        for conversation in conversations:  # every turn kept once, in order
            assert scaled.user_texts(conversation.sender) == [t.text for t in conversation.turns]
    finally:
        victim.process.wait()
        victim.start().wait_ready(180)


def test_action_servers_restarting_one_at_a_time_are_not_noticed(scaled: Scaled):
    conversation = newborn(scaled.registry(), "actions-restart")
    for i, server in enumerate(scaled.stack.action_servers()):
        server.stop()
        try:
            response = scaled.say(conversation.sender, conversation.turns[i].text)
            assert response.status_code == 200
            assert conversation.turns[i].check(response.json()) is None, response.text
        finally:
            server.start().wait_ready(60)
    _continue_after(scaled, conversation, 2)


def test_redis_restarting_loses_nothing_and_needs_no_hand(scaled: Scaled):
    redis = scaled.infrastructure.redis
    conversation = newborn(scaled.registry(), "redis-restart")
    response = scaled.say(conversation.sender, conversation.turns[0].text)
    assert conversation.turns[0].check(response.json()) is None
    redis.stop()
    redis.start().wait_ready()
    _continue_after(scaled, conversation, 1)


def test_postgresql_restarting_loses_nothing_and_needs_no_hand(scaled: Scaled):
    postgres = scaled.infrastructure.postgres
    registry_url = scaled.stack.service("registry").url
    auth = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
    citizen = f"pg-restart-{uuid.uuid4().hex[:8]}"
    requests.post(
        f"{registry_url}/citizens/{citizen}/materials", json={"material": "id_card"}, headers=auth, timeout=10
    ).raise_for_status()
    conversation = newborn(scaled.registry(), "pg-restart")
    response = scaled.say(conversation.sender, conversation.turns[0].text)
    assert conversation.turns[0].check(response.json()) is None
    postgres.stop()
    postgres.start()
    _continue_after(scaled, conversation, 1)
    held = requests.get(f"{registry_url}/citizens/{citizen}/materials", headers=auth, timeout=10).json()
    assert [m["material"] for m in held["materials"]] == ["id_card"]
    staff = bearer(scaled.stack.settings, "tester")
    queue = requests.get(f"{scaled.stack.service('web').url}/console/api/queue", headers=staff, timeout=30)
    assert queue.status_code == 200, queue.text  # the console reads the event broker's table again
