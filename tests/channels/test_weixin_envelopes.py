"""Round trips of the channels' envelope handling on the platforms' published vectors.

A post from the documentation goes through the channel's own ``verify_url`` /
``open_envelope``; the passive reply it builds in the same mode is then opened by
wechatpy with the documentation's credentials. (The vectors and their sources are
in test_weixin_crypto.py; the full HTTP path is in test_wechat_channel.py.)
"""

from __future__ import annotations

import pytest
import wechatpy
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.channels.wechat import WeChatInput, customer_service_api
from bot.channels.wecom import WeComInput, app_message_api
from bot.channels.weixin_channel import Incoming
from bot.channels.weixin_crypto import SignatureMismatch, signature
from bot.settings import load_settings
from tests.channels import test_weixin_crypto as v
from tests.channels.test_weixin_xml import DOC_TEXT

UNUSED_API = "http://127.0.0.1:9"  # nothing is pushed in these tests


def wechat(token: str = v.WX_TOKEN, key: str = v.WX_AES_KEY, app_id: str = v.WX_APP_ID) -> WeChatInput:
    return WeChatInput(token, key, app_id, customer_service_api(UNUSED_API, app_id, "s"), load_settings())


def reply_of(channel, envelope, text: str) -> bytes:
    incoming = Incoming.from_fields(envelope.fields)
    return channel.passive_reply(incoming, text, envelope).body


def test_wechat_safe_mode_sample_in_and_the_encrypted_reply_out():
    channel = wechat()
    args = {
        "signature": signature(v.WX_TOKEN, v.WX_TIMESTAMP, v.WX_NONCE),
        "timestamp": v.WX_TIMESTAMP,
        "nonce": v.WX_NONCE,
        "encrypt_type": "aes",
        "msg_signature": v.WX_MSG_SIGNATURE,
    }
    body = f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{v.WX_ENCRYPT}]]></Encrypt></xml>"
    envelope = channel.open_envelope(args, body.encode())
    assert envelope.encrypted and envelope.fields["Content"] == "abcdteT"
    sealed = reply_of(channel, envelope, "收到：abcdteT")
    outer = xmltodict.parse(sealed)["xml"]
    plain = WeChatCrypto(v.WX_TOKEN, v.WX_AES_KEY, v.WX_APP_ID).decrypt_message(
        sealed, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
    reply = wechatpy.parse_message(plain)
    assert (reply.content, reply.target, reply.source) == (
        "收到：abcdteT",
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "gh_10f6c3c3ac5a",
    )
    assert outer["Nonce"] == v.WX_NONCE
    with pytest.raises(SignatureMismatch):
        channel.open_envelope({**args, "msg_signature": "0" * 40}, body.encode())


def test_wechat_plaintext_documented_message_in_and_a_plain_reply_out():
    channel = wechat(token="plain-token")
    args = {"signature": signature("plain-token", "1348831860", "n"), "timestamp": "1348831860", "nonce": "n"}
    envelope = channel.open_envelope(args, DOC_TEXT.encode())
    assert not envelope.encrypted and envelope.fields["Content"] == "this is a test"
    reply = wechatpy.parse_message(reply_of(channel, envelope, "你好"))
    assert (reply.type, reply.content, reply.target, reply.source) == ("text", "你好", "fromUser", "toUser")
    with pytest.raises(SignatureMismatch):
        channel.open_envelope({**args, "timestamp": "1348831861"}, DOC_TEXT.encode())


def test_wecom_samples_in_and_the_encrypted_reply_out():
    channel = WeComInput(
        v.WC_TOKEN,
        v.WC_AES_KEY,
        v.WC_CORP_ID,
        app_message_api(UNUSED_API, v.WC_CORP_ID, "s", "1000002"),
        load_settings(),
    )
    assert channel.verify_url(v.WC_VERIFY) == "1288432023552776189"
    envelope = channel.open_envelope(v.WC_MESSAGE, v.WC_BODY.encode())
    assert envelope.fields["FromUserName"] == "ChenJiaShun" and envelope.fields["Content"] == "你好"
    sealed = reply_of(channel, envelope, "您好，ChenJiaShun")
    outer = xmltodict.parse(sealed)["xml"]
    plain = WeComCrypto(v.WC_TOKEN, v.WC_AES_KEY, v.WC_CORP_ID).decrypt_message(
        sealed, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
    fields = xmltodict.parse(plain)["xml"]
    assert (fields["ToUserName"], fields["FromUserName"], fields["Content"]) == (
        "ChenJiaShun",
        "ww1436e0e65a779aee",
        "您好，ChenJiaShun",
    )
