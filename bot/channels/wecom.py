"""WeCom (企业微信) self-built app callbacks: the ``wecom`` channel.

In the WeCom admin console (应用管理 → the app → 接收消息 → 设置API接收) the URL is
``https://<host>/webhooks/wecom/webhook``, with the Token and EncodingAESKey of
credentials.yml or ``ONCEONLY_WECOM_*`` (docs/channels.md).

WeCom always encrypts, for our CorpID (the receive id of a self-built app):
- URL verification: GET with ``msg_signature`` over token, timestamp, nonce and the
  encrypted ``echostr``; we answer the decrypted ``echostr``;
- messages: POST with ``msg_signature`` over the body's ``Encrypt``; the passive
  reply is encrypted and signed the same way; "no reply" is an empty body;
- later answers go through the app message API (``/cgi-bin/message/send``, with our
  AgentID) with a token from ``/cgi-bin/gettoken``.
"""

from __future__ import annotations

from typing import Any

from bot.channels.channel_config import credential_values
from bot.channels.weixin_api import MessageApi, MessageApiSpec
from bot.channels.weixin_channel import BadRequest, Envelope, WeixinInput
from bot.channels.weixin_xml import parse_fields
from bot.settings import get_settings

CREDENTIAL_KEYS = ("token", "corp_id", "corp_secret", "agent_id", "encoding_aes_key")


def app_message_api(base_url: str, corp_id: str, corp_secret: str, agent_id: str) -> MessageApi:
    spec = MessageApiSpec(
        token_path="/cgi-bin/gettoken",
        token_params={"corpid": corp_id, "corpsecret": corp_secret},
        send_path="/cgi-bin/message/send",
        extra_payload={"agentid": int(agent_id) if agent_id.isdigit() else agent_id, "safe": 0},
    )
    return MessageApi(base_url, spec)


class WeComInput(WeixinInput):
    """A WeCom self-built app's callbacks, answered by the bot."""

    no_reply_body = ""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeComInput:
        settings = get_settings()
        values = credential_values(settings, credentials, "wecom", CREDENTIAL_KEYS)
        if not values["token"] or not values["corp_id"] or not values["encoding_aes_key"]:
            cls.raise_missing_credentials_exception()
        api = app_message_api(
            settings.channels.wecom.api_base, values["corp_id"], values["corp_secret"], values["agent_id"]
        )
        return cls(values["token"], values["encoding_aes_key"], values["corp_id"], api, settings)

    def verify_url(self, args: dict[str, str]) -> str:
        echo = args.get("echostr", "")
        self.check_query_signature(args, "msg_signature", echo)
        if not echo:
            raise BadRequest("no echostr")
        return self._require_cipher().decrypt(echo)

    def open_envelope(self, args: dict[str, str], body: bytes) -> Envelope:
        return self.open_encrypted(args, parse_fields(body))
