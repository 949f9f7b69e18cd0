"""What every action shares: the registry client, who the person is, how to apologise.

Settings are read where an action needs them, with ``bot.settings.get_settings()``."""

from __future__ import annotations

import logging
import time
from typing import Any

import pluggy
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from bot.identity import citizen_from_metadata
from bot.nlu.interruptions import load_interruptions
from bot.registry.async_client import AsyncRegistryClient
from bot.settings import get_settings

log = logging.getLogger(__name__)
# The registry of the settings in force at each request (tests change them with override_settings),
# awaited on the action server's event loop through one pooled session (bot/registry/async_client.py).
registry = AsyncRegistryClient.from_settings()


class ClosesRegistryOnStop:
    """A rasa_sdk plugin: the action server closes the registry's pooled connections as it stops.

    rasa_sdk's own extension point (rasa_sdk/plugin.py): ``python -m rasa_sdk --actions actions``
    imports this package while making its Sanic app, then has every registered plugin attach
    its listeners to that app."""

    NAME = "onceonly-registry-client"

    @pluggy.HookimplMarker("rasa_sdk")
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.register_listener(close_registry, "after_server_stop")


async def close_registry(_app: Sanic, _loop: object) -> None:
    await registry.close()


if not plugin_manager().has_plugin(ClosesRegistryOnStop.NAME):  # once, though actions may be re-imported
    plugin_manager().register(ClosesRegistryOnStop(), name=ClosesRegistryOnStop.NAME)

# Requests that interrupt a question the bot asked: a form hands such a reply back to the rules,
# which answer it (and resume the question) or leave the form. The rules are generated from the
# same list (data/interruptions.yml), so the two cannot drift apart.
INTERRUPTIONS = load_interruptions().intents

FOLLOWUP_BUTTONS = [
    {"title": "为什么这些免提交", "payload": "/ask_why_exempt"},
    {"title": "要多久", "payload": "/ask_duration"},
    {"title": "涉及哪些部门", "payload": "/ask_departments"},
    {"title": "在哪办", "payload": "/ask_where_apply"},
    {"title": "办别的事", "payload": "/switch_scenario"},
    {"title": "转人工", "payload": "/human_handoff"},
]


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata the channel sent with the person's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return tracker.latest_message.get("metadata") or {}


def is_fresh_reply(tracker: Tracker, form: str) -> bool:
    """Whether a form's validation is reading a new reply, not re-running after an interruption.

    Rasa calls the validation action on a copy of the tracker that ends with the form's own
    execution; the reply is fresh when no other action ran since the person's last message.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (form, "action_listen"):
            return False
    return False


def verified_citizen(tracker: Tracker) -> str | None:
    """The citizen id from a genuine signed token, or None: never a bare id from the client."""
    return citizen_from_metadata(latest_metadata(tracker), get_settings().secrets.citizen_token_secret)


def apologise_unavailable(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_registry_unavailable", hotline=get_settings().contact.hotline)


class ScenarioNames:
    """Registry scenario ids and names, refreshed every minute: buttons need names, the model ids."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl, self._at = ttl, 0.0
        self._names: dict[str, str] = {}

    async def get(self) -> dict[str, str]:
        if time.monotonic() - self._at > self.ttl or not self._names:
            listed = await registry.search_scenarios(None, 500)
            self._names = {s["id"]: s["name"] for s in listed}
            self._at = time.monotonic()
        return self._names


scenario_names = ScenarioNames()
