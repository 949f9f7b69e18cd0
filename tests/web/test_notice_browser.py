"""The notice, citations, feedback, the SMS and the report in a real browser (Debian's chromium).

The screenshots go to docs/screenshots/ (notice-print.png is the notice in print media on
A4; widget-notice-card.png, console-sms.png, console-report.png show the rest).
"""

from __future__ import annotations

import requests

from bot.feedback.model import REASONS
from tests.web.conftest import SCREENSHOTS

BLOCKING = ("serious", "critical")


def blocking(violations: dict) -> dict:
    return {page: [v for v in found if v["impact"] in BLOCKING] for page, found in violations.items()}


def registry_items(stack, scenario: str, answers: dict) -> list[list[str]]:
    checklist = requests.post(
        stack.service("registry").url + "/checklist",
        json={"scenario": scenario, "answers": answers},
        timeout=10,
    ).json()
    return sorted([i["material"], i["status"]] for i in checklist["items"])


def test_the_card_offers_the_notice_cites_its_source_takes_feedback_and_the_notice_prints(stack, browser):
    seen = browser(
        "notice",
        say="我老婆刚生了孩子，要办些什么手续",
        answer="不同民族",
        rate="没帮助",
        screenshots=str(SCREENSHOTS),
    )
    assert seen["noticeHref"].startswith(stack.settings.web.url + "/n/")
    assert seen["pdfHref"] == seen["noticeHref"] + "/pdf"
    assert seen["citeOpenBefore"] is False and seen["citeOpen"] is True, "one line, expandable"
    assert seen["citeLine"].startswith("来源：《新生儿出生一件事》办事指南 · v")
    assert seen["citeLink"].startswith("https://zwfw-new.hunan.gov.cn/")
    assert seen["afterFeedback"]["pressed"] == "没帮助" and seen["afterFeedback"]["sent"] == "没帮助"
    assert seen["afterFeedback"]["replies"] == list(REASONS.values())
    printed = seen["printed"]
    assert printed["toolsVisible"] is False, "print media hides the buttons"
    assert sorted(printed["rows"]) == registry_items(stack, "newborn", {"parents_ethnicity": "different"})
    assert printed["title"] == "新生儿出生一件事" and "材料库 v" in printed["citation"]
    assert seen["pdfHead"] == "%PDF-" and seen["pdfBytes"] > 10_000
    assert blocking(seen["violations"]) == {"widget": [], "notice": []}
    for name in ("notice-print.png", "widget-notice-card.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000


def test_staff_issue_the_notice_copy_the_sms_and_read_the_report(stack, browser):
    seen = browser(
        "consoleNotice", workspace="老婆刚生了孩子，我们俩不是一个民族", screenshots=str(SCREENSHOTS)
    )
    limit = stack.settings.notice.sms_segment_chars
    assert seen["sms"] and all(len(s) <= limit for s in seen["sms"])
    assert seen["sms"][0].startswith(f"【新生儿出生一件事 1/{len(seen['sms'])}】")
    assert seen["copied"] == seen["sms"][0], "the copy button puts the segment on the clipboard"
    assert seen["noticeLink"].startswith(stack.settings.web.url + "/n/")
    assert "问得最多的事项" in seen["sections"] and "没能识别的提问" in seen["sections"]
    assert seen["csvHref"] == "/console/api/report.csv?days=30"
    assert blocking(seen["violations"]) == {"console": [], "report": []}
