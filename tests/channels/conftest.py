"""Channel tests: the session's real stack, local fakes of the platforms' APIs, and peers.

The stack (tests/conftest.py) runs with the development credentials of
credentials.yml and its platform API base URLs on local ports
(``settings_on_free_ports``); here the fakes of those APIs are started on them. A
:class:`WeixinPeer` plays WeChat's or WeCom's server toward our webhook: it signs,
encrypts and decrypts with wechatpy, an independent implementation, never with ours.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
import xmltodict
import yaml
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.utils import check_signature as wechatpy_check_signature

from bot.channels import telegram, wechat, wecom
from bot.channels.channel_config import credential_values
from bot.nlu.intents import intent_of
from bot.registry.checklist import compute_checklist
from bot.render import checklist_text
from bot.settings import ROOT
from tests.channels.fake_platforms import FakeTelegramApi, FakeWeixinApi
from tests.conftest import TELEGRAM_TEST_SETTINGS, rasa_tracker

_MSG_IDS = itertools.count(int(time.time()) * 1000)
LIFE_EVENT = "我老婆刚生了孩子，要办些什么手续"

# The text message of WeChat's "接收普通消息" documentation
# (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html),
# and WeCom's (https://developer.work.weixin.qq.com/document/path/90239), which adds AgentID.
TEXT_MESSAGE = (
    "<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
    "<CreateTime>{time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>{extra}</xml>"
)


def sha1_sorted(*parts: str) -> str:
    """The documented signature, computed here independently of bot.channels."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def channel_credentials(stack, channel: str) -> dict[str, str]:
    """The credentials the stack's channel uses: its settings over credentials.yml."""
    module = {"wechat": wechat, "wecom": wecom, "telegram": telegram}[channel]
    sections = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    section = next(v for k, v in sections.items() if k.startswith(f"bot.channels.{channel}."))
    return credential_values(stack.settings, section, channel, module.CREDENTIAL_KEYS)


@dataclass
class Platforms:
    wechat: FakeWeixinApi
    wecom: FakeWeixinApi
    telegram: FakeTelegramApi


@pytest.fixture(scope="session")
def platforms(stack) -> Iterator[Platforms]:
    def port(url: str) -> int:
        return urlsplit(url).port or 0

    wx, wc = channel_credentials(stack, "wechat"), channel_credentials(stack, "wecom")
    fakes = Platforms(
        FakeWeixinApi(
            "wechat", port(stack.settings.channels.wechat.api_base), wx["app_id"], wx["app_secret"]
        ),
        FakeWeixinApi(
            "wecom",
            port(stack.settings.channels.wecom.api_base),
            wc["corp_id"],
            wc["corp_secret"],
            int(wc["agent_id"]),
        ),
        FakeTelegramApi(
            port(stack.settings.channels.telegram.api_base),
            TELEGRAM_TEST_SETTINGS["telegram_access_token"],
            TELEGRAM_TEST_SETTINGS["telegram_verify"],
        ),
    )
    for fake in (fakes.wechat, fakes.wecom, fakes.telegram):
        fake.start()
    try:
        yield fakes
    finally:
        for fake in (fakes.wechat, fakes.wecom, fakes.telegram):
            fake.stop()


@dataclass
class Reply:
    """What one post got back: the HTTP response and, if any, the passive reply's text."""

    response: requests.Response
    text: str | None
    fields: dict[str, str] | None


