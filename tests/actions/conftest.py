"""Running the custom actions on tracker fixtures, against the registry over real HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.identity import sign_citizen_token

FIXTURES = Path(__file__).parent.parent / "fixtures" / "trackers"


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

    monkeypatch.setattr(context.registry, "base_url", registry_service[0])
    monkeypatch.setattr(context.registry, "_token", REGISTRY_TOKEN)
    monkeypatch.setattr(context.scenario_names, "_names", {})

    def _run(action_class: type, tracker: Tracker) -> tuple[list[dict], list[dict]]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action_class().run(dispatcher, tracker, {}))
        return dispatcher.messages, events

    return _run


@pytest.fixture
def citizen_token():
    from actions.context import settings

    return lambda citizen: sign_citizen_token(citizen, settings.citizen_token_secret)


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
