"""The scaled stack (PostgreSQL, Redis, 2 Rasa servers, 2 action servers, nginx), started once per session.

Started as ``make run-scaled`` starts it (bot/ops/scaled.py), on free ports, in a
directory of the session's own. Fault tests stop and restart its parts; each one
leaves it whole again. Registered as a plugin by tests/conftest.py, so the scale and
privacy tests share one running stack.
"""

from __future__ import annotations

import concurrent.futures
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.ops.scaled import Infrastructure, ScaledStack
from bot.scale.script import Conversation, Registry
from tests.conftest import REGISTRY_TOKEN


@dataclass
class Scaled:
    stack: ScaledStack
    infrastructure: Infrastructure

    @property
    def url(self) -> str:
        """The load balancer: where clients talk to Rasa."""
        return f"http://127.0.0.1:{self.stack.settings.rasa.port}"

    @property
    def token(self) -> str:
        return self.stack.settings.secrets.rasa_api_token

    def say(self, sender: str, text: str, url: str | None = None, timeout: float = 90) -> requests.Response:
        return requests.post(
            (url or self.url) + "/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.tracker(sender)["events"] if e["event"] == "user"]

    def registry(self) -> Registry:
        return Registry(self.stack.service("registry").url, REGISTRY_TOKEN)


@pytest.fixture(scope="session")
def scaled() -> Iterator[Scaled]:
    from bot.nlu.cli import latest_model
    from bot.ops.stack import settings_on_free_ports

    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    # Not under pytest's temporary directory: PostgreSQL (as ``postgres``) and nginx's workers (as
    # ``nobody``) must reach their directories, and each new pytest session makes pytest's private.
    tmp = Path(tempfile.mkdtemp(prefix="onceonly-scaled-"))
    infrastructure = Infrastructure(tmp / "infra")
    settings = infrastructure.start(settings_on_free_ports(tmp / "var", registry_token=REGISTRY_TOKEN))
    stack = ScaledStack(settings, model, tmp / "logs")
    try:
        stack.start()
    except Exception:
        infrastructure.stop()
        raise
    try:
        yield Scaled(stack, infrastructure)
    finally:
        stack.stop()
        infrastructure.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run_conversations(
    scaled: Scaled, conversations: list[Conversation], workers: int, between_turns: Any = None
) -> list[str]:
    """Run each conversation's turns in order (conversations side by side); every problem found."""

    def run(conversation: Conversation) -> list[str]:
        problems = []
        for i, turn in enumerate(conversation.turns):
            if between_turns is not None:
                between_turns(conversation, i)
            try:
                response = scaled.say(conversation.sender, turn.text)
            except requests.RequestException as exc:
                problems.append(f"{conversation.sender} turn {i}: {type(exc).__name__}")
                continue
            if response.status_code != 200:
                problems.append(f"{conversation.sender} turn {i}: HTTP {response.status_code}")
                continue
            problem = turn.check(response.json())
            if problem:
                problems.append(f"{conversation.sender} turn {i}: {problem}")
        return problems

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return [p for found in pool.map(run, conversations) for p in found]
