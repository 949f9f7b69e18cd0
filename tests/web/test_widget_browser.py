"""The citizen widget in a real browser (Debian's chromium), against the real stack."""

from __future__ import annotations

from typing import Any

import pytest

from bot.registry.client import RegistryClient
from bot.render import summary_line
from tests.web.conftest import SCREENSHOTS

NEWBORN = {"say": "我老婆刚生了孩子", "answer": "同一民族"}
NEWBORN_ANSWERS = {"parents_ethnicity": "same"}


@pytest.fixture(scope="module")
def registry_client(stack) -> RegistryClient:
    return RegistryClient.from_settings(stack.settings)


def expected_card(checklist: dict[str, Any]) -> dict[str, Any]:
    """What the card must show, straight from the registry's checklist."""
    items = checklist["items"]
    return {
        "title": checklist["scenario"]["name"],
        "counts": {k: checklist["summary"][k] for k in ("to_submit", "exempt", "reusable")},
        "to_submit": [
            {
                "issuer_kind": g["issuer_kind"],
                "label": g["label"],
                "materials": [i["material"] for i in g["items"]],
            }
            for g in checklist["to_submit_by_issuer"]
        ],
        "exempt": [
            {"material": i["material"], "reason": i["exemption"]["reason"]}
            for i in items
            if i["status"] == "exempt"
        ],
        "reusable": [(i["material"], i["reuse"]["submitted_at"]) for i in items if i["status"] == "reusable"],
    }


def shown_card(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": card["title"],
        "counts": card["counts"],
        "to_submit": card["to_submit"],
        "exempt": card["exempt"],
        "reusable": [(i["material"], i["date"][:10]) for i in card["reusable"]],
    }


def test_a_citizen_gets_the_registrys_checklist_as_a_card(browser, registry_client):
    seen = browser("checklist", screenshots=str(SCREENSHOTS), **NEWBORN)
    assert seen["offered"] == ["同一民族", "不同民族"]
    expected = registry_client.checklist("newborn", NEWBORN_ANSWERS)
    assert shown_card(seen["card"]) == expected_card(expected)
    assert seen["card"]["summary"] == summary_line(expected["summary"])
    # Summary counts, then to submit by issuer, then exempt with the reason (nothing reusable when anonymous).
    assert seen["card"]["order"][:5] == [
        "oo-card-title",
        "oo-card-summary",
        "oo-card-counts",
        "oo-card-submit",
        "oo-card-exempt",
    ]
    assert seen["latestReplies"][-1] == "转人工"  # the follow-up quick replies come with the card
    assert not seen["signedInShown"]
    assert (SCREENSHOTS / "portal-desktop.png").stat().st_size > 10_000


def test_a_signed_in_citizens_earlier_submissions_show_as_reusable_with_their_dates(browser, registry_client):
    seen = browser("checklist", citizen="demo-citizen-001", **NEWBORN)
    expected = registry_client.checklist("newborn", NEWBORN_ANSWERS, "demo-citizen-001")
    assert expected["summary"]["reusable"] > 0  # the demo citizen's file has something for this matter
    assert shown_card(seen["card"]) == expected_card(expected)
    assert seen["card"]["order"][3:6] == ["oo-card-submit", "oo-card-exempt", "oo-card-reuse"]
    assert seen["signedInShown"]


def test_a_reload_and_a_reconnect_keep_the_conversation(browser):
    seen = browser("reload", **NEWBORN)
    assert seen["sessionBefore"] and seen["sessionAfter"] == seen["sessionBefore"]
    assert seen["after"] == seen["before"]
    assert any("同一民族" in m["text"] for m in seen["after"] if m["from"] == "bot")
    assert seen["offlineBanner"]  # and a dropped connection showed the retrying state
    # Answering the question asked before the reload (and the reconnect) gets the answer.
    assert seen["cardTitle"] == "新生儿出生一件事"


def test_enter_while_an_ime_is_composing_does_not_send(browser):
    seen = browser("ime")
    assert seen["dispatched"]["keyCode"] == 229
    assert seen["afterComposingEnter"] == seen["initial"]
    assert seen["after229"] == seen["initial"]
    assert seen["afterPlainEnter"] == seen["initial"] + 1
    assert seen["sentTexts"] == ["退休"]


def test_one_script_tag_embeds_the_widget_which_retries_when_the_server_is_unreachable(browser):
    from bot.ops.procs import free_port

    seen = browser("embed", deadServer=f"http://127.0.0.1:{free_port()}", say="我要退休了")
    offline = seen["offline"]
    assert offline["role"] == "alert"
    assert "Cannot reach the service" in offline["text"] and "attempt" in offline["text"]
    assert offline["sendDisabled"]
    assert offline["title"] == "Help desk"  # data-title
    # The same tag with a live server: a real answer.
    assert any("退休" in m["text"] for m in seen["liveTexts"] if m["from"] == "bot")
