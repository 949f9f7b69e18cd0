"""Whole conversations through the real stack: REST channel → Rasa → action server → registry."""

from __future__ import annotations

import pytest
import requests

from bot.identity import sign_citizen_token
from tests.conftest import Chat, rasa_tracker


def registry_checklist(stack, scenario: str, answers: dict, citizen: str | None = None) -> dict:
    from tests.conftest import REGISTRY_TOKEN

    body = {"scenario": scenario, "answers": answers, **({"citizen_id": citizen} if citizen else {})}
    return requests.post(
        stack.service("registry").url + "/checklist",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
    ).json()


def statuses(card: dict) -> dict[str, set[str]]:
    return {
        "to_submit": {i["material"] for g in card["to_submit"] for i in g["items"]},
        "exempt": {i["material"] for i in card["exempt"]},
        "reusable": {i["material"] for i in card["reusable"]},
    }


def expected_statuses(checklist: dict) -> dict[str, set[str]]:
    return {
        s: {i["material"] for i in checklist["items"] if i["status"] == s}
        for s in ("to_submit", "exempt", "reusable")
    }


def test_new_parent_is_asked_one_question_then_gets_the_registrys_checklist(stack, chat):
    person = chat()
    first = person.say("我老婆刚生了孩子，要办些什么手续")
    assert "新生儿出生一件事" in Chat.text(first)
    assert Chat.buttons(first) == ["同一民族", "不同民族"]
    answer = person.say("不同民族")
    card = Chat.card(answer)
    assert card is not None, Chat.text(answer)
    expected = registry_checklist(stack, "newborn", {"parents_ethnicity": "different"})
    assert statuses(card) == expected_statuses(expected)
    text = Chat.text(answer)
    assert text.startswith("【新生儿出生一件事】") and "共需" in text and "费用清单" in text
    assert "登录后" in text


def test_a_signed_in_parent_sees_earlier_submissions_as_reusable(stack, chat):
    from tests.conftest import REGISTRY_TOKEN  # noqa: F401  (the stack runs with the tests' registry token)

    token = sign_citizen_token("demo-citizen-001", stack.settings.secrets.citizen_token_secret)
    person = chat(metadata={"citizen_token": token})
    person.say("宝宝出生了要办哪些证")
    card = Chat.card(person.say("同一民族"))
    expected = registry_checklist(stack, "newborn", {"parents_ethnicity": "same"}, "demo-citizen-001")
    assert statuses(card) == expected_statuses(expected)
    assert statuses(card)["reusable"], "demo-citizen-001 has newborn materials on file"


def test_someone_elses_token_is_not_trusted(stack, chat):
    forged = sign_citizen_token("demo-citizen-001", "not-the-portals-secret-at-all-0123456789")
    person = chat(metadata={"citizen_token": forged})
    person.say("宝宝出生了要办哪些证")
    card = Chat.card(person.say("同一民族"))
    assert card["reusable"] == []


def test_the_answer_can_be_the_options_number(stack, chat):
    person = chat()
    person.say("我老婆刚生了孩子，要办些什么手续")
    card = Chat.card(person.say("1"))
    assert card["answers"] == {"parents_ethnicity": "same"}


def test_a_question_in_the_middle_is_answered_and_the_question_comes_back(stack, chat):
    person = chat()
    person.say("我老婆刚生了孩子，要办些什么手续")
    reply = person.say("身份证要交吗")
    assert "不用您提交" in Chat.text(reply)
    assert Chat.buttons(reply) == ["同一民族", "不同民族"]
    assert Chat.card(person.say("不同民族")) is not None


def test_a_request_for_one_matter_is_read_as_such_and_answered_with_its_checklist(stack, chat):
    """The trained model reads a request for one matter as ``registry_matter`` (learnt from the
    registry's matter names, not from this wording), its rule sends it to the identify action, and
    the registry matcher says which matter: the checklist is that matter's, from the registry."""
    person = chat()
    reply = person.say("工伤认定怎么申请")
    tracker = rasa_tracker(stack, person.sender)
    latest = tracker["latest_message"]
    assert latest["intent"]["name"] == "registry_matter", latest["intent"]
    assert latest["registry"]["ranking"][0]["id"] == "work_injury_recognition"
    assert tracker["slots"]["identified"] == {
        "kind": "matter",
        "id": "work_injury_recognition",
        "name": "工伤认定申请",
    }
    card = Chat.card(reply)
    assert card is not None, Chat.text(reply)
    expected = registry_checklist(stack, "work_injury_recognition", {})
    assert statuses(card) == expected_statuses(expected) and card["summary"] == expected["summary"]


