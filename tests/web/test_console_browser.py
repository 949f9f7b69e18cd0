"""The staff console in a real browser: a citizen's 转人工 reaches the queue; staff take it over."""

from __future__ import annotations

from tests.web.conftest import SCREENSHOTS

# What the citizen and the staff member say in these scenarios (see browser.mjs).
SCRIPT = {
    "say": "我老婆刚生了孩子",
    "answer": "同一民族",
    "reply": "您好，结婚证请带原件，我帮您核对一下。",
    "whilePaused": "好的谢谢",
    "workspace": "我要退休了",
    "afterRelease": "想开个饭店",
}


def test_handoff_queue_staff_reply_and_hand_back(browser, tracker):
    seen = browser("handoff", screenshots=str(SCREENSHOTS), **SCRIPT)
    assert seen["loginStatus"] == 401  # the console refuses until staff sign in
    # The queue shows the conversation with the bot's summary.
    assert seen["queued"]["state"] == "requested"
    assert "新生儿出生一件事" in seen["queued"]["text"] and "转人工" in seen["queued"]["text"]
    assert "新生儿出生一件事" in seen["summary"] and "未登录" in seen["summary"]
    # Taking it greets the citizen; the staff reply appears in the citizen's widget, marked as a person.
    assert len(seen["staffMessages"]) == 2
    assert seen["staffMessages"][1].endswith("您好，结婚证请带原件，我帮您核对一下。")
    assert all(m.startswith("人工客服") for m in seen["staffMessages"])
    # While staff are in, the bot says nothing, and staff see what the citizen wrote.
    assert seen["botsWhilePaused"] == 0
    assert any(line.startswith("citizen:") and "好的谢谢" in line for line in seen["transcript"])
    # The checklist staff send is the bot's own card, for what the workspace identified.
    assert "退休" in seen["identified"]
    assert seen["sentCardTitle"] == "退休“一件事”"
    # Handing back: a closing message, then the bot answers again, and the queue is empty of it.
    assert "智能助手继续为您服务" in seen["handedBack"]
    assert "开办餐饮店" in " ".join(m["text"] for m in seen["last"] if m["from"] == "bot")
    state = tracker(seen["conversation"])
    assert not state["paused"] and state["slots"]["handoff"] == "returned"
    assert (SCREENSHOTS / "console-desktop.png").stat().st_size > 10_000


def test_no_serious_accessibility_violations_and_screenshots_at_both_widths(browser):
    seen = browser("accessibility", screenshots=str(SCREENSHOTS), **SCRIPT)
    serious = {
        page: [v for v in violations if v["impact"] in ("serious", "critical")]
        for page, violations in seen["violations"].items()
    }
    assert serious == {page: [] for page in seen["violations"]}, serious
    assert set(seen["violations"]) == {
        "portal",
        "portalClosed",
        "portalPhone",
        "login",
        "console",
        "consolePhone",
    }
    assert seen["loginStatus"] == 401
    # Full-screen on a phone.
    assert seen["phonePanel"] == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert "退休" in seen["deskIdentified"]
    for name in ("portal-phone", "console-phone"):
        assert (SCREENSHOTS / f"{name}.png").exists(), name


def test_words_typed_before_the_console_script_ran_are_not_lost(browser):
    seen = browser("consoleSlowScript", **SCRIPT)
    assert seen["readyBefore"] == 0, "the text was typed while the script was still held back"
    assert "退休" in seen["identified"]
