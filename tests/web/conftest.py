"""Fixtures for the web tests: the running stack's web server, a real browser, a real Socket.IO client.

The browser is Debian's /usr/bin/chromium driven by playwright-core from
bot/web/node_modules (``make web-deps`` installs both); a missing piece fails the
test with what to run, it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT
from tests.accounts.helpers import PASSWORD, account, bearer

BROWSER_SCRIPT = Path(__file__).with_name("browser.mjs")
NODE_MODULES = ROOT / "bot" / "web" / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
STAFF = "tester"
# The console accounts browser.mjs signs in as (each made, as hotline staff, before a scenario runs).
BROWSER_STAFF = ("zhang-san", "li-si", "wang-wu")


def _browser_prerequisites() -> None:
    missing = [
        what
        for what, ok in (
            ("node (apt nodejs)", shutil.which("node") is not None),
            ("/usr/bin/chromium (apt chromium)", CHROMIUM.exists()),
            ("bot/web/node_modules (npm ci)", (NODE_MODULES / "playwright-core").is_dir()),
            ("axe-core (npm ci)", (NODE_MODULES / "axe-core").is_dir()),
        )
        if not ok
    ]
    assert not missing, f"browser tests need {', '.join(missing)}: run `make web-deps`"


@pytest.fixture(scope="session")
def web(stack) -> str:
    return stack.service("web").url


@pytest.fixture(scope="session")
def rasa(stack) -> str:
    return stack.service("rasa").url


@pytest.fixture(scope="session")
def staff_headers(stack) -> dict[str, str]:
    return bearer(stack.settings, STAFF)


def run_browser(stack, scenario: str, timeout: float = 120, **config: Any) -> dict[str, Any]:
    """Run one scenario of browser.mjs against ``stack`` (any running stack) and return what it saw."""
    _browser_prerequisites()
    urls = {service.name: service.url for service in stack.services}
    staff = [*BROWSER_STAFF, *([config["staff"]] if config.get("staff") else [])]
    for name in staff:
        account(stack.settings, name)  # an existing account keeps its role
    config = {
        "web": urls["web"],
        "rasa": urls.get("rasa", ""),  # a site without Rasa (the directory's) has none
        "staffToken": stack.settings.secrets.staff_token,  # the machine door (scripts' bearer)
        "staffPassword": PASSWORD,
        "chromium": str(CHROMIUM),
        **config,
    }
    done = subprocess.run(
        ["node", str(BROWSER_SCRIPT), scenario, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"browser scenario {scenario} failed:\n{done.stderr[-4000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["pageErrors"] == [], result["pageErrors"]
    return result


@pytest.fixture(scope="session")
def browser(stack, web: str, rasa: str) -> Callable[..., dict[str, Any]]:
    """``browser("checklist", say=…)`` runs one scenario of browser.mjs and returns what it saw."""
    _browser_prerequisites()

    def run(scenario: str, timeout: float = 120, **config: Any) -> dict[str, Any]:
        return run_browser(stack, scenario, timeout, **{"web": web, "rasa": rasa, **config})

    return run


class SocketChat:
    """A citizen's widget conversation without the page: python-socketio over a WebSocket, as browsers connect."""

    def __init__(self, rasa_url: str, session_id: str | None = None) -> None:
        import socketio

        self.messages: list[dict[str, Any]] = []
        self.session_id: str | None = None
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", self._confirmed)
        self.client.on("bot_uttered", self.messages.append)
        self.client.connect(rasa_url, transports=["websocket"])
        self.client.emit("session_request", {"session_id": session_id})
        self.wait(lambda: self.session_id is not None)

    def _confirmed(self, session_id: str) -> None:
        self.session_id = session_id

    def wait(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out; messages so far: {self.messages}"
            time.sleep(0.05)

    def say(self, text: str, replies: int = 1, metadata: dict | None = None) -> list[dict[str, Any]]:
        start = len(self.messages)
        body: dict[str, Any] = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            body["metadata"] = metadata
        self.client.emit("user_uttered", body)
        self.wait(lambda: len(self.messages) >= start + replies)
        return self.messages[start:]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def socket_chat(rasa: str) -> Iterator[Callable[..., SocketChat]]:
    opened: list[SocketChat] = []

    def start(session_id: str | None = None) -> SocketChat:
        opened.append(SocketChat(rasa, session_id))
        return opened[-1]

    yield start
    for chat in opened:
        chat.close()
