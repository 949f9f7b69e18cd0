"""What 转人工 says outside office hours: when staff are back, and the callback request form.

The form is ours (the web server's ``/callback``), never a chat message: a phone number
typed into the chat would be redacted by the channel (bot/privacy/redact.py) and would
sit in the conversation's history. The link carries the conversation id sealed and
expiring (bot/sealed.py), so a request can only be made for the conversation that asked,
and a WeChat OpenID never appears in it in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.callback.hours import DAY_NAMES, OfficeHours
from bot.sealed import Sealer
from bot.settings import Settings

PURPOSE = "callback"
LINK_HOURS = 24  # how long an offered callback form stays valid
CALLBACK_OFFER = "callback_offer"  # the custom payload's type (the widget shows the form in place)


def seal_conversation(settings: Settings, conversation_id: str, channel: str | None) -> str:
    return Sealer(settings.secrets.link_secret, PURPOSE).seal(
        {"conversation": conversation_id, "channel": channel}
    )


def open_conversation(settings: Settings, token: object) -> dict[str, Any] | None:
    """``{"conversation", "channel"}`` from a genuine, unexpired callback token; else None."""
    opened = Sealer(settings.secrets.link_secret, PURPOSE).open(token, LINK_HOURS * 3600)
    if not opened or not isinstance(opened.get("conversation"), str):
        return None
    return opened


def when_back(hours: OfficeHours, now: datetime | None = None) -> str:
    back = hours.next_opening(now)
    if back is None:
        return "暂无人工服务时间"
    now = (now or hours.now()).astimezone(hours.zone)
    weekday = f"（{DAY_NAMES[back.weekday()]}）"
    day = {0: "今天", 1: "明天" + weekday, 2: "后天" + weekday}.get((back.date() - now.date()).days)
    return f"{day or f'{back.month}月{back.day}日{weekday}'} {back:%H:%M}"


def callback_offer(
    settings: Settings, hours: OfficeHours, conversation_id: str, channel: str | None
) -> tuple[str, dict[str, Any]]:
    """The message (text for every channel) and the widget's payload offering a callback."""
    token = seal_conversation(settings, conversation_id, channel)
    form_url = f"{settings.web.url}/callback?t={quote(token, safe='')}"
    back = when_back(hours) if hours.next_opening() else None
    when = (
        f"现在是非工作时间，人工客服暂时不在（服务时间：{hours.describe()}），工作人员{back}上班。"
        if back
        else "现在没有人工客服值守。"
    )
    text = (
        f"{when}\n您可以留下电话号码和方便接听的时间，工作人员上班后给您回电。"
        f"急事请拨打 {settings.contact.hotline}。\n预约回电：{form_url}"
    )
    custom = {
        "type": CALLBACK_OFFER,
        "token": token,
        "post_url": f"{settings.web.url}/callback",
        "form_url": form_url,
        "windows": hours.windows(),
        "back": back,
    }
    return text, custom