class WeixinPeer:
    """WeChat's (or WeCom's) server, posting to our webhook as the platform does."""

    def __init__(
        self, stack, fake: FakeWeixinApi, platform: str, safe: bool = True, receive_id: str = ""
    ) -> None:
        self.platform, self.safe, self.fake = platform, safe or platform == "wecom", fake
        creds = channel_credentials(stack, platform)
        self.token, self.aes_key = creds["token"], creds["encoding_aes_key"]
        self.receive_id = receive_id or (creds["app_id"] if platform == "wechat" else creds["corp_id"])
        self.account = "gh_0nce0nly0001" if platform == "wechat" else self.receive_id
        self.agent_id = creds.get("agent_id", "")
        self.url = f"{stack.service('rasa').url}/webhooks/{platform}/webhook"
        self.crypto = (WeChatCrypto if platform == "wechat" else WeComCrypto)(
            self.token, self.aes_key, self.receive_id
        )

    def message_xml(self, sender: str, content: str, msg_id: int) -> str:
        extra = f"<AgentID>{self.agent_id}</AgentID>" if self.platform == "wecom" else ""
        return TEXT_MESSAGE.format(
            to=self.account, sender=sender, time=int(time.time()), content=content, msg_id=msg_id, extra=extra
        )

    def post(self, xml: str | bytes, sign: bool = True, timeout: float = 30) -> Reply:
        """Post a message as the platform does in this peer's mode; decode the passive reply."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params: dict[str, str] = {"timestamp": timestamp, "nonce": nonce}
        if self.platform == "wechat":
            params["signature"] = sha1_sorted(self.token, timestamp, nonce) if sign else "0" * 40
            params["openid"] = "ignored-by-us"
            assert (
                not sign
                or wechatpy_check_signature(self.token, params["signature"], timestamp, nonce) is None
            )
        body = xml if isinstance(xml, bytes) else xml.encode("utf-8")
        if self.safe:
            sealed = self.crypto.encrypt_message(body.decode("utf-8"), nonce, timestamp)
            encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            params["msg_signature"] = (
                sha1_sorted(self.token, timestamp, nonce, encrypted) if sign else "0" * 40
            )
            if self.platform == "wechat":
                params["encrypt_type"] = "aes"
            agent = f"<AgentID><![CDATA[{self.agent_id}]]></AgentID>" if self.platform == "wecom" else ""
            body = (
                f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>{agent}</xml>"
            ).encode()
        response = requests.post(self.url, params=params, data=body, timeout=timeout)
        return self.decode(response)

    def decode(self, response: requests.Response) -> Reply:
        if response.status_code != 200 or response.text in ("", "success"):
            return Reply(response, None, None)
        xml = response.text
        if self.safe:
            outer = xmltodict.parse(xml)["xml"]
            xml = self.crypto.decrypt_message(xml, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        fields = dict(xmltodict.parse(xml)["xml"])
        return Reply(response, fields.get("Content"), fields)

    def say(self, sender: str, content: str, msg_id: int | None = None) -> list[str]:
        """What the person sees for one message: the passive reply, else what was pushed."""
        before = len(self.fake.sent_to(sender))
        reply = self.post(self.message_xml(sender, content, msg_id or next(_MSG_IDS)))
        assert reply.response.status_code == 200, reply.response.text
        if reply.text is not None:
            return [reply.text]
        return [s.text for s in self.fake.wait_for(sender, before + 1)[before:]]


@pytest.fixture
def wechat_peer(stack, platforms) -> WeixinPeer:
    """WeChat's server in plaintext mode, where its signature covers the query only."""
    return WeixinPeer(stack, platforms.wechat, "wechat", safe=False)


@pytest.fixture
def safe_wechat_peer(stack, platforms) -> WeixinPeer:
    """WeChat's server in safe mode: every message encrypted for our AppID."""
    return WeixinPeer(stack, platforms.wechat, "wechat", safe=True)


@pytest.fixture
def wecom_peer(stack, platforms) -> WeixinPeer:
    """WeCom's server, which always encrypts for our CorpID."""
    return WeixinPeer(stack, platforms.wecom, "wecom")


def new_user(prefix: str = "o") -> str:
    """A fresh OpenID-like id (28 characters of [A-Za-z0-9_-])."""
    return (prefix + uuid.uuid4().hex + "AbCdEfGh")[:28]


def next_msg_id() -> int:
    return next(_MSG_IDS)


def user_events(stack, sender: str) -> list[dict]:
    """The user events of a conversation, read through Rasa's HTTP API."""
    return [e for e in rasa_tracker(stack, sender).get("events") or [] if e.get("event") == "user"]


def lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.split("\n") if line.strip()]


def longest_checklist(registry) -> tuple[str, str, int]:
    """(scenario id, name, bytes) of the registry scenario whose general checklist is longest."""
    sizes = []
    for sid, scenario in registry.scenarios.items():
        text = checklist_text(compute_checklist(scenario, registry.materials, {}, []))
        sizes.append((len(text.encode()), sid, scenario.name))
    size, sid, name = max(sizes)
    return sid, name, size


def walk_to_checklist(say, scenario: str, name: str) -> list[str]:
    """Pick the scenario (as its clarification button does), answer 1 to each question, until the checklist."""
    texts = say(f"/{intent_of(scenario)}")
    for _ in range(8):
        if any(f"【{name}】" in t for t in texts):
            return texts
        texts = say("1")
    raise AssertionError(f"no checklist after 8 answers: {texts}")
