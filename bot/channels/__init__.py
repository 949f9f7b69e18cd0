"""Messaging-app channels of the Rasa server: WeChat Official Account, WeCom, Telegram.

Rasa loads them from credentials.yml by module path and serves each at
``/webhooks/<name>/webhook``. WeChat (``wechat``) and WeCom (``wecom``) share one
implementation (:mod:`bot.channels.weixin_channel` and the ``weixin_*`` modules:
signatures and encryption, XML, the message API, the 5-second rule); Telegram is
Rasa's own channel with its API address made a setting (:mod:`bot.channels.telegram`).
Text-only channels render the bot's buttons as numbered options
(:mod:`bot.channels.plain_text`, :mod:`bot.channels.number_replies`).
"""
