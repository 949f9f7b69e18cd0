"""Rasa's REST channel (``/webhooks/rest/webhook``), strict about its input and redacting it.

Rasa's own handler reads ``request.json.get(...)`` unchecked, so a body that is not a
JSON object, or a sender or message that is not a string, ends in a 500 (or a
message of ``None`` handed to the bot); and when the bot fails it answers 200 with
an empty list, which a client cannot tell from "nothing to say". Here a bad body is
a 400 that reaches nothing, the text is redacted (bot/privacy/redact.py) before the
bot or a log sees it, and a failed turn is a 503 the client can retry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.privacy.redact import redact

logger = logging.getLogger(__name__)

# What the tracker store can key a conversation by: 1-255 characters, none of them control characters.
SENDER_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,255}\Z")
MAX_MESSAGE_CHARS = 5000
MAX_BODY_BYTES = 64 * 1024


class BadMessage(ValueError):
    """A request body that is not one person's message: answered 400."""


def parse_body(request: Request) -> tuple[str, str, dict[str, Any] | None]:
    """(sender, text, metadata) from a request body, or :class:`BadMessage` saying what is wrong."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise BadMessage(f"body over {MAX_BODY_BYTES} bytes")
    try:
        body = request.json
    except Exception as exc:  # Sanic raises its own InvalidUsage for malformed JSON
        raise BadMessage("body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadMessage("body must be a JSON object")
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not SENDER_ID.match(sender):
        raise BadMessage("sender must be a string of 1-255 characters without control characters")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"message must be a non-blank string of at most {MAX_MESSAGE_CHARS} characters")
    if "\x00" in text:
        raise BadMessage("message contains a NUL character")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadMessage("metadata must be a JSON object")
    return sender, redact(text), metadata


class RestInput(RasaRestInput):
    """The ``rest`` channel: same URL and answer format as Rasa's, checked input, redacted text."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("onceonly_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request)
            except BadMessage as exc:
                return response.json({"error": {"code": "bad_message", "message": str(exc)}}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(message)
            except Exception as exc:
                logger.error("the bot failed on a rest message (%s)", type(exc).__name__)
                return response.json(
                    {"error": {"code": "unavailable", "message": "the bot could not answer; try again"}},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
