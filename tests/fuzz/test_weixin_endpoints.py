"""WeChat's and WeCom's endpoints under hostile queries and bodies: 400/403/413, never a 5xx, nothing kept.

Unsigned requests must be 403; requests signed with the development token (so they
get past the signature to the XML, in WeChat's plaintext mode) carry arbitrary
bytes, hostile XML (DTDs, entities) and messages with odd fields.
"""

from __future__ import annotations

import hashlib
import time

import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.cases import count
from tests.fuzz.conftest import unchanged_if_refused

WECHAT_TOKEN = "onceonly-dev-wechat-token"  # credentials.yml, development only
QUERY = st.dictionaries(
    st.sampled_from(
        ["signature", "timestamp", "nonce", "echostr", "msg_signature", "encrypt_type", "openid"]
    ),
    st.text(max_size=60),
    max_size=6,
)
HOSTILE_XML = st.sampled_from(
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>",
        b"<xml><Encrypt><![CDATA[not base64]]></Encrypt></xml>",
        b"\xff\xfe<\x00x\x00",
        b"<xml>" + b"<a>" * 5000 + b"</xml>",
    ]
)


def _fields(draw_text: str, kind: str, sender: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_dev]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"<Content><![CDATA[{draw_text}]]></Content><MsgId>{abs(hash(draw_text)) % 10**12}</MsgId></xml>"
    ).encode("utf-8", "surrogatepass")


MESSAGE = st.builds(
    _fields,
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="]"), max_size=80),
    st.sampled_from(["text", "image", "voice", "event", "location", "", "bogus"]),
    st.sampled_from(["", "fuzz-openid-000000000000000000", "bad id with spaces", "x" * 200]),
)


def _signed(nonce: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = hashlib.sha1("".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


@given(query=QUERY, body=st.one_of(st.binary(max_size=3000), HOSTILE_XML, MESSAGE))
def test_unsigned_requests_are_refused_and_change_nothing(stack, stores, query, body):
    for platform in ("wechat", "wecom"):
        url = f"{stack.service('rasa').url}/webhooks/{platform}/webhook"
        before = stores.snapshot()
        got = requests.get(url, params=query, timeout=30)
        count(f"{platform} GET /webhook (URL check)", got.status_code)
        unchanged_if_refused(stores, before, got.status_code, f"GET {query}")
        assert got.status_code in (400, 403), got.status_code
        posted = requests.post(url, params=query, data=body, timeout=30)
        count(f"{platform} POST /webhook (unsigned)", posted.status_code)
        assert posted.status_code in (400, 403, 413), posted.status_code
        unchanged_if_refused(stores, before, posted.status_code, f"POST {query} {body[:60]!r}")


@given(
    nonce=st.from_regex(r"\A[0-9a-z]{1,16}\Z"), body=st.one_of(st.binary(max_size=3000), HOSTILE_XML, MESSAGE)
)
def test_signed_posts_with_any_body_are_answered_or_refused_without_a_5xx(stack, stores, nonce, body):
    url = f"{stack.service('rasa').url}/webhooks/wechat/webhook"
    before = stores.snapshot()
    response = requests.post(url, params=_signed(nonce), data=body, timeout=30)
    count("wechat POST /webhook (signed, plaintext mode)", response.status_code)
    assert response.status_code in (200, 400, 413), response.status_code
    unchanged_if_refused(stores, before, response.status_code, f"signed POST {body[:60]!r}")
