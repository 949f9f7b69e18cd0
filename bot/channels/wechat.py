"""WeChat Official Account (公众号) server messages: the ``wechat`` channel.

In the Official Account's console (开发 → 基本配置 → 服务器配置) the server URL is
``https://<host>/webhooks/wechat/webhook``, with the Token and EncodingAESKey of
credentials.yml or ``ONCEONLY_WECHAT_*`` (docs/channels.md).

- URL verification: GET with ``signature`` = SHA-1(sorted token, timestamp, nonce);
  we answer ``echostr`` only when it matches.
- Every POST carries ``signature`` in its query. In plaintext mode (明文模式) the body
  is the message; in safe and compatible mode (安全/兼容模式) the query says
  ``encrypt_type=aes`` and ``msg_signature``, the body's ``Encrypt`` holds the message
  encrypted for our AppID, and the passive reply is encrypted the same way.
- "No reply" is ``success``; later answers go through the customer-service API
  (``/cgi-bin/message/custom/send``) with a token from ``/cgi-bin/token``.
"""

from __future__ import annotations

from typing import Any

from bot.channels.channel_config import credential_values
from bot.channels.weixin_api import MessageApi, MessageApiSpec
from bot.channels.weixin_channel import Envelope, WeixinInput
from bot.channels.weixin_xml import parse_fields
from bot.settings import get_settings

CREDENTIAL_KEYS = ("token", "app_id", "app_secret", "encoding_aes_key")


def customer_service_api(base_url: str, app_id: str, app_secret: str) -> MessageApi:
    spec = MessageApiSpec(
        token_path="/cgi-bin/token",
        token_params={"grant_type": "client_credential", "appid": app_id, "secret": app_secret},
        send_path="/cgi-bin/message/custom/send",
    )
    return MessageApi(base_url, spec)


class WeChatInput(WeixinInput):
    """A WeChat Official Account's server messages, answered by the bot."""

    no_reply_body = "success"

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        settings = get_settings()
        values = credential_values(settings, credentials, "wechat", CREDENTIAL_KEYS)
        if not values["token"] or not values["app_id"]:
            cls.raise_missing_credentials_exception()
        api = customer_service_api(settings.channels.wechat.api_base, values["app_id"], values["app_secret"])
        return cls(values["token"], values["encoding_aes_key"], values["app_id"], api, settings)

    def verify_url(self, args: dict[str, str]) -> str:
        self.check_query_signature(args, "signature")
        return args.get("echostr", "")

    def open_envelope(self, args: dict[str, str], body: bytes) -> Envelope:
        self.check_query_signature(args, "signature")
        outer = parse_fields(body)
        if args.get("encrypt_type", "raw").lower() == "aes":
            return self.open_encrypted(args, outer)
        return Envelope(outer, encrypted=False)
