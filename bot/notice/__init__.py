"""The one-time notice (一次告知单): its links, the printable page, its PDF, what changed since.

The words come from :mod:`bot.render` (the same checklist the chat, WeChat and the SMS
read); here they are laid out as an A4 page (``page``), printed to PDF by our own
headless Chromium (``pdf``), compared with the notice as first issued (``changes``) and
served by the web server (``web``) at the stable link ``/n/<code>`` (``links``).
"""
