"""Rasa's Telegram output built past Rasa's constructor is the object Rasa's constructor builds."""

from __future__ import annotations

import inspect

from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from rasa.core.channels import telegram as rasa_telegram

from bot.rasa_compat.telegram import TelegramOutputOnServer

TOKEN = "123456:onceonly-test-token"


def test_rasas_constructor_only_calls_the_aiogram_bots() -> None:
    source = inspect.getsource(rasa_telegram.TelegramOutput.__init__)
    body = [line.strip() for line in source.splitlines()[1:] if line.strip()]
    assert body == ["super().__init__(access_token)"]
    assert list(inspect.signature(rasa_telegram.TelegramOutput.__init__).parameters) == [
        "self",
        "access_token",
    ]


def test_on_telegrams_server_it_is_what_rasa_builds() -> None:
    rasas = rasa_telegram.TelegramOutput(TOKEN)
    ours = TelegramOutputOnServer(TOKEN, TELEGRAM_PRODUCTION)
    assert set(vars(ours)) == set(vars(rasas))
    assert ours.server == rasas.server == TELEGRAM_PRODUCTION
    assert ours._token == rasas._token == TOKEN
    assert ours.name() == rasas.name() == "telegram"


def test_on_another_server_it_sends_there() -> None:
    server = TelegramAPIServer.from_base("http://127.0.0.1:9")
    ours = TelegramOutputOnServer(TOKEN, server)
    assert ours.server is server
    assert ours.server.api_url(TOKEN, "sendMessage").startswith("http://127.0.0.1:9/bot")
