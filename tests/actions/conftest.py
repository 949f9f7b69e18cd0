"""Running the custom actions on tracker fixtures, against the registry over real HTTP."""

from __future__ import annotations

import asyncio
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.identity import sign_citizen_token
from bot.nlu import rerank
from bot.settings import get_settings, override_settings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trackers"
DOMAIN = Path(__file__).parent.parent.parent / "domain.yml"
# What the dispatcher records beside a response's own variables.
MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


@cache
def responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def said(message: dict[str, Any]) -> list[str]:
    """Every text a person may read for this message: its own text, or each variation of the
    domain response it names, filled in by Rasa's own interpolation with the action's variables."""
    from rasa.core.nlg.interpolator import interpolate_text

    if not message.get("response"):
        return [message["text"]]
    values = {k: v for k, v in message.items() if k not in MESSAGE_KEYS}
    return [interpolate_text(v["text"], values) for v in responses()[message["response"]]]


def load_tracker(name: str, **substitutions: str) -> Tracker:
    """A tracker as Rasa sends it to the action server; ``{placeholders}`` filled in (tokens expire)."""
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    for key, value in substitutions.items():
        text = text.replace("{" + key + "}", value)
    return Tracker.from_dict(json.loads(text))


@pytest.fixture(scope="package")
def registry_service(tmp_path_factory):
    """The actions only need one store; the service's own tests cover PostgreSQL."""
    from tests.conftest import start_registry

    service = start_registry(tmp_path_factory.mktemp("actions-registry"))
    yield service.url, ""
    service.stop()


@pytest.fixture
def run(registry_service, monkeypatch):
    """``run(ActionClass, tracker)`` → (messages, events), with the actions' registry client on the test service."""
    from actions import context
    from tests.conftest import REGISTRY_TOKEN

    monkeypatch.setattr(context.scenario_names, "_names", {})
    # The fixtures' parses are made up; which order the learned re-ranker would give them is
    # tests/nlu/test_rerank.py's concern, and the end-to-end tests run it for real.
    monkeypatch.setattr(rerank, "load", lambda *a, **k: None)

    def _run(action_class: type, tracker: Tracker) -> tuple[list[dict], list[dict]]:
        dispatcher = CollectingDispatcher()

        async def once() -> list[dict]:
            # Each run is its own event loop, as the action server's stop is: the client's session closes with it.
            try:
                return await action_class().run(dispatcher, tracker, {})
            finally:
                await context.registry.close()

        events = asyncio.run(once())
        return dispatcher.messages, events

    with override_settings(registry_url=registry_service[0], registry_token=REGISTRY_TOKEN):
        yield _run


@pytest.fixture
def citizen_token():
    return lambda citizen: sign_citizen_token(citizen, get_settings().secrets.citizen_token_secret)


def slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def stored(registry_service, sender: str) -> list[dict]:
    """The feedback the registry keeps for a conversation (read with the service token)."""
    import requests

    from tests.conftest import REGISTRY_TOKEN

    return requests.get(
        f"{registry_service[0]}/feedback/conversations/{sender}",
        headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
        timeout=10,
    ).json()["feedback"]
