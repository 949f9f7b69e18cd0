"""The report's reading of conversations, on event sequences shaped as Rasa's broker stores them (pure)."""

from __future__ import annotations

import csv
import io

from bot.report.build import build_report, report_csv
from bot.report.events import IDLE_SECONDS, scan

NOW = 1_800_000_000.0
OLD = NOW - IDLE_SECONDS - 60  # conversations that went quiet


def user(text: str, intent: str, at: float, confidence: float = 0.9) -> dict:
    return {
        "event": "user",
        "timestamp": at,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}},
    }


def action(name: str, at: float) -> dict:
    return {"event": "action", "timestamp": at, "name": name}


def slot(name: str, value, at: float) -> dict:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def bot(text: str, at: float, utter: str | None = None) -> dict:
    return {
        "event": "bot",
        "timestamp": at,
        "text": text,
        "metadata": {"utter_action": utter} if utter else {},
    }


CONVERSATIONS = {
    # Not placed twice: a fallback, and "not ours" said by the identify action.
    "a": [
        user("护照怎么办", "out_of_scope", OLD),
        action("action_identify_scenario", OLD),
        bot("抱歉，这件事不在…", OLD, "utter_out_of_scope"),
        user("啊啊啊", "nlu_fallback", OLD + 1, 0.2),
        action("action_fallback", OLD + 1),
    ],
    # "您是想办理…" asked and left unanswered; then a person asked for.
    "b": [
        user("我想开个店", "nlu_fallback", OLD, 0.3),
        action("action_identify_scenario", OLD),
        slot("candidates", ["restaurant_opening", "supermarket_opening"], OLD),
        action("choose_scenario_form", OLD),
    ],
    # Identified, a question asked, left; earlier a handoff in office hours.
    "c": [
        user("孩子出生了", "scenario_newborn", OLD),
        slot("scenario", "newborn", OLD),
        slot("current_question", "parents_ethnicity", OLD),
        user("转人工", "human_handoff", OLD + 1),
        slot("handoff", "requested", OLD + 1),
    ],
    # Identified, answered, checklist given, after-hours handoff: nothing abandoned.
    "d": [
        user("宝宝出生", "scenario_newborn", OLD),
        slot("scenario", "newborn", OLD),
        slot("current_question", "parents_ethnicity", OLD),
        slot("condition_answer", "done", OLD + 1),
        action("action_checklist", OLD + 1),
        slot("handoff", "after_hours", OLD + 2),
    ],
    # Still going: an open clarification is not abandoned yet.
    "e": [slot("candidates", ["newborn"], NOW - 10)],
    # Before the period: not counted at all.
    "f": [user("很久以前", "nlu_fallback", NOW - 100 * 86400), action("action_fallback", NOW - 100 * 86400)],
}


def events():
    for sender, evs in CONVERSATIONS.items():
        for event in evs:
            yield sender, event


def test_scan_finds_what_to_fix():
    found = scan(events(), since=NOW - 30 * 86400, now=NOW)
    assert found.conversations == 5
    assert sorted((e["text"], e["kind"]) for e in found.not_placed) == [
        ("啊啊啊", "fallback"),
        ("护照怎么办", "not_ours"),
    ]
    assert found.abandoned_choices == [
        {"candidates": ["restaurant_opening", "supermarket_opening"], "text": "我想开个店"}
    ]
    assert found.abandoned_questions == [{"scenario": "newborn", "question": "parents_ethnicity"}]
    assert found.handoffs == {("newborn", "requested"): 1, ("newborn", "after_hours"): 1}
    assert found.asked == {"newborn": 2}


def test_the_report_names_ranks_and_exports():
    found = scan(events(), since=NOW - 30 * 86400, now=NOW)
    feedback = {
        "by_scenario": [{"scenario": "newborn", "helpful": 1, "unhelpful": 2}],
        "unhelpful_by_material": [{"scenario": "newborn", "material": "id_card", "count": 2}],
        "unhelpful_by_reason": [{"reason": "wrong_materials", "count": 2}],
    }
    names = {"newborn": "新生儿出生一件事", "restaurant_opening": "开办餐饮店一件事"}
    data = build_report(found, feedback, names, 30, {"id_card": "中华人民共和国居民身份证"})
    assert data["most_asked"] == [{"scenario": "newborn", "name": "新生儿出生一件事", "conversations": 2}]
    assert data["abandoned_choices"][0]["names"] == ["开办餐饮店一件事", "supermarket_opening"]
    assert data["handoffs"] == [
        {"scenario": "newborn", "name": "新生儿出生一件事", "requested": 1, "after_hours": 1}
    ]
    assert data["feedback"]["unhelpful_by_material"][0]["material_name"] == "中华人民共和国居民身份证"
    rows = list(csv.reader(io.StringIO(report_csv(data).lstrip("\ufeff"))))
    assert rows[0] == ["section", "scenario_id", "scenario", "item", "detail", "count"]
    assert [
        "unhelpful_material",
        "newborn",
        "新生儿出生一件事",
        "id_card",
        "中华人民共和国居民身份证",
        "2",
    ] in rows
    assert ["not_placed", "", "", "护照怎么办", "不在一件事范围", "1"] in rows


def test_csv_cells_never_read_as_formulas():
    data = build_report(
        scan(
            iter([("x", user("=HYPERLINK(1)", "nlu_fallback", OLD)), ("x", action("action_fallback", OLD))]),
            0,
            NOW,
        ),
        {},
        {},
        30,
        {},
    )
    assert "'=HYPERLINK(1)" in report_csv(data)
