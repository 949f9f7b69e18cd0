"""Shared fixtures: the real registry data, and real services started as processes."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.ops.local_postgres import LocalPostgres
from bot.ops.procs import Service, free_port
from bot.registry.files import Registry, load_registry
from bot.settings import ROOT

REGISTRY_TOKEN = "test-registry-token"
# The scaled stack (PostgreSQL, Redis, replicas behind nginx) for the scale and privacy tests.
pytest_plugins = ["tests.scaled_stack"]
# The stack's Telegram bot (tests/channels/): Rasa's Telegram channel is on only with a token,
# and a private stack's platform APIs are local fakes (bot/ops/stack.py, settings_on_free_ports).
TELEGRAM_TEST_SETTINGS = {
    "telegram_access_token": "123456:onceonly-test-token",
    "telegram_verify": "onceonly_test_bot",
    "telegram_webhook_url": "https://onceonly.example.org/webhooks/telegram/webhook",
    "telegram_secret_token": "onceonly-test-secret",
}


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(ROOT / "data" / "registry")


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the suite's own, started once and thrown away at the end."""
    base = Path(tempfile.mkdtemp(prefix="onceonly-pg-"))
    server = LocalPostgres(base, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def start_registry(tmp: Path, db_url: str = "", **env: str) -> Service:
    port = free_port()
    service = Service(
        name="registry",
        argv=[sys.executable, "-m", "bot", "registry", "serve"],
        url=f"http://127.0.0.1:{port}",
        log_path=tmp / "registry.log",
        env={
            "ONCEONLY_REGISTRY_PORT": str(port),
            "ONCEONLY_VAR_DIR": str(tmp / "var"),
            "ONCEONLY_REGISTRY_DB_URL": db_url,
            "ONCEONLY_REGISTRY_TOKEN": REGISTRY_TOKEN,
            **env,
        },
        cwd=ROOT,
    )
    return service.start().wait_ready(60)


def start_web(tmp: Path, registry: Service, port: int | None = None, **env: str) -> Service:
    """A web server (``python -m bot web serve``) on ``port`` (a free one by default) in front of
    ``registry``; not waited for, so that the caller's ``try`` stops it however its start goes."""
    port = port or free_port()
    service = Service(
        "web",
        [sys.executable, "-m", "bot", "web", "serve"],
        f"http://127.0.0.1:{port}",
        tmp / "web.log",
        env={
            **env,
            "ONCEONLY_WEB_PORT": str(port),
            "ONCEONLY_VAR_DIR": str(tmp / "var"),
            "ONCEONLY_REGISTRY_URL": registry.url,
            "ONCEONLY_REGISTRY_TOKEN": REGISTRY_TOKEN,
        },
        cwd=ROOT,
    )
    return service.start()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The registry as a started HTTP service, on SQLite and on PostgreSQL: (base URL, db URL)."""
    tmp = tmp_path_factory.mktemp(f"registry-{request.param}")
    db_url = ""
    if request.param == "postgresql":
        pg: LocalPostgres = request.getfixturevalue("postgres")
        db_url = pg.create_database(f"registry_{tmp.name.replace('-', '_')}")
    service = start_registry(tmp, db_url)
    try:
        yield service.url, db_url or f"sqlite:///{tmp / 'var' / 'registry.sqlite3'}"
    finally:
        service.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The whole system (registry, action server, Rasa server) on free ports, as `make run` starts it.

    Uses the newest model in models/ (`make test` trains one first when data changed).
    """
    from bot.nlu.cli import latest_model
    from bot.ops.stack import Stack, settings_on_free_ports

    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    tmp = tmp_path_factory.mktemp("stack")
    # Staff are always "in" here, so 转人工 reaches the queue whenever the suite runs; the after-hours
    # callback has its own stack (tests/callback/).
    settings = settings_on_free_ports(
        tmp / "var", registry_token=REGISTRY_TOKEN, office_hours="always", **TELEGRAM_TEST_SETTINGS
    )
    running = Stack(settings, model, tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


class Chat:
    """One person's conversation through the Rasa server's REST channel."""

    def __init__(self, rasa_url: str, sender: str, metadata: dict | None = None) -> None:
        self.url, self.sender, self.metadata = rasa_url + "/webhooks/rest/webhook", sender, metadata

    def say(self, text: str) -> list[dict]:
        import requests

        body = {"sender": self.sender, "message": text}
        if self.metadata is not None:
            body["metadata"] = self.metadata
        response = requests.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    @staticmethod
    def text(messages: list[dict]) -> str:
        return "\n".join(m.get("text", "") for m in messages if m.get("text"))

    @staticmethod
    def buttons(messages: list[dict]) -> list[str]:
        return [b["title"] for m in messages for b in m.get("buttons") or []]

    @staticmethod
    def card(messages: list[dict]) -> dict | None:
        return next(
            (m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "checklist"), None
        )


@pytest.fixture
def chat(stack, request: pytest.FixtureRequest):
    """Start a fresh conversation: ``chat()`` or ``chat(metadata={...})``."""
    import re
    import uuid

    # A parametrised test's name holds brackets and escapes: not for a URL path (the tracker's).
    name = re.sub(r"[^A-Za-z0-9_-]", "_", request.node.name)[:40]

    def start(metadata: dict | None = None) -> Chat:
        return Chat(stack.service("rasa").url, f"test-{name}-{uuid.uuid4().hex[:8]}", metadata)

    return start


def rasa_tracker(stack, conversation_id: str) -> dict[str, Any]:
    """A conversation's tracker, read straight from the Rasa server's HTTP API (with its token)."""
    response = requests.get(
        f"{stack.service('rasa').url}/conversations/{conversation_id}/tracker",
        params={"token": stack.settings.secrets.rasa_api_token},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="session")
def tracker(stack) -> Callable[[str], dict[str, Any]]:
    """``tracker(conversation_id)``: :func:`rasa_tracker` on the suite's stack."""
    return lambda conversation_id: rasa_tracker(stack, conversation_id)