def test_a_matter_is_found_by_its_peoples_words_alone(stack, chat):
    """One of the matter's phrases (``data/nlu/matters``) shares no two characters with its name
    or aliases: only the phrases, read by the matcher inside the served model, can find it."""
    import re

    import yaml

    from bot.settings import ROOT

    text = "营业执照刚下来，准备开家快捷酒店，还差公安这一块的证"
    matter = yaml.safe_load(
        (ROOT / "data/registry/matters/hotel_special_trade_licence.yml").read_text("utf-8")
    )
    phrases = yaml.safe_load((ROOT / "data/nlu/matters/hotel_special_trade_licence.yml").read_text("utf-8"))
    assert text in phrases["phrases"]

    def pairs(s: str) -> set[str]:
        s = re.sub(r"[^\u4e00-\u9fff]", "", s)
        return {s[i : i + 2] for i in range(len(s) - 1)}

    assert not pairs(text) & set().union(*(pairs(w) for w in [matter["name"], *matter["aliases"]]))
    reply = chat().say(text)
    card = Chat.card(reply)
    assert card is not None, Chat.text(reply)
    expected = registry_checklist(stack, "hotel_special_trade_licence", {})
    assert statuses(card) == expected_statuses(expected) and card["summary"] == expected["summary"]


def test_a_word_for_one_matter_a_scenario_bundles_is_answered_as_the_matter(stack, chat):
    """The issue's own words: 失业金 is 失业保险金申领 (its alias, not its scenario's). The
    checklist is the matter's, and the reply offers the one-thing scenario that bundles it."""
    person = chat()
    reply = person.say("被辞退了失业金怎么领")
    identified = rasa_tracker(stack, person.sender)["slots"]["identified"]
    assert identified["id"] == "unemployment_insurance_benefit_claim", identified
    card = Chat.card(reply)
    assert card is not None, Chat.text(reply)
    expected = registry_checklist(stack, "unemployment_insurance_benefit_claim", {})
    assert statuses(card) == expected_statuses(expected)
    assert "一起办" in Chat.text(reply) and "登记失业人员就业帮扶" in Chat.text(reply)


def test_a_matter_we_do_not_cover_gets_an_honest_answer_not_a_checklist(stack, chat):
    reply = chat().say("我想给家里的狗办个养犬登记")
    assert Chat.card(reply) is None
    assert "12345" in Chat.text(reply)


@pytest.mark.parametrize("ask", ["转人工", "帮我转人工客服", "我要找人工"], ids=["taught", "polite", "find"])
def test_asking_for_a_person(stack, chat, ask):
    """In the middle of a situation question; 人工 is also in people's words for entries
    (外国人工作许可), which must not take the request for a person."""
    person = chat()
    person.say("我老婆刚生了孩子，要办些什么手续")
    reply = person.say(ask)
    assert "人工" in Chat.text(reply)
    tracker = rasa_tracker(stack, person.sender)
    assert tracker["slots"]["handoff"] == "requested"
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


def test_follow_ups_after_the_answer(stack, chat):
    person = chat()
    person.say("我老婆刚生了孩子，要办些什么手续")
    person.say("1")
    assert "5 个工作日" in Chat.text(person.say("要多长时间"))
    assert "部门" in Chat.text(person.say("要跑哪些部门"))


def test_a_two_character_follow_up_is_read_as_taught(stack, chat):
    """要多久 is a training phrase of ask_duration, yet the model alone gives it 0.33 (flat over ~75
    intents): the known-phrase component reads it, with its punctuation, as taught."""
    person = chat()
    person.say("我老婆刚生了孩子，要办些什么手续")
    person.say("1")
    reply = person.say("要多久？")
    assert rasa_tracker(stack, person.sender)["latest_message"]["intent"] == {
        "name": "ask_duration",
        "confidence": 1.0,
    }
    assert "5 个工作日" in Chat.text(reply)


def test_registry_down_gives_an_apology_then_recovers(stack, chat):
    registry = stack.service("registry")
    person = chat()
    registry.stop()
    try:
        reply = person.say("我老婆刚生了孩子，要办些什么手续")
        assert "抱歉" in Chat.text(reply) and "12345" in Chat.text(reply)
    finally:
        registry.start().wait_ready(60)
    assert "新生儿出生一件事" in Chat.text(person.say("我老婆刚生了孩子，要办些什么手续"))
