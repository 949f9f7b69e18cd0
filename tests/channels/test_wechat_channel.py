"""The WeChat Official Account channel through the real stack: Rasa, action server, registry.

WeChat's side is played by :class:`~tests.channels.conftest.WeixinPeer` (wechatpy
signs and encrypts) and the customer-service API by a local fake that checks what
we send. The OpenID is the conversation id, so Rasa's tracker API shows what the
bot processed for each person.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from bot.channels.weixin_channel import PLEASE_TYPE
from tests.channels.conftest import (
    LIFE_EVENT,
    WeixinPeer,
    lines,
    longest_checklist,
    new_user,
    next_msg_id,
    sha1_sorted,
    user_events,
    walk_to_checklist,
)
from tests.channels.test_weixin_xml import BILLION_LAUGHS, DOC_IMAGE, DOC_SUBSCRIBE, DOC_VOICE_RECOGNIZED


def test_url_verification_echoes_only_for_our_token(wechat_peer):
    timestamp, nonce, echo = str(int(time.time())), "n0nce", "5837397520664380423"
    good = {
        "signature": sha1_sorted(wechat_peer.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    ok = requests.get(wechat_peer.url, params={**good, "echostr": echo}, timeout=10)
    assert (ok.status_code, ok.text) == (200, echo)
    for bad in (
        {**good, "signature": sha1_sorted("not-our-token", timestamp, nonce)},
        {**good, "timestamp": str(int(timestamp) + 1)},
        {"echostr": echo},
    ):
        refused = requests.get(wechat_peer.url, params={**bad, "echostr": echo}, timeout=10)
        assert refused.status_code == 403 and echo not in refused.text


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_a_conversation_life_event_then_a_numbered_answer_then_the_checklist(stack, platforms, chat, mode):
    peer = WeixinPeer(stack, platforms.wechat, "wechat", safe=mode == "safe")
    openid = new_user()
    first = peer.say(openid, LIFE_EVENT)
    assert len(first) == 1  # answered in the response, decrypted by wechatpy in safe mode
    assert "新生儿出生一件事" in first[0]
    assert "1. 同一民族" in first[0] and "2. 不同民族" in first[0] and "回复 1/2" in first[0]

    checklist = peer.say(openid, "1")  # picks the first option: its payload goes to Rasa
    # The same conversation through the REST channel gives the same lines.
    rest = chat()
    rest.say(LIFE_EVENT)
    expected = lines([m["text"] for m in rest.say("同一民族") if m.get("text")])
    assert expected[0] == "【新生儿出生一件事】" and len(expected) > 10
    assert lines(checklist)[: len(expected)] == expected
    assert "1. 为什么这些免提交" in checklist[-1] and "回复 1–6" in checklist[-1]

    duration = peer.say(openid, "2")  # the second follow-up: 要多久
    assert len(duration) == 1
    said = user_events(stack, openid)
    assert [e["text"] for e in said] == [LIFE_EVENT, "同一民族", "/ask_duration"]
    assert said[-1]["parse_data"]["intent"]["name"] == "ask_duration"
    assert platforms.wechat.violations == []


def test_a_long_checklist_is_pushed_in_parts_cut_at_line_ends(stack, wechat_peer, platforms, chat, registry):
    scenario, name, size = longest_checklist(registry)
    assert size > 2048, "the registry has a checklist longer than one WeChat message"
    openid = new_user()
    parts = walk_to_checklist(lambda text: wechat_peer.say(openid, text), scenario, name)
    assert len(parts) >= 2 and all(len(part.encode()) <= 2048 for part in parts)
    rest = chat()
    rest_texts = walk_to_checklist(
        lambda text: [m["text"] for m in rest.say(text) if m.get("text")], scenario, name
    )
    expected = lines(rest_texts)
    assert lines(parts)[: len(expected)] == expected  # every line whole, in order
    assert parts[0].startswith(f"【{name}】")
    assert platforms.wechat.violations == []


def test_a_retried_message_is_processed_once_and_answered_with_the_same_reply(stack, wechat_peer, platforms):
    openid, msg_id = new_user(), next_msg_id()
    xml = wechat_peer.message_xml(openid, "你好", msg_id)
    replies = [wechat_peer.post(xml) for _ in range(3)]  # WeChat's retries carry the same MsgId
    assert all(r.response.status_code == 200 for r in replies)
    assert replies[0].text and {r.text for r in replies} == {replies[0].text}
    assert [e["text"] for e in user_events(stack, openid)] == ["你好"]
    assert platforms.wechat.sent_to(openid) == []


def test_a_slow_answer_is_pushed_once_through_the_customer_service_api_with_a_fresh_token(
    stack, safe_wechat_peer, platforms, registry
):
    fake, openid = platforms.wechat, new_user()
    scenario, name, _ = longest_checklist(registry)
    walk_to_checklist(
        lambda text: safe_wechat_peer.say(openid, text), scenario, name
    )  # pushed: a token is held
    fake.expire_tokens()  # WeChat invalidated it meanwhile: the next send gets 42001
    tokens_before, pushed_before = len(fake.tokens_issued), len(fake.sent_to(openid))

    actions = stack.service("actions").process
    xml = safe_wechat_peer.message_xml(openid, "2", next_msg_id())  # 要多久: answered by the action server
    os.killpg(actions.pid, signal.SIGSTOP)  # a busy action server: the answer takes over 5 s
    try:
        started = time.monotonic()
        first = safe_wechat_peer.post(xml)
        waited = time.monotonic() - started
        retries = [safe_wechat_peer.post(xml) for _ in range(3)]
    finally:
        os.killpg(actions.pid, signal.SIGCONT)
    assert first.response.status_code == 200 and first.response.text == "success" and first.text is None
    assert 3.5 <= waited < 5.0, "must answer before WeChat's five seconds run out"
    assert all(r.response.text == "success" for r in retries)
    fake.wait_for(openid, pushed_before + 1)

    # A later message: its turn waits for every earlier turn of this person (Rasa's lock store), so
    # once its passive reply is here, a second processing of the retried one would have happened.
    later = safe_wechat_peer.post(safe_wechat_peer.message_xml(openid, "你好", next_msg_id()))
    assert later.text, "answered in the response"
    assert [e["text"] for e in user_events(stack, openid)][-2:] == ["/ask_duration", "你好"]
    assert [e["text"] for e in user_events(stack, openid)].count("/ask_duration") == 1
    pushed = fake.sent_to(openid)[pushed_before:]
    assert len(pushed) == 1, "answered once despite three retries"
    assert pushed[0].token == fake.tokens_issued[-1] and len(fake.tokens_issued) == tokens_before + 1
    assert fake.violations == []


def test_non_text_messages_and_events_get_a_sensible_answer(stack, wechat_peer, platforms):
    def as_from(xml: str, openid: str) -> str:
        return xml.replace("[fromUser]", f"[{openid}]").replace("[FromUser]", f"[{openid}]")

    openid = new_user()
    image = wechat_peer.post(as_from(DOC_IMAGE, openid).replace("1234567890123456", str(next_msg_id())))
    assert image.text == PLEASE_TYPE
    welcome = wechat_peer.post(as_from(DOC_SUBSCRIBE, openid))
    assert welcome.text and welcome.text.startswith("您好！我是一件事办事指引助手")
    unsubscribe = wechat_peer.post(as_from(DOC_SUBSCRIBE, openid).replace("subscribe", "unsubscribe"))
    assert (unsubscribe.response.status_code, unsubscribe.response.text) == (200, "success")
    voice = wechat_peer.post(
        as_from(DOC_VOICE_RECOGNIZED, openid)
        .replace("腾讯微信团队", LIFE_EVENT)
        .replace("1234567890123456", str(next_msg_id()))
    )
    assert voice.text and "新生儿出生一件事" in voice.text
    assert [e["text"] for e in user_events(stack, openid)] == ["/greet", LIFE_EVENT]


def test_bad_signatures_and_bad_bodies_are_refused_and_change_nothing(stack, wechat_peer, safe_wechat_peer):
    openid = new_user()
    message = wechat_peer.message_xml(openid, LIFE_EVENT, next_msg_id())
    assert wechat_peer.post(message, sign=False).response.status_code == 403
    assert safe_wechat_peer.post(message, sign=False).response.status_code == 403
    # encrypted with our key and signed with our token, but for another AppID
    foreign = WeixinPeer(stack, wechat_peer.fake, "wechat", safe=True, receive_id="wx0000000000000000")
    assert foreign.post(message).response.status_code == 400
    hostile = BILLION_LAUGHS.replace("<Content>", f"<FromUserName>{openid}</FromUserName><Content>")
    for body, status in [
        (hostile.encode(), 400),
        (b"", 400),
        (b"<xml><Content>unclosed</xml>", 400),
        (b"<xml>" + b"<Content>x</Content>" * 10_000 + b"</xml>", 413),
        (b"<xml><FromUserName>a/b</FromUserName></xml>", 400),
    ]:
        assert wechat_peer.post(body).response.status_code == status
    assert user_events(stack, openid) == []
    assert wechat_peer.say(openid, "你好"), "and the channel still answers"


def test_messages_rasa_sends_on_its_own_are_pushed_to_the_person(stack, wechat_peer, platforms):
    """Rasa's HTTP API (what staff tools use) answers through the channel the person last used."""
    openid = new_user()
    wechat_peer.say(openid, "你好")
    response = requests.post(
        f"{stack.service('rasa').url}/conversations/{openid}/trigger_intent",
        params={"output_channel": "latest", "token": stack.settings.secrets.rasa_api_token},
        json={"name": "help"},
        timeout=30,
    )
    assert response.status_code == 200
    pushed = platforms.wechat.wait_for(openid, 1)
    assert len(pushed) == 1 and pushed[0].text.startswith("您可以直接描述要办的事")
