"""Reading WeChat's XML safely and writing replies WeChat (and wechatpy) can read.

The sample messages are those of WeChat's documentation:
- 接收普通消息 (text, image, voice with speech recognition):
  https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
- 接收事件推送 (subscribe):
  https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
- 被动回复用户消息 (the text reply):
  https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html
"""

from __future__ import annotations

import pytest
import wechatpy

from bot.channels.weixin_channel import BadRequest, Incoming
from bot.channels.weixin_xml import MalformedXml, parse_fields, render_fields

DOC_TEXT = """<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[this is a test]]></Content>
  <MsgId>1234567890123456</MsgId>
</xml>"""
DOC_IMAGE = """<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[image]]></MsgType>
  <PicUrl><![CDATA[this is a url]]></PicUrl>
  <MediaId><![CDATA[media_id]]></MediaId>
  <MsgId>1234567890123456</MsgId>
</xml>"""
DOC_VOICE_RECOGNIZED = """<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1357290913</CreateTime>
  <MsgType><![CDATA[voice]]></MsgType>
  <MediaId><![CDATA[media_id]]></MediaId>
  <Format><![CDATA[Format]]></Format>
  <Recognition><![CDATA[腾讯微信团队]]></Recognition>
  <MsgId>1234567890123456</MsgId>
</xml>"""
DOC_SUBSCRIBE = """<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[FromUser]]></FromUserName>
  <CreateTime>123456789</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[subscribe]]></Event>
</xml>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""
EXTERNAL_DTD = """<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml><Content>x</Content></xml>"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % pe SYSTEM "http://127.0.0.1:9/x"> %pe;]><xml/>"""

HOSTILE = [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
MALFORMED = [
    "",
    "   ",
    "not xml",
    "<xml><Content>unclosed</xml>",
    "<other><a>1</a></other>",
    "\x00\x01",
    "<xml",
]


def test_documented_messages_read_as_the_bot_needs_them():
    text = Incoming.from_fields(parse_fields(DOC_TEXT))
    assert (text.sender, text.account, text.kind, text.text) == (
        "fromUser",
        "toUser",
        "text",
        "this is a test",
    )
    assert text.key == ("msg", "fromUser", "1234567890123456")
    image = Incoming.from_fields(parse_fields(DOC_IMAGE))
    assert image.kind == "image" and image.text is None
    voice = Incoming.from_fields(parse_fields(DOC_VOICE_RECOGNIZED))
    assert voice.text == "腾讯微信团队"
    subscribe = Incoming.from_fields(parse_fields(DOC_SUBSCRIBE.encode()))
    assert (subscribe.kind, subscribe.event) == ("event", "subscribe")
    assert subscribe.key[:3] == ("event", "FromUser", "123456789")


@pytest.mark.parametrize(
    "body", HOSTILE, ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity"]
)
def test_hostile_xml_is_refused_without_expanding_anything(body):
    with pytest.raises(MalformedXml):
        parse_fields(body.encode())


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_xml_is_refused(body):
    with pytest.raises(MalformedXml):
        parse_fields(body)


@pytest.mark.parametrize(
    "fields",
    [
        {"ToUserName": "", "FromUserName": "fromUser", "MsgType": "text"},
        {"ToUserName": "toUser", "FromUserName": "", "MsgType": "text"},
        {"ToUserName": "toUser", "FromUserName": "../etc/passwd", "MsgType": "text"},
        {"ToUserName": "toUser", "FromUserName": "x" * 200, "MsgType": "text"},
        {"ToUserName": "toUser", "FromUserName": "fromUser"},
    ],
)
def test_a_message_without_sender_account_or_type_is_a_bad_request(fields):
    with pytest.raises(BadRequest):
        Incoming.from_fields(fields)


def test_reply_xml_is_read_back_by_wechatpy_and_keeps_tricky_text():
    content = "共需 3 项材料：]]> 与 <b>&amp; 都原样保留\n第二行"
    xml = render_fields(
        {
            "ToUserName": "fromUser",
            "FromUserName": "toUser",
            "CreateTime": 12345678,
            "MsgType": "text",
            "Content": content,
        }
    )
    assert parse_fields(xml)["Content"] == content
    parsed = wechatpy.parse_message(xml)
    assert (parsed.type, parsed.content, parsed.source, parsed.target) == (
        "text",
        content,
        "toUser",
        "fromUser",
    )


def test_characters_xml_cannot_carry_are_dropped_not_fatal():
    xml = render_fields({"Content": "a\x00b\x07c"})
    assert parse_fields(xml)["Content"] == "abc"
