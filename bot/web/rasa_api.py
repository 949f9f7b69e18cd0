"""The web server's one client of the Rasa server's HTTP API (``--enable-api``, token in the query).

The console never keeps its own copy of a conversation: it reads the tracker,
appends Rasa's own events (``pause``, ``resume``, ``slot``) and runs actions
through this API, so the Rasa server stays the only owner of dialogue state.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from bot.settings import Settings


class RasaUnavailable(RuntimeError):
    """The Rasa server did not answer (or failed); the console shows "try again"."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self._params = {"token": token}

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        return cls(settings.rasa.url, settings.secrets.rasa_api_token)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            # A plain request each time: calls come from many worker threads, all on loopback.
            response = requests.request(
                method, self.base_url + path, params={**self._params, **kwargs.pop("params", {})},
                timeout=self.timeout, **kwargs,
            )  # fmt: skip
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa server unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa server answered {response.status_code}: {response.text[:200]}")
        return response.json()

    @staticmethod
    def _conversation(conversation_id: str) -> str:
        return f"/conversations/{quote(conversation_id, safe='')}"

    def parse(self, text: str) -> dict[str, Any]:
        """NLU only (``/model/parse``): intent ranking and entities; nothing is stored."""
        return self._request("POST", "/model/parse", json={"text": text})

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return self._request("GET", self._conversation(conversation_id) + "/tracker")

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self._request("POST", self._conversation(conversation_id) + "/tracker/events", json=events)

    def execute(self, conversation_id: str, action: str) -> dict[str, Any]:
        """Run one action now; what it says goes to the person's own (latest) channel."""
        return self._request(
            "POST",
            self._conversation(conversation_id) + "/execute",
            params={"output_channel": "latest"},
            json={"name": action},
        )
