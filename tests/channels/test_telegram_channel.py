"""Telegram: Rasa's channel with its Bot API at a local fake, fed Telegram's own update shapes.

Update shapes are those of Telegram's webhook guide, "Testing your bot with updates"
(https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates), and of the
Bot API's Update, Message and CallbackQuery types (https://core.telegram.org/bots/api#update);
a tapped inline button arrives as a callback_query carrying the message it was under.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest
import requests
from aiogram.bot.api import TelegramAPIServer

from bot.channels.telegram import SECRET_HEADER, TelegramInput, TelegramOutput, update_kind
from bot.ops.procs import free_port
from tests.channels.conftest import LIFE_EVENT, user_events
from tests.channels.fake_platforms import FakeTelegramApi
from tests.conftest import TELEGRAM_TEST_SETTINGS

SECRET = TELEGRAM_TEST_SETTINGS["telegram_secret_token"]
TOKEN = TELEGRAM_TEST_SETTINGS["telegram_access_token"]


def person(chat_id: int) -> dict:
    return {"last_name": "Test Lastname", "id": chat_id, "first_name": "Test", "username": "Test"}


def message_update(chat_id: int, text: str) -> dict:
    """The webhook guide's "Message with text" update."""
    return {
        "update_id": random.randint(10000, 10**9),
        "message": {
            "date": int(time.time()),
            "chat": person(chat_id),
            "message_id": random.randint(1, 10**6),
            "from": person(chat_id),
            "text": text,
        },
    }


def button_update(chat_id: int, data: str) -> dict:
    """A tap on an inline keyboard button of the bot's message in a private chat."""
    return {
        "update_id": random.randint(10000, 10**9),
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": {**person(chat_id), "is_bot": False},
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {**person(chat_id), "type": "private"},
                "text": "…",
            },
            "chat_instance": "-123456789",
            "data": data,
        },
    }


# The webhook guide's "Callback query" sample: from an inline-mode message, with no chat.
INLINE_CALLBACK = {
    "update_id": 10000,
    "callback_query": {
        "id": "4382bfdwdsb323b2d9",
        "from": {
            "last_name": "Test Lastname",
            "type": "private",
            "id": 1111111,
            "first_name": "Test",
            "username": "Test",
        },
        "data": "Data from button callback",
        "inline_message_id": "1234csdbsk4839",
    },
}


class Telegram:
    """Telegram's servers, posting updates to our webhook."""

    def __init__(self, stack, fake: FakeTelegramApi) -> None:
        self.url = f"{stack.service('rasa').url}/webhooks/telegram/webhook"
        self.fake = fake

    def post(self, update: object, secret: str | None = SECRET) -> requests.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(self.url, json=update, headers=headers, timeout=30)

    def send(self, chat_id: int, update: dict) -> list[dict]:
        before = len(self.fake.sent_to(str(chat_id)))
        response = self.post(update)
        assert (response.status_code, response.text) == (200, "success")
        return [
            {"text": s.text, "keyboard": (s.extra["reply_markup"] or {}).get("inline_keyboard")}
            for s in self.fake.wait_for(str(chat_id), before + 1)[before:]
        ]


@pytest.fixture
def telegram(stack, platforms):
    return Telegram(stack, platforms.telegram)


def test_the_webhook_is_set_with_our_url_and_secret(stack, platforms):
    answer = requests.get(f"{stack.service('rasa').url}/webhooks/telegram/set_webhook", timeout=10)
    assert answer.text == "Webhook setup successful"
    assert platforms.telegram.webhooks[-1] == {
        "url": TELEGRAM_TEST_SETTINGS["telegram_webhook_url"],
        "secret_token": SECRET,
    }


