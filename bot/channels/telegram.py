"""Telegram: Rasa's own channel (``rasa.core.channels.telegram``), made safe to run anywhere.

Rasa's channel talks to Telegram through aiogram 2, whose ``Bot`` takes a
``server=TelegramAPIServer`` that Rasa never passes; and it calls ``setWebhook``
while loading credentials, in a throw-away event loop, so an offline start fails.
This subclass keeps Rasa's webhook handler and output, and:

- takes the API base URL from the setting ``telegram_api_base`` (tests run a local
  fake of the Bot API there) via ``TelegramAPIServer.from_base``; building Rasa's output
  on that server goes past Rasa's constructor (bot/rasa_compat/telegram.py);
- is enabled only when a bot token is configured (``ONCEONLY_TELEGRAM_ACCESS_TOKEN``);
  without one its webhook answers 404, so ``make run`` works offline;
- sets the webhook after the server has started, in the server's loop, logging a
  failure instead of refusing to start (``/webhooks/telegram/set_webhook`` retries);
- checks Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header (403 otherwise) when a
  secret token is configured, and refuses bodies that are not Telegram updates (400)
  before aiogram sees them, so bad input never becomes a 500;
- shows buttons one per row (our labels are long), sends a number instead of a
  payload longer than Telegram's 64-byte ``callback_data`` and resolves typed or
  tapped numbers like the text-only channels (:mod:`bot.channels.number_replies`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.bot.api import Methods, TelegramAPIServer
from rasa.core.channels import telegram as rasa_telegram
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import number_replies
from bot.channels.channel_config import credential_values
from bot.channels.plain_text import pack
from bot.privacy.redact import redacting
from bot.rasa_compat.app import agent_of
from bot.rasa_compat.telegram import TelegramOutputOnServer
from bot.settings import get_settings

logger = logging.getLogger(__name__)

CREDENTIAL_KEYS = ("access_token", "verify", "webhook_url", "secret_token")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_BYTES = 64  # Bot API: InlineKeyboardButton.callback_data is 1-64 bytes
TEXT_LIMIT_CHARS = 4096  # Bot API: sendMessage text is 1-4096 characters
MAX_BODY_BYTES = 256 * 1024


class TelegramOutput(TelegramOutputOnServer):
    """Rasa's Telegram output, against a configurable Bot API server."""

    def __init__(self, access_token: str, server: TelegramAPIServer, secret_token: str = "") -> None:
        super().__init__(access_token, server)
        self.secret_token = secret_token

    async def set_webhook(self, url: str, **kwargs: Any) -> bool:
        """aiogram 2.15 predates ``secret_token``; send it with the other parameters."""
        payload = {"url": url, **{k: v for k, v in kwargs.items() if v is not None}}
        if self.secret_token:
            payload["secret_token"] = self.secret_token
        return bool(await self.request(Methods.SET_WEBHOOK, payload))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "vertical",
        **kwargs: Any,
    ) -> None:
        keyboard = [
            {**b, "payload": str(b.get("payload") or b["title"])}
            if len(str(b.get("payload") or b["title"]).encode("utf-8")) <= CALLBACK_DATA_BYTES
            else {**b, "payload": str(number)}
            for number, b in enumerate(buttons, 1)
        ]
        *leading, last = pack([text], TEXT_LIMIT_CHARS, len) or [text]
        for part in leading:
            await self.send_message(recipient_id, part)
        await super().send_text_with_buttons(recipient_id, last, keyboard, button_type=button_type, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        if json_message.get("type") == "checklist":
            return  # the web widget's card; the text message before it says the same
        await super().send_custom_json(recipient_id, json_message, **kwargs)


def _is_chat_message(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    chat = value.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool):
        return False
    if "text" in value and not isinstance(value["text"], str):
        return False
    location = value.get("location")
    return location is None or (
        isinstance(location, dict)
        and all(isinstance(location.get(k), int | float) for k in ("latitude", "longitude"))
    )


def update_kind(update: Any) -> str | None:
    """Which kind of update Rasa's handler can take ("message", …), None for others; raises on non-updates."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise ValueError("not a Telegram update (an object with an integer update_id)")
    query = update.get("callback_query")
    if query is not None:
        ok = (
            isinstance(query, dict)
            and isinstance(query.get("data"), str)
            and _is_chat_message(query.get("message"))
        )
        return "callback_query" if ok else None
    for kind in ("edited_message", "message"):
        if kind in update:
            return kind if _is_chat_message(update[kind]) else None
    return None


class TelegramInput(rasa_telegram.TelegramInput):
    """Rasa's Telegram input with a configurable API server, a secret token and checked input."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        settings = get_settings()
        values = credential_values(settings, credentials, "telegram", CREDENTIAL_KEYS)
        return cls(**values, api_base=settings.channels.telegram.api_base)

    def __init__(
        self,
        access_token: str,
        verify: str,
        webhook_url: str,
        secret_token: str = "",
        api_base: str = "https://api.telegram.org",
    ) -> None:
        super().__init__(access_token or None, verify or None, webhook_url or None, debug_mode=False)
        self.secret_token = secret_token
        self.api_base = api_base
        self._output: TelegramOutput | None = None
        self._app: Any = None

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    def get_output_channel(self) -> TelegramOutput:
        if self._output is None:
            server = TelegramAPIServer.from_base(self.api_base)
            self._output = TelegramOutput(self.access_token or "", server, self.secret_token)
        return self._output

    def _resolving(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        async def handle(message: UserMessage) -> Any:
            agent = agent_of(self._app)
            message.text = await number_replies.resolve(agent, message.sender_id, message.text or "")
            return await on_new_message(message)

        return handle

    def _screen(self, request: Request) -> HTTPResponse | None:
        """Refuse what Rasa's handler must not see; None lets the update through."""
        if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
            return None
        given = request.headers.get(SECRET_HEADER, "")
        if self.secret_token and not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            return response.text("secret token does not match", status=403)
        if len(request.body or b"") > MAX_BODY_BYTES:
            return response.text("request body too large", status=413)
        try:
            kind = update_kind(json.loads(request.body or b""))
        except ValueError as exc:
            return response.text(f"bad request: {exc}", status=400)
        return None if kind else response.text("success")  # an update kind we do not answer

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            disabled = Blueprint("telegram_webhook", __name__)

            @disabled.route("/webhook", methods=["GET", "POST"])
            async def not_configured(_: Request) -> HTTPResponse:
                return response.text(
                    "Telegram is not configured (ONCEONLY_TELEGRAM_ACCESS_TOKEN)", status=404
                )

            return disabled

        webhook = super().blueprint(self._resolving(redacting(on_new_message)))
        webhook.middleware("request")(self._screen)

        @webhook.listener("before_server_start")
        async def remember_app(app: Any, _: Any) -> None:
            self._app = app

        @webhook.listener("after_server_start")
        async def set_webhook(*_: Any) -> None:
            if not self.webhook_url:
                return
            try:
                await self.get_output_channel().set_webhook(self.webhook_url)
            except Exception as exc:  # offline, wrong token: keep serving; /set_webhook retries
                logger.warning(
                    "could not set the Telegram webhook (%s); retry at /webhooks/telegram/set_webhook", exc
                )

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.get_output_channel().session.close()  # Bot.close() is deprecated in aiogram 2

        return webhook
