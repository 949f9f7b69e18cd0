"""On WeChat the answer links the one-time notice and asks 有帮助/没帮助 in words; the reasons come as
numbered options; the feedback is recorded for the OpenID's conversation without storing the OpenID."""

from __future__ import annotations

import re

import requests

from bot.feedback.model import REASONS
from bot.render import FEEDBACK_QUESTION
from tests.channels.conftest import LIFE_EVENT, WeixinPeer, lines, new_user
from tests.conftest import REGISTRY_TOKEN


def test_wechat_links_the_notice_and_takes_feedback_by_number(stack, platforms):
    peer = WeixinPeer(stack, platforms.wechat, "wechat", safe=False)
    openid = new_user()
    peer.say(openid, LIFE_EVENT)
    checklist = lines(peer.say(openid, "2"))  # 不同民族
    link = next(line for line in checklist if line.startswith("一次告知单（可打印、存 PDF）："))
    url = link.split("：", 1)[1]
    assert re.fullmatch(re.escape(stack.settings.web.url) + r"/n/[a-z2-7]{10}", url), (
        "a plain link, no OpenID"
    )
    assert openid not in url
    assert FEEDBACK_QUESTION in checklist
    assert any(line.startswith("来源：《新生儿出生一件事》办事指南 https://") for line in checklist)
    page = requests.get(url.replace(stack.settings.web.url, stack.service("web").url), timeout=30)
    assert page.status_code == 200 and "新生儿出生一件事" in page.text

    reasons = lines(peer.say(openid, "没用"))
    for number, label in enumerate(REASONS.values(), 1):
        assert f"{number}. {label}" in reasons
    which = lines(peer.say(openid, "1"))  # 材料清单不对或不全 → which material?
    assert any("哪一项" in line for line in which)
    marriage = next(line for line in which if line.endswith(". 中华人民共和国结婚证"))
    peer.say(openid, marriage.split(".")[0])
    found = requests.get(
        f"{stack.service('registry').url}/feedback/conversations/{openid}",
        headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
        timeout=10,
    ).json()
    [row] = found["feedback"]
    assert (row["rating"], row["reason"], row["material"], row["channel"]) == (
        "unhelpful",
        "wrong_materials",
        "marriage_certificate",
        "wechat",
    )
    assert openid not in str(row)
    assert platforms.wechat.violations == []
