"""The Rasa input channel WeChat Official Accounts and WeCom apps share.

Both post XML to one URL, sign it the same way, encrypt it the same way, give us
five seconds and retry, take one passive reply in the response, and accept later
messages through an API. :class:`WeixinInput` does all of that; a platform
(:mod:`bot.channels.wechat`, :mod:`bot.channels.wecom`) says how its URL is
verified, how a post is opened, what "no reply" looks like and where its API is.

A post goes one way: size check → open the envelope (signature 403, XML or
ciphertext 400) → the message's fields → its :class:`~bot.channels.turns.Turn`
(a retry joins the first delivery's) → Rasa, once → the passive reply sealed like
the request, or "no reply" now and a push through the API later.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import number_replies
from bot.channels.plain_text import turn_messages
from bot.channels.turns import RecentTurns
from bot.channels.weixin_api import MessageApi
from bot.channels.weixin_crypto import (
    DecryptionFailed,
    MessageCipher,
    SignatureMismatch,
    check_signature,
    signature,
)
from bot.channels.weixin_xml import MalformedXml, parse_fields, render_fields
from bot.privacy.redact import redact
from bot.rasa_compat.app import agent_of
from bot.settings import Settings

logger = logging.getLogger(__name__)

# WeChat and WeCom cut text messages at 2048 bytes (UTF-8); we split before they do.
TEXT_LIMIT_BYTES = 2048
# Their messages are a few kilobytes; anything much larger is not from them.
MAX_BODY_BYTES = 64 * 1024
# Who may write to us: OpenIDs are 28 characters of [A-Za-z0-9_-]; WeCom UserIDs up to 64 of these.
_USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")

PLEASE_TYPE = "我目前只能读懂文字消息。请用文字说说您要办什么事，比如“孩子刚出生要办什么”“公司要注销”。"
# Events answered with a welcome; others (unsubscribe, menu clicks, location reports) get no reply.
GREETING_EVENTS = frozenset({"subscribe"})


class BadRequest(ValueError):
    """A post that is not a well-formed message: answered 400 and otherwise ignored."""


@dataclass(frozen=True)
class Envelope:
    """An opened post: the message's fields and how to seal the reply (encrypted or not)."""

    fields: dict[str, str]
    encrypted: bool
    nonce: str = ""


@dataclass(frozen=True)
class Incoming:
    """What a person sent, reduced to what the bot needs."""

    sender: str  # OpenID (WeChat) or UserID (WeCom): the conversation id
    account: str  # our account (ToUserName): the passive reply comes from it
    kind: str  # MsgType: text, image, voice, event, …
    text: str | None  # typed text, or WeChat's speech recognition of a voice message
    event: str | None  # for kind "event": subscribe, unsubscribe, CLICK, …
    key: tuple[str, ...]  # what WeChat's retries of this message have in common
    msg_id: str | None  # MsgId (events have none)

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Incoming:
        sender, account, kind = (
            fields.get("FromUserName", ""),
            fields.get("ToUserName", ""),
            fields.get("MsgType", ""),
        )
        if not _USER_ID.match(sender) or not account or not kind:
            raise BadRequest("message lacks FromUserName, ToUserName or MsgType")
        # A voice message carries WeChat's speech recognition (when enabled) in Recognition.
        text = {"text": fields.get("Content"), "voice": fields.get("Recognition")}.get(kind)
        event = fields.get("Event", "").lower() if kind == "event" else None
        # WeChat's advice: de-duplicate messages by MsgId, events by FromUserName + CreateTime.
        if fields.get("MsgId"):
            key: tuple[str, ...] = ("msg", sender, fields["MsgId"])
        else:
            key = ("event", sender, fields.get("CreateTime", ""), kind, event or "", text or "")
        return cls(sender, account, kind, text or None, event, key, fields.get("MsgId") or None)


class WeixinPushOutput(OutputChannel):
    """Messages Rasa sends on its own (its HTTP API, staff): pushed through the message API."""

    def __init__(self, channel_name: str, api: MessageApi) -> None:
        self._channel_name = channel_name
        self.api = api

    def name(self) -> str:  # an instance method where Rasa has a classmethod: Rasa calls it on the instance
        return self._channel_name

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.api.send_texts(recipient_id, turn_messages([message], TEXT_LIMIT_BYTES))


