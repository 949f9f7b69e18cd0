"""Each action on a tracker fixture: what it says and which events it returns, answered by the real registry."""

from __future__ import annotations

import pytest
import requests

from actions.checklist import ActionChecklist
from actions.conditions import ActionAskConditionAnswer, ValidateConditionsForm
from actions.followups import ActionAnswerMaterial, ActionAnswerScenarioInfo
from actions.identify import ActionAskChosenScenario, ActionIdentifyScenario, ValidateChooseScenarioForm
from bot.settings import override_settings
from tests.actions.conftest import load_tracker, said, slots

pytestmark = pytest.mark.usefixtures("registry_service")


def test_identified_scenario_with_a_question_goes_to_the_form(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("newborn_described"))
    assert all("新生儿出生一件事" in text for text in said(messages[0]))
    assert slots(events)["scenario"] == "newborn"
    assert slots(events)["next_step"] == "ask_conditions"
    assert slots(events)["answers"] == {}


def test_a_situation_stated_up_front_is_not_asked_and_the_answer_comes_in_the_same_call(
    run, registry_service
):
    messages, events = run(ActionIdentifyScenario, load_tracker("newborn_described_with_situation"))
    assert slots(events)["answers"] == {"parents_ethnicity": "different"}
    assert slots(events)["next_step"] == "answered"
    assert all("新生儿出生一件事" in text for text in said(messages[0]))
    card = messages[1]["custom"]
    expected = requests.post(
        registry_service[0] + "/checklist",
        json={"scenario": "newborn", "answers": {"parents_ethnicity": "different"}},
        timeout=10,
    ).json()
    assert card["summary"] == expected["summary"]
    assert [i["material"] for g in card["to_submit"] for i in g["items"]] == [
        i["material"] for g in expected["to_submit_by_issuer"] for i in g["items"]
    ]
    assert slots(events)["answer_version"] == expected["registry_version"]["number"]


def test_vague_request_asks_which_matter(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("shop_vague"))
    assert messages == []  # the form asks
    assert slots(events)["next_step"] == "clarify"
    assert slots(events)["candidates"] == ["restaurant_opening", "supermarket_opening"]
    assert slots(events)["description"] == "我想开个店"


def test_the_choice_question_has_a_button_per_candidate(run):
    messages, _ = run(ActionAskChosenScenario, load_tracker("shop_choice_reply", reply="x"))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["开办餐饮店一件事", "开办超市、便利店“一件事”", "都不是"]
    # The payload is the name: the matcher reads it back, whatever kind the entry is.
    assert messages[0]["buttons"][0]["payload"] == "开办餐饮店一件事"


@pytest.mark.parametrize(
    ("reply", "chosen"),
    [
        ("2", "supermarket_opening"),
        ("开办餐饮店一件事", "restaurant_opening"),
        ("是的", "restaurant_opening"),
        ("都不是", "none"),
    ],
)
def test_the_choice_is_read_from_a_number_a_name_or_a_yes(run, reply, chosen):
    _, events = run(ValidateChooseScenarioForm, load_tracker("shop_choice_reply", reply=reply))
    assert slots(events)["chosen_scenario"] == chosen


def test_nothing_plausible_is_said_honestly(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("weather"))
    assert messages == []  # the rule says utter_out_of_scope: where to turn
    assert slots(events)["next_step"] == "not_ours"


def test_the_situation_question_comes_with_buttons(run):
    messages, events = run(ActionAskConditionAnswer, load_tracker("newborn_question_reply", reply="x"))
    assert "民族" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["同一民族", "不同民族"]
    assert slots(events)["current_question"] == "parents_ethnicity"


@pytest.mark.parametrize("reply", ["不同民族", "2", "不同"])
def test_an_answer_completes_the_questions(run, reply):
    _, events = run(ValidateConditionsForm, load_tracker("newborn_question_reply", reply=reply))
    assert slots(events) == {"answers": {"parents_ethnicity": "different"}, "condition_answer": "done"}


def test_a_non_answer_is_asked_again(run):
    messages, events = run(ValidateConditionsForm, load_tracker("newborn_question_reply", reply="随便吧"))
    assert slots(events) == {"condition_answer": None}
    assert messages[0]["response"] == "utter_pick_an_option"
    assert all("选" in text for text in said(messages[0]))


def test_a_request_in_the_middle_is_handed_to_the_rules(run):
    _, events = run(ValidateConditionsForm, load_tracker("newborn_question_interrupted"))
    assert [e["event"] for e in events] == ["action_execution_rejected"]


def test_resuming_after_an_interruption_reads_no_reply(run):
    assert run(ValidateConditionsForm, load_tracker("newborn_question_resumed")) == ([], [])


def test_checklist_for_a_signed_in_citizen_uses_their_file(run, citizen_token, registry):
    messages, _ = run(
        ActionChecklist, load_tracker("newborn_answered", citizen_token=citizen_token("demo-citizen-001"))
    )
    card = next(m["custom"] for m in messages if m.get("custom"))
    held = {e.material for e in registry.demo_citizens if e.citizen_id == "demo-citizen-001"}
    assert {i["material"] for i in card["reusable"]} and {i["material"] for i in card["reusable"]} <= held
    assert "登录后" not in messages[0]["text"]


def test_checklist_matches_the_registry_and_invites_to_sign_in(run, registry_service):
    messages, _ = run(ActionChecklist, load_tracker("newborn_answered", citizen_token="forged"))
    card = next(m["custom"] for m in messages if m.get("custom"))
    expected = requests.post(
        f"{registry_service[0]}/checklist",
        timeout=5,
        json={"scenario": "newborn", "answers": {"parents_ethnicity": "different"}},
    ).json()
    assert card["summary"] == expected["summary"]
    assert {i["material"] for g in card["to_submit"] for i in g["items"]} == {
        i["material"] for i in expected["items"] if i["status"] == "to_submit"
    }
    assert {i["material"] for i in card["exempt"]} == {
        i["material"] for i in expected["items"] if i["status"] == "exempt"
    }
    assert card["reusable"] == []
    assert messages[0]["text"].startswith("【新生儿出生一件事】")
    assert "登录后" in messages[0]["text"]
    assert any(b["payload"] == "/human_handoff" for b in messages[0]["buttons"])


def test_material_question_answers_for_the_current_matter(run):
    messages, events = run(ActionAnswerMaterial, load_tracker("ask_id_card_in_newborn"))
    assert "新生儿出生一件事" in messages[0]["text"] and "不用您提交" in messages[0]["text"]
    assert slots(events)["material"] == "id_card"


def test_duration_comes_from_the_guide(run):
    messages, _ = run(ActionAnswerScenarioInfo, load_tracker("ask_duration_in_newborn"))
    assert "5 个工作日" in messages[0]["text"] and "来源" in messages[0]["text"]


def test_registry_down_means_an_apology_and_the_hotline(run):
    with override_settings(registry_url="http://127.0.0.1:9"):  # nothing listens on the discard port
        messages, events = run(ActionChecklist, load_tracker("newborn_answered", citizen_token="x"))
    assert messages[0]["response"] == "utter_registry_unavailable"
    assert all("12345" in text and "抱歉" in text for text in said(messages[0]))
    assert events == []
