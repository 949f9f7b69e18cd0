"""Rasa's Telegram output channel, built against a Bot API server of our choosing.

Rasa's ``TelegramOutput`` is an aiogram 2 ``Bot`` whose constructor takes only the
token, so it always talks to api.telegram.org; aiogram's ``Bot`` takes a
``server=TelegramAPIServer`` (tests run a local fake of the Bot API there). Rasa's
constructor does nothing but call ``Bot.__init__(access_token)``, so this one calls
``Bot.__init__`` itself, past Rasa's, with the server added.
Contract: tests/rasa_compat/test_telegram.py.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels import telegram as rasa_telegram


class TelegramOutputOnServer(rasa_telegram.TelegramOutput):
    """Rasa's Telegram output, sending to ``server`` instead of api.telegram.org."""

    def __init__(self, access_token: str, server: TelegramAPIServer) -> None:
        Bot.__init__(self, access_token, server=server)
