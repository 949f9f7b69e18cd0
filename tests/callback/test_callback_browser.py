"""After hours in a real browser: the widget's callback form, then the console's queue (masked number)."""

from __future__ import annotations

from tests.web.conftest import SCREENSHOTS, run_browser


def test_the_widget_books_a_callback_and_staff_find_it_masked_in_the_queue(after_hours):
    seen = run_browser(
        after_hours,
        "callback",
        say="我老婆刚生了孩子，要办些什么手续",
        phone="139 1234 5678",
        masked="139****5678",
        screenshots=str(SCREENSHOTS),
    )
    assert "现在是非工作时间" in seen["offered"] and "/callback?t=" not in seen["offered"], (
        "the form replaces the link"
    )
    assert seen["windows"] and all("09:00–12:00" in w for w in seen["windows"])
    assert seen["done"].startswith("已预约") and "139****5678" in seen["done"]
    assert seen["doneAfterReload"] == 1, "the booking stays shown after a reload"
    assert "139****5678" in seen["queued"] and "13912345678" not in seen["queued"]
    assert seen["shown"] == "139****5678"
    assert any("转人工" in line for line in seen["transcript"]), "the conversation so far"
    assert seen["revealed"] == "13912345678"
    assert {
        page: [v for v in found if v["impact"] in ("serious", "critical")]
        for page, found in seen["violations"].items()
    } == {"widget": [], "console": []}