def test_a_conversation_with_buttons_as_an_inline_keyboard(stack, telegram):
    chat_id = random.randint(10**8, 10**9)
    first = telegram.send(chat_id, message_update(chat_id, LIFE_EVENT))
    question = first[-1]
    assert "新生儿出生一件事" in first[0]["text"]
    assert question["keyboard"] == [  # one button a row: our labels are long
        [{"text": "同一民族", "callback_data": "同一民族"}],
        [{"text": "不同民族", "callback_data": "不同民族"}],
    ]
    checklist = telegram.send(chat_id, button_update(chat_id, "同一民族"))
    assert checklist[0]["text"].startswith("【新生儿出生一件事】")
    follow_ups = [row[0]["callback_data"] for row in checklist[-1]["keyboard"]]
    assert follow_ups[:2] == ["/ask_why_exempt", "/ask_duration"]
    telegram.send(chat_id, message_update(chat_id, "2"))  # a typed number picks the option too
    said = user_events(stack, str(chat_id))
    assert [e["text"] for e in said] == [LIFE_EVENT, "同一民族", "/ask_duration"]
    assert telegram.fake.violations == []


@pytest.mark.parametrize(
    ("update", "secret", "status"),
    [
        ("ok", None, 403),
        ("ok", "wrong-secret", 403),
        ([], SECRET, 400),
        ({"update_id": "10000"}, SECRET, 400),
        ("not json", SECRET, 400),
    ],
)
def test_updates_without_our_secret_or_not_updates_are_refused(stack, telegram, update, secret, status):
    chat_id = random.randint(10**8, 10**9)
    body = message_update(chat_id, "你好") if update == "ok" else update
    if body == "not json":
        response = requests.post(telegram.url, data=b"{not json", headers={SECRET_HEADER: SECRET}, timeout=10)
    else:
        response = telegram.post(body, secret)
    assert response.status_code == status
    assert user_events(stack, str(chat_id)) == []


@pytest.mark.parametrize(
    "update",
    [
        INLINE_CALLBACK,
        {"update_id": 1, "message": "not a message"},
        {"update_id": 2, "message": {"chat": {"id": "1"}, "text": "你好"}},
        {"update_id": 3, "my_chat_member": {"chat": {"id": 1}}},
    ],
)
def test_updates_we_do_not_answer_are_acknowledged_and_ignored(telegram, update):
    assert update_kind(update) is None
    response = telegram.post(update)
    assert (response.status_code, response.text) == (200, "success")


def test_a_photo_is_acknowledged_without_an_answer(stack, telegram):
    chat_id = random.randint(10**8, 10**9)
    update = message_update(chat_id, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    assert telegram.post(update).status_code == 200
    assert user_events(stack, str(chat_id)) == []


def test_long_payloads_become_numbers_and_long_texts_are_split():
    fake = FakeTelegramApi(free_port(), TOKEN, "onceonly_test_bot").start()
    label = "指定监护人（居委会、村委会、民政部门或法院指定）"  # 72 bytes: over callback_data's 64

    async def scenario():
        output = TelegramOutput(TOKEN, TelegramAPIServer.from_base(f"http://127.0.0.1:{fake.port}"))
        buttons = [{"title": "是", "payload": "是"}, {"title": label, "payload": label}]
        await output.send_text_with_buttons("42", "\n".join(["长" * 100] * 45), buttons)
        await output.session.close()

    try:
        asyncio.run(scenario())
    finally:
        fake.stop()
    assert fake.violations == []
    assert [len(s.text) for s in fake.sent] == [4039, 504]  # cut at a line end under 4096
    keyboard = fake.sent[-1].extra["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "是", "callback_data": "是"}], [{"text": label, "callback_data": "2"}]]


def test_without_a_bot_token_the_channel_is_off():
    channel = TelegramInput(access_token="", verify="", webhook_url="")
    assert not channel.enabled
    blueprint = channel.blueprint(lambda message: asyncio.sleep(0))
    (route,) = blueprint._future_routes
    assert route.uri == "/webhook"
    assert asyncio.run(route.handler(None)).status == 404
