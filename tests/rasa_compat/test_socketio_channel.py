"""The web widget's Socket.IO channel builds its blueprint from Rasa's parts instead of patching
Rasa's: what it keeps of Rasa's (server options, route, connect and disconnect) behaves as Rasa's."""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import pytest
import socketio
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput

from bot.settings import override_settings
from bot.web.channel import WebChatInput, WebChatOutput

CREDENTIALS = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "metadata",
}
JWT_KEY = "onceonly-test-jwt-key"


async def _ignore(_: Any) -> None:
    return None


def _built(cls: type[SocketIOInput], **extra: Any) -> tuple[SocketIOInput, SocketBlueprint]:
    channel = cls.from_credentials({**CREDENTIALS, **extra})
    blueprint = channel.blueprint(_ignore)
    assert isinstance(blueprint, SocketBlueprint)
    return channel, blueprint


def _routes(blueprint: SocketBlueprint) -> set[tuple[str, frozenset[str]]]:
    return {(route.uri, route.methods) for route in blueprint._future_routes}


def test_the_blueprint_is_rasas_with_our_handlers() -> None:
    (rasa, rasas), (ours, our_blueprint) = _built(SocketIOInput), _built(WebChatInput)
    assert ours.name() == rasa.name() == "socketio"
    assert our_blueprint.name == rasas.name
    assert _routes(our_blueprint) == _routes(rasas)
    assert our_blueprint.ctx.socketio_path == rasas.ctx.socketio_path == "/socket.io"
    sio, rasa_sio = our_blueprint.ctx.sio, rasas.ctx.sio
    assert ours.sio is sio and rasa.sio is rasa_sio
    assert sio.async_mode == rasa_sio.async_mode == "sanic"
    assert sio.eio.cors_allowed_origins == rasa_sio.eio.cors_allowed_origins == []
    assert set(sio.handlers) == set(rasa_sio.handlers) == {"/"}
    assert set(sio.handlers["/"]) == set(rasa_sio.handlers["/"])
    assert sio.handlers["/"]["session_request"].__module__ == "bot.web.channel"
    assert isinstance(ours.get_output_channel(), WebChatOutput)


@pytest.mark.parametrize("jwt_key", [None, JWT_KEY])
def test_connecting_is_allowed_and_refused_as_by_rasa(jwt_key: str | None) -> None:
    extra = {"jwt_key": jwt_key} if jwt_key else {}
    (_, rasas), (_, ours) = _built(SocketIOInput, **extra), _built(WebChatInput, **extra)
    token = jwt.encode({"user": {"username": "citizen"}}, JWT_KEY, algorithm="HS256")
    auths = [None, {}, {"token": ""}, {"token": token}, {"token": f"Bearer {token}"}, {"token": "nonsense"}]

    async def answers(blueprint: SocketBlueprint) -> list[bool]:
        connect = blueprint.ctx.sio.handlers["/"]["connect"]
        return [await connect("sid-1", {}, auth) for auth in auths]

    expected = asyncio.run(answers(rasas))
    assert asyncio.run(answers(ours)) == expected
    assert expected == ([True] * len(auths) if jwt_key is None else [False, False, False, True, True, False])


def test_with_redis_the_server_is_made_with_the_redis_manager() -> None:
    with override_settings(redis_url="redis://127.0.0.1:9/0"):
        _, blueprint = _built(WebChatInput)
    sio = blueprint.ctx.sio
    assert isinstance(sio.manager, socketio.AsyncRedisManager)
    assert sio.manager.server is sio
    with override_settings(redis_url=""):
        _, blueprint = _built(WebChatInput)
    assert type(blueprint.ctx.sio.manager) is socketio.AsyncManager


def test_a_custom_payload_goes_out_as_one_event_to_the_conversations_room() -> None:
    sent: list[tuple[Any, ...]] = []

    class Server:
        async def emit(self, *args: Any, **kwargs: Any) -> None:
            sent.append((*args, kwargs))

    output = WebChatOutput(Server(), "bot_uttered")  # type: ignore[arg-type]
    card = {"type": "checklist", "items": []}
    asyncio.run(output.send_custom_json("room-1", card))
    asyncio.run(output.send_response("room-1", {"text": "好的", "custom": card, "buttons": []}))
    assert sent == [
        ("bot_uttered", {"custom": card}, {"room": "room-1"}),
        ("bot_uttered", {"custom": card, "text": "好的"}, {"room": "room-1"}),
    ]
