"""The Socket.IO channel the web widget talks to: Rasa's own, with two faults of 3.6 fixed.

Rasa 3.6's socketio channel, with the python-socketio that Rasa 3.6.21 installs:

1. ``session_request`` calls ``sio.enter_room(...)`` without ``await``; in this
   python-socketio ``AsyncServer.enter_room`` is a coroutine, so the socket never
   joins its conversation's room and, with ``session_persistence``, no reply (and no
   staff message) ever reaches the browser.
2. ``SocketIOOutput.send_custom_json`` passes the custom payload as keyword
   arguments to ``AsyncServer.emit`` (``emit("bot_uttered", type="checklist", …)``),
   which raises ``TypeError``: a checklist card never reaches a Socket.IO client.

This subclass keeps everything else of Rasa's channel (its name ``socketio``, which
``output_channel=latest`` uses to answer through it when the staff console speaks;
the events; rooms by session id) and replaces those two handlers. It also reads the
client's events defensively (a non-object, a non-string message or session id, or
metadata that is not an object is dropped, never an exception). A message that
carries a custom payload goes out as *one* event:

    {"text": …, "quick_replies": […], "custom": {"type": "checklist", …}}

so the widget can show the card in place of its plain-text rendering (the text stays
for clients that do not know the card). Messages without a payload are sent exactly
as Rasa sends them (text split on blank lines, buttons as ``quick_replies``).

credentials.yml names it ``bot.web.channel.WebChatInput``. With several Rasa replicas the
``AsyncServer`` gets a Redis client manager (bot/ops/shared_socketio.py). The blueprint is
built here from Rasa's parts (the supported way for a custom channel), so nothing of Rasa's
is patched over; tests/rasa_compat/test_socketio_channel.py compares it with Rasa's.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.ops.shared_socketio import replica_manager
from bot.privacy.redact import redact

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
MAX_MESSAGE_CHARS = 5000


def _quick_replies(message: dict[str, Any]) -> list[dict[str, Any]]:
    buttons = message.get("quick_replies") or message.get("buttons") or []
    return [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]


class WebChatOutput(SocketIOOutput):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        custom = message.get("custom")
        if not isinstance(custom, dict):
            await super().send_response(recipient_id, message)
            return
        event: dict[str, Any] = {"custom": custom}
        if message.get("text"):
            event["text"] = message["text"]
        replies = _quick_replies(message)
        if replies:
            event["quick_replies"] = replies
        await self.sio.emit(self.bot_message_evt, event, room=recipient_id)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.sio.emit(self.bot_message_evt, {"custom": json_message}, room=recipient_id)


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


class WebChatInput(SocketIOInput):
    """Rasa's Socket.IO input channel, joining rooms properly and answering through :class:`WebChatOutput`."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> WebChatOutput | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's Socket.IO blueprint (same server options, route, connect and disconnect handlers),
        with our session and message handlers, built here rather than patched over Rasa's."""
        # Several Rasa replicas: a Redis manager, so emits reach sockets held by any of them.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=replica_manager())
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio  # get_output_channel answers through it (output_channel=latest)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            if self.jwt_key:  # Rasa's check of a JSON Web Token, when the channel has a key
                token = auth.get("token") if auth else None
                if not token or not decode_bearer_token(token, self.jwt_key, self.jwt_algorithm):
                    return False
            log.debug("User %s connected to socketIO endpoint.", sid)
            return True

        async def disconnect(sid: str) -> None:
            log.debug("User %s disconnected from socketIO endpoint.", sid)

        async def session_request(sid: str, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = (
                requested if isinstance(requested, str) and SESSION_ID.match(requested) else uuid.uuid4().hex
            )
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            text = data.get("message")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                log.warning(
                    "socketio: dropped a message that is not a string of at most %d characters",
                    MAX_MESSAGE_CHARS,
                )
                return
            sender: str | None = sid
            if self.session_persistence:
                sender = data.get("session_id")
                if not isinstance(sender, str) or not SESSION_ID.match(sender):
                    log.warning("socketio: dropped a message without a valid session_id")
                    return
            message = UserMessage(
                redact(text),  # ID-card, phone and bank-card numbers never reach the tracker or logs
                WebChatOutput(sio, self.bot_message_evt),
                sender,
                input_channel=self.name(),
                metadata=_metadata(data.get(self.metadata_key)),
            )
            await on_new_message(message)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
