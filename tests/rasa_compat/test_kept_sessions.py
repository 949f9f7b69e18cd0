"""Rasa's calls to the action server over kept connections: the same requests and answers as
Rasa's own session a call, on one connection (bot/rasa_compat/kept_sessions.py)."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from rasa.utils import endpoints
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_compat import kept_sessions

RASA = Path(endpoints.__file__).parents[1]


@pytest.fixture
def rasas() -> Iterator[None]:
    kept_sessions.uninstall()
    yield
    kept_sessions.uninstall()


def test_rasa_uses_its_session_only_for_one_async_with() -> None:
    """The kept session is left open at the end of ``async with``; every use of ``session()`` in
    Rasa is one, and ``request`` still gets its session there."""
    uses = []
    for path in RASA.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        uses += [(path.name, line.strip()) for line in lines if re.search(r"\.session\(\)", line)]
    uses = [use for use in uses if "requests.session()" not in use[1]]  # the requests library's
    assert uses and all(line.startswith("async with ") for _, line in uses), uses
    assert "async with self.session() as session:" in inspect.getsource(EndpointConfig.request)
    assert list(inspect.signature(EndpointConfig.session).parameters) == ["self"]


async def _options(session: aiohttp.ClientSession) -> tuple:
    try:
        return (dict(session.headers), session.auth, session.timeout)
    finally:
        await session.close()


def test_the_kept_session_has_rasas_options() -> None:
    endpoint = EndpointConfig(
        "http://127.0.0.1:1/webhook", headers={"X-A": "b"}, basic_auth={"username": "u", "password": "p"}
    )

    async def both() -> tuple[tuple, tuple]:
        return await _options(kept_sessions.rasa_session(endpoint)), await _options(
            kept_sessions.new_session(endpoint)
        )

    rasas, ours = asyncio.run(both())
    assert ours == rasas


class _Server:
    """An action-server stand-in that echoes each request and counts connections."""

    def __init__(self) -> None:
        self.connections: set[int] = set()

    async def webhook(self, request: web.Request) -> web.Response:
        self.connections.add(id(request.transport))
        if request.query.get("fail"):
            return web.Response(status=500, text="broken")
        body = await request.json()
        return web.json_response(
            {"got": body, "params": dict(request.query), "auth": request.headers.get("X-A")}
        )


async def _calls(installed: bool) -> tuple[list, int]:
    server = _Server()
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    if installed:
        kept_sessions.install()
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-A": "b"}, token="t")
        answers: list = []
        for n in range(3):
            answers.append(await endpoint.request(json={"n": n}, method="post", timeout=10))
        try:
            await endpoint.request(json={}, method="post", params={"fail": "1"})
        except endpoints.ClientResponseError as error:
            answers.append((error.status, error.message, error.text))
        return answers, len(server.connections)
    finally:
        kept_sessions.uninstall()
        for by_key in kept_sessions._kept.values():
            for session in by_key.values():
                await session.close()
        await runner.cleanup()


def test_requests_and_errors_are_rasas_on_one_connection(rasas: None) -> None:
    rasas_answers, rasas_connections = asyncio.run(_calls(installed=False))
    ours, our_connections = asyncio.run(_calls(installed=True))
    assert ours == rasas_answers
    assert json.dumps(ours[0]) == json.dumps({"got": {"n": 0}, "params": {"token": "t"}, "auth": "b"})
    assert rasas_connections == 4 and our_connections == 1


def test_each_event_loop_and_endpoint_setting_has_its_own_session() -> None:
    a = EndpointConfig("http://127.0.0.1:1/a", headers={"X": "1"})
    b = EndpointConfig("http://127.0.0.1:1/b", headers={"X": "1"})
    c = EndpointConfig("http://127.0.0.1:1/c", headers={"X": "2"})

    async def sessions() -> list[aiohttp.ClientSession]:
        found = [kept_sessions.kept_session(e) for e in (a, b, c)]
        for session in {id(s): s for s in found}.values():
            await session.close()
        return found

    first, second = asyncio.run(sessions()), asyncio.run(sessions())
    assert first[0] is first[1] and first[0] is not first[2]
    assert second[0] is not first[0]


def test_idle_connections_close_before_the_action_servers_do() -> None:
    from sanic.config import DEFAULT_CONFIG

    sanics = DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]
    assert isinstance(sanics, int | float) and sanics > kept_sessions.IDLE_CLOSE_S


def test_install_is_idempotent_and_the_launcher_installs_it(
    rasas: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rasa.__main__

    from bot.rasa_compat import __main__ as launcher
    from bot.rasa_compat import action_reply

    kept_sessions.install()
    kept_sessions.install()
    assert kept_sessions.installed()
    kept_sessions.uninstall()
    assert not kept_sessions.installed()
    seen: list[bool] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(kept_sessions.installed()))
    try:
        launcher.main()
    finally:
        action_reply.uninstall()
    assert seen == [True]
