"""The WeCom self-built app channel through the real stack, with wechatpy's WeCom crypto as WeCom.

WeCom always encrypts for our CorpID; URL verification decrypts the ``echostr``
(https://developer.work.weixin.qq.com/document/path/90930); later answers go
through the app message API, which a local fake stands in for.
"""

from __future__ import annotations

import secrets
import time

import requests
import xmltodict

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


def verification(peer: WeixinPeer, echo: str) -> dict[str, str]:
    """The query WeCom sends to verify the callback URL: an encrypted echostr and its signature."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    sealed = xmltodict.parse(peer.crypto.encrypt_message(echo, nonce, timestamp))["xml"]
    return {
        "msg_signature": sealed["MsgSignature"],
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": sealed["Encrypt"],
    }


def test_url_verification_answers_the_decrypted_echostr(stack, wecom_peer, platforms):
    query = verification(wecom_peer, "6233590731258617181")
    ok = requests.get(wecom_peer.url, params=query, timeout=10)
    assert (ok.status_code, ok.text) == (200, "6233590731258617181")
    forged = {
        **query,
        "msg_signature": sha1_sorted("not-our-token", query["timestamp"], query["nonce"], query["echostr"]),
    }
    assert requests.get(wecom_peer.url, params=forged, timeout=10).status_code == 403
    other_corp = WeixinPeer(stack, platforms.wecom, "wecom", receive_id="ww0000000000000000")
    assert requests.get(wecom_peer.url, params=verification(other_corp, "1"), timeout=10).status_code == 400


def test_a_conversation_in_wecom_from_life_event_to_checklist(stack, wecom_peer, platforms):
    user = "ZhangSan." + secrets.token_hex(3)  # WeCom UserIDs are the corp's own account names
    first = wecom_peer.say(user, LIFE_EVENT)
    assert len(first) == 1 and "新生儿出生一件事" in first[0] and "1. 同一民族" in first[0]
    checklist = wecom_peer.say(user, "2")  # 不同民族
    assert lines(checklist)[0] == "【新生儿出生一件事】"
    said = user_events(stack, user)
    assert [e["text"] for e in said] == [LIFE_EVENT, "不同民族"]
    assert platforms.wecom.violations == []


def test_a_long_checklist_goes_out_through_the_app_message_api(stack, wecom_peer, platforms, registry):
    scenario, name, _ = longest_checklist(registry)
    user = "LiSi." + secrets.token_hex(3)
    parts = walk_to_checklist(lambda text: wecom_peer.say(user, text), scenario, name)
    assert len(parts) >= 2 and parts[0].startswith(f"【{name}】")
    sent = platforms.wecom.sent_to(user)
    assert [s.text for s in sent[-len(parts) :]] == parts
    assert all(s.extra["agentid"] == int(wecom_peer.agent_id) for s in sent)
    assert platforms.wecom.violations == []


def test_unsigned_or_unencrypted_posts_are_refused_and_change_nothing(stack, wecom_peer):
    user = new_user("w")
    message = wecom_peer.message_xml(user, LIFE_EVENT, next_msg_id())
    assert wecom_peer.post(message, sign=False).response.status_code == 403
    plain = requests.post(
        wecom_peer.url,
        params={"timestamp": "1", "nonce": "2", "msg_signature": "0" * 40},
        data=message.encode(),
        timeout=10,
    )
    assert plain.status_code == 403
    assert user_events(stack, user) == []