class WeixinInput(InputChannel):
    """Server messages of a WeChat-family platform, answered by the Rasa bot."""

    # What the response body says when there is no passive reply ("success" or empty).
    no_reply_body: ClassVar[str] = ""

    def __init__(
        self, token: str, encoding_aes_key: str, receive_id: str, api: MessageApi, settings: Settings
    ) -> None:
        self.token = token
        # Without a key only WeChat's plaintext mode works (WeCom always needs one).
        self.cipher = MessageCipher(encoding_aes_key, receive_id) if encoding_aes_key else None
        self.api = api
        self.reply_within = settings.channels.weixin_reply_seconds
        self.hotline = settings.contact.hotline
        self.turns = RecentTurns()

    # --- what each platform says for itself ------------------------------------
    def verify_url(self, args: dict[str, str]) -> str:
        """The body that proves to the platform we own this URL (GET), or raise."""
        raise NotImplementedError

    def open_envelope(self, args: dict[str, str], body: bytes) -> Envelope:
        """The message of a POST, checked and decrypted, or raise."""
        raise NotImplementedError

    # --- shared by both -----------------------------------------------------------
    def _require_cipher(self) -> MessageCipher:
        if self.cipher is None:
            raise BadRequest("encrypted message, but no EncodingAESKey is configured")
        return self.cipher

    def check_query_signature(self, args: dict[str, str], name: str, *signed: str) -> None:
        """The query's ``name`` must sign our token, its timestamp and nonce, and ``signed``."""
        check_signature(args.get(name), self.token, args.get("timestamp", ""), args.get("nonce", ""), *signed)

    def open_encrypted(self, args: dict[str, str], outer: dict[str, str]) -> Envelope:
        """Safe mode: ``msg_signature`` over the ``Encrypt`` field, then decrypt and parse."""
        encrypted = outer.get("Encrypt", "")
        self.check_query_signature(args, "msg_signature", encrypted)
        if not encrypted:
            raise BadRequest("no Encrypt field")
        inner = self._require_cipher().decrypt(encrypted)
        return Envelope(parse_fields(inner), encrypted=True, nonce=args.get("nonce", ""))

    def seal(self, reply_xml: str, envelope: Envelope) -> str:
        """The reply as the request came: plain XML, or encrypted and signed."""
        if not envelope.encrypted:
            return reply_xml
        encrypted = self._require_cipher().encrypt(reply_xml)
        timestamp = str(int(time.time()))
        nonce = envelope.nonce or secrets.token_hex(8)
        return render_fields(
            {
                "Encrypt": encrypted,
                "MsgSignature": signature(self.token, timestamp, nonce, encrypted),
                "TimeStamp": int(timestamp),
                "Nonce": nonce,
            }
        )

    def get_output_channel(self) -> OutputChannel:
        return WeixinPushOutput(self.name(), self.api)

    async def answer(
        self, agent: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]], incoming: Incoming
    ) -> list[str]:
        """The bot's answer to one message, as the texts to send (computed once per message)."""
        try:
            if incoming.kind == "event":
                if incoming.event not in GREETING_EVENTS:
                    return []
                text = "/greet"
            elif incoming.text:
                text = await number_replies.resolve(agent, incoming.sender, redact(incoming.text))
            else:
                return [PLEASE_TYPE]
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    incoming.sender,
                    input_channel=self.name(),
                    message_id=f"{self.name()}-{incoming.msg_id}" if incoming.msg_id else None,
                )
            )
            return turn_messages(collector.messages, TEXT_LIMIT_BYTES)
        except Exception:
            logger.exception("the bot failed on a %s message", self.name())
            return [f"抱歉，系统暂时出了点问题，请稍后再试，或拨打 {self.hotline}。"]

    def passive_reply(self, incoming: Incoming, text: str, envelope: Envelope) -> HTTPResponse:
        xml = render_fields(
            {
                "ToUserName": incoming.sender,
                "FromUserName": incoming.account,
                "CreateTime": int(time.time()),
                "MsgType": "text",
                "Content": text,
            }
        )
        return response.text(self.seal(xml, envelope), content_type="application/xml; charset=utf-8")

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        arrived = time.monotonic()
        declared = request.headers.get("content-length", "0")
        body = request.body or b""
        if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(body) > MAX_BODY_BYTES:
            return response.text("request body too large", status=413)
        args = {name: request.args.get(name) or "" for name in request.args}
        try:
            envelope = self.open_envelope(args, body)
            incoming = Incoming.from_fields(envelope.fields)
        except SignatureMismatch:
            return response.text("signature does not match", status=403)
        except (MalformedXml, DecryptionFailed, BadRequest) as exc:
            logger.info("refused a %s post: %s", self.name(), exc)
            return response.text(f"bad request: {exc}", status=400)

        agent = agent_of(request.app)
        turn, _ = self.turns.begin(
            incoming.key,
            lambda: self.answer(agent, on_new_message, incoming),
            lambda texts: self.api.send_texts(incoming.sender, texts),
        )
        texts = await turn.passive_reply(self.reply_within - (time.monotonic() - arrived))
        if not texts:
            return response.text(self.no_reply_body)
        return self.passive_reply(incoming, texts[0], envelope)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            args = {name: request.args.get(name) or "" for name in request.args}
            try:
                return response.text(self.verify_url(args))
            except SignatureMismatch:
                return response.text("signature does not match", status=403)
            except (DecryptionFailed, BadRequest) as exc:
                return response.text(f"bad request: {exc}", status=400)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await self.api.close()

        return webhook
