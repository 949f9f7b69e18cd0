"""The message API client against local fakes of WeChat's and WeCom's API servers (real HTTP)."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.wechat import customer_service_api
from bot.channels.wecom import app_message_api
from bot.channels.weixin_api import ApiError
from bot.ops.procs import free_port
from tests.channels.fake_platforms import FakeWeixinApi


@pytest.fixture
def wechat_api():
    fake = FakeWeixinApi("wechat", free_port(), "wxtest0000000001", "app-secret").start()
    yield fake
    fake.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(fake: FakeWeixinApi, secret: str = "app-secret", clock=None):
    api = customer_service_api(f"http://127.0.0.1:{fake.port}", fake.account_id, secret)
    if clock is not None:
        api._clock = clock
    return api


def run(coroutine):
    return asyncio.run(coroutine)


def test_messages_go_out_as_documented_with_one_token_for_many_sends(wechat_api):
    async def scenario():
        api = client(wechat_api)
        await api.send_texts("oUser1", ["您好，这是第一条", "第二条"])
        await asyncio.gather(*(api.send_text("oUser2", f"并发 {i}") for i in range(5)))
        await api.close()

    run(scenario())
    assert wechat_api.violations == []
    assert [s.text for s in wechat_api.sent_to("oUser1")] == ["您好，这是第一条", "第二条"]
    assert len(wechat_api.sent_to("oUser2")) == 5
    assert len(wechat_api.tokens_issued) == 1  # concurrent senders waited for the one fetch
    assert wechat_api.sent[0].extra == {
        "touser": "oUser1",
        "msgtype": "text",
        "text": {"content": "您好，这是第一条"},
    }


def test_an_expired_token_is_replaced_and_the_message_sent_once(wechat_api):
    async def scenario():
        api = client(wechat_api)
        await api.send_text("oUser", "一")
        wechat_api.expire_tokens()  # the platform now answers 42001 for it
        await api.send_text("oUser", "二")
        await api.close()

    run(scenario())
    assert [s.text for s in wechat_api.sent_to("oUser")] == ["一", "二"]
    assert len(wechat_api.tokens_issued) == 2
    assert wechat_api.sent[-1].token == wechat_api.tokens_issued[-1]


def test_the_token_is_refreshed_before_it_expires(wechat_api):
    clock = Clock()

    async def scenario():
        api = client(wechat_api, clock=clock)
        await api.send_text("oUser", "一")
        clock.now += 7200 - 301  # still fresh
        await api.send_text("oUser", "二")
        clock.now += 2  # within five minutes of expiry: fetch a new one
        await api.send_text("oUser", "三")
        await api.close()

    run(scenario())
    assert len(wechat_api.tokens_issued) == 2
    assert [s.token for s in wechat_api.sent] == [wechat_api.tokens_issued[0]] * 2 + [
        wechat_api.tokens_issued[1]
    ]


def test_a_wrong_secret_or_an_unreachable_platform_raise_api_error(wechat_api):
    async def scenario():
        with pytest.raises(ApiError) as refused:
            await client(wechat_api, secret="wrong").send_text("oUser", "x")
        unreachable = customer_service_api(f"http://127.0.0.1:{free_port()}", "wx", "s")
        with pytest.raises(ApiError):
            await unreachable.send_text("oUser", "x")
        await unreachable.close()
        return refused.value.errcode

    assert run(scenario()) == 40001
    assert wechat_api.sent == []


def test_wecom_app_messages_carry_the_agent_id():
    fake = FakeWeixinApi("wecom", free_port(), "wwtest0000000001", "corp-secret", agent_id=1000002).start()
    try:

        async def scenario():
            api = app_message_api(
                f"http://127.0.0.1:{fake.port}", "wwtest0000000001", "corp-secret", "1000002"
            )
            await api.send_text("ZhangSan", "企业微信消息")
            await api.close()

        run(scenario())
    finally:
        fake.stop()
    assert fake.violations == []
    assert fake.sent[0].extra == {
        "touser": "ZhangSan",
        "msgtype": "text",
        "text": {"content": "企业微信消息"},
        "agentid": 1000002,
        "safe": 0,
    }
