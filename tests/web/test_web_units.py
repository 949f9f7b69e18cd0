"""The web server's pure parts: staff names, reading a tracker, following the event broker (the
staff sessions themselves: tests/accounts/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.accounts.store import valid_account_name
from bot.identity import sign_citizen_token
from bot.render import STAFF_REPLY
from bot.web.conversations import answers_in_words, summary, transcript
from bot.web.handoffs import HandoffIndex

# -- staff names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["张三", "li.si", "Wang Wu", "A-007", "欧阳·娜娜"])
def test_staff_names_people_use_are_accepted(name):
    assert valid_account_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", "   ", "<b>x</b>", "a\nb", "x" * 33, 7, None, "a;drop"])
def test_staff_names_that_could_mislead_the_audit_log_are_refused(name):
    assert valid_account_name(name) is None


# -- reading a tracker -------------------------------------------------------------------------------

SECRET = "unit-test-citizen-token-secret-32-bytes+"
SCENARIO = {
    "id": "newborn",
    "name": "新生儿出生一件事",
    "questions": [
        {
            "id": "parents_ethnicity",
            "text": "父母是否同一民族？",
            "options": [{"id": "same", "label": "同一民族"}],
        }
    ],
}


def tracker_json(metadata: dict | None = None) -> dict:
    card = {"type": "checklist", "summary_text": "共需 3 项材料"}
    return {
        "sender_id": "abc123abc123",
        "latest_input_channel": "socketio",
        "paused": True,
        "latest_event_time": 5.0,
        "slots": {"scenario": "newborn", "answers": {"parents_ethnicity": "same"}, "handoff": "taken"},
        "events": [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "孩子出生了", "timestamp": 1.0, "metadata": {}},
            {
                "event": "bot",
                "text": "是否同一民族？",
                "timestamp": 2.0,
                "data": {"buttons": [{"title": "同一民族", "payload": "/choose_same"}]},
            },
            {"event": "user", "text": "/choose_same", "timestamp": 3.0, "metadata": metadata or {}},
            {"event": "bot", "text": "【新生儿】…", "timestamp": 4.0, "data": {"custom": card}},
            {
                "event": "bot",
                "text": "您好，我是人工客服",
                "timestamp": 5.0,
                "data": {"custom": {"type": STAFF_REPLY}},
            },
        ],
    }


def test_a_transcript_reads_buttons_cards_and_staff_as_people_see_them():
    messages = transcript(tracker_json()["events"])
    assert [(m["from"], m["text"]) for m in messages] == [
        ("citizen", "孩子出生了"),
        ("bot", "是否同一民族？"),
        ("citizen", "同一民族"),  # the button's title, not its payload
        ("bot", "共需 3 项材料"),
        ("staff", "您好，我是人工客服"),
    ]
    assert messages[3]["card"]["type"] == "checklist"
    assert transcript(tracker_json()["events"], limit=2) == messages[-2:]


def test_the_summary_says_the_matter_the_answers_and_who_is_signed_in():
    token = sign_citizen_token("demo-citizen-001", SECRET)
    found = summary(tracker_json({"citizen_token": token}), SCENARIO, SECRET, messages=3)
    assert found["scenario"] == {"id": "newborn", "name": "新生儿出生一件事", "kind": "scenario"}
    assert found["identified"] is None
    assert found["answers"] == [{"question": "父母是否同一民族？", "answer": "同一民族"}]
    assert found["citizen_id"] == "demo-citizen-001" and found["can_reply"] and found["paused"]
    assert len(found["last_messages"]) == 3
    # A token signed with another secret is nobody; a bare id in the metadata is nobody.
    forged = sign_citizen_token("demo-citizen-001", "not-the-secret-but-just-as-long-as-it")
    assert summary(tracker_json({"citizen_token": forged}), SCENARIO, SECRET)["citizen_id"] is None
    assert summary(tracker_json({"citizen_id": "demo-citizen-001"}), SCENARIO, SECRET)["citizen_id"] is None


def test_the_summary_names_a_catalogue_only_entry_the_bot_identified_and_nothing_malformed():
    tracker = tracker_json()
    entry = {"kind": "catalogue", "id": "-3af984CTh-cb62cVHwV-A", "name": "侨眷身份认定"}
    tracker["slots"] = {"identified": entry, "scenario": None}
    found = summary(tracker, None, SECRET)
    assert found["scenario"] is None and found["identified"] == entry
    for bad in ("x", ["a"], {"kind": "matter", "id": 5, "name": "x"}, {"kind": "matter", "id": "a"}):
        tracker["slots"] = {"identified": bad}
        assert summary(tracker, None, SECRET)["identified"] is None


def test_answers_the_registry_does_not_know_are_shown_as_they_are():
    assert answers_in_words(None, {"q": "x"}) == [{"question": "q", "answer": "x"}]


# -- following Rasa's SQL event broker -------------------------------------------------------------


def test_the_handoff_index_follows_rasas_own_sql_event_broker(tmp_path: Path):
    from rasa.core.brokers.sql import SQLEventBroker

    db = tmp_path / "events.sqlite3"
    index = HandoffIndex(f"sqlite:///{db}")
    assert index.waiting() == []  # before Rasa created the table
    broker = SQLEventBroker(db=str(db))

    def slot(sender: str, value: str | None, at: float, staff: str | None = None) -> None:
        event = {"event": "slot", "name": "handoff", "value": value, "timestamp": at, "sender_id": sender}
        if staff:
            event["metadata"] = {"staff": staff}
        broker.publish(event)

    broker.publish({"event": "user", "text": "handoff 转人工", "timestamp": 0.5, "sender_id": "a"})
    slot("a", "requested", 1.0)
    slot("b", "requested", 2.0)
    slot("c", "requested", 0.5)
    slot("c", "returned", 3.0)
    assert [h.conversation_id for h in index.waiting()] == ["a", "b"]
    slot("b", "taken", 4.0, staff="alice")
    taken = index.get("b")
    assert (taken.state, taken.staff, taken.requested_at) == ("taken", "alice", 2.0)
    slot("a", "returned", 5.0)
    assert [h.conversation_id for h in index.waiting()] == ["b"]
    # A second reader (another web server) builds the same index from the table alone.
    assert [h.conversation_id for h in HandoffIndex(f"sqlite:///{db}").waiting()] == ["b"]
