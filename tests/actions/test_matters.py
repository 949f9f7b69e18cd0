"""The conversation over the whole portal, action by action on tracker fixtures, answered
by the real registry: matters with their checklists, the one-thing scenario a matter belongs to,
catalogue-only matters answered honestly, "您是想办理…" over every kind, vague requests, a change of
subject in the middle of a question, and questions that name the entry they are about."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from actions.checklist import ActionChecklist
from actions.conditions import ValidateConditionsForm
from actions.entries import NO_MATERIAL_LIST
from actions.feedback import WHICH_MATERIAL, ActionFeedback
from actions.followups import ActionAnswerMaterial, ActionAnswerScenarioInfo
from actions.identify import ActionAskChosenScenario, ActionIdentifyScenario, ValidateChooseScenarioForm
from tests.actions.conftest import load_tracker, said, slots, stored

pytestmark = pytest.mark.usefixtures("registry_service")

PASSPORT = "ordinary_passport_issuance"
BIRTH_REGISTRATION = "birth_registration_family_planning"
OVERSEAS_RELATIVE = "-3af984CTh-cb62cVHwV-A"  # 侨眷身份认定: in the portal's catalogue only
MARRIAGE_CANDIDATES = ["marriage_hukou", "hukou_marital_status_change", "71c22d24c08e41ea9b87ea4c69171ead"]
NOTHING = {"ranking": [], "vague": False}


def ranked(*entries: tuple[str, str, str, float, bool], vague: bool = False) -> str:
    """The matcher's ``registry`` output for a fixture's placeholder."""
    ranking = [{"id": i, "kind": k, "name": n, "score": s, "named": named} for i, k, n, s, named in entries]
    return json.dumps({"ranking": ranking, "vague": vague}, ensure_ascii=False)


NAMED_PASSPORT = ranked((PASSPORT, "matter", "普通护照签发", 0.95, True))
NAMED_RESTAURANT = ranked(("restaurant_opening", "scenario", "开办餐饮店一件事", 0.96, True))
NAMED_OVERSEAS = ranked((OVERSEAS_RELATIVE, "catalogue", "侨眷身份认定", 0.96, True))
VAGUE = ranked(("id_card_first_application", "matter", "居民身份证申领", 0.2, False), vague=True)


def reply(
    fixture: str, text: str, intent: str, registry: str = json.dumps(NOTHING), entities: str = "[]", **slot
):
    tracker = load_tracker(fixture, reply=text, intent=intent, registry=registry, entities=entities)
    tracker.slots.update(slot)
    return tracker


def checklist_of(registry_service, entry_id: str) -> dict[str, Any]:
    return requests.post(registry_service[0] + "/checklist", json={"scenario": entry_id}, timeout=10).json()


def guide_of(registry_service, entry_id: str) -> dict[str, Any]:
    return requests.get(f"{registry_service[0]}/scenarios/{entry_id}", timeout=10).json()


def identified_as(message: dict) -> str:
    """The entry name "好的，您要办的是「…」。" (utter_identified) names."""
    assert message["response"] == "utter_identified"
    assert all(f"「{message['entry_name']}」" in text for text in said(message))
    return message["entry_name"]


def card(messages: list[dict]) -> dict[str, Any]:
    return next(m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "checklist")


# -- a matter, its scenario, a catalogue-only matter ------------------------------------------------


def test_a_matter_is_answered_with_its_checklist_as_a_scenario_is(run, registry_service):
    messages, events = run(ActionIdentifyScenario, load_tracker("passport"))
    assert identified_as(messages[0]) == "普通护照签发"
    expected = checklist_of(registry_service, PASSPORT)
    answer = card(messages)
    assert answer["summary"] == expected["summary"] and answer["summary"]["total"] > 0
    assert [i["material"] for g in answer["to_submit"] for i in g["items"]] == [
        i["material"] for g in expected["to_submit_by_issuer"] for i in g["items"]
    ]
    assert slots(events)["scenario"] == PASSPORT
    assert slots(events)["identified"] == {"kind": "matter", "id": PASSPORT, "name": "普通护照签发"}
    assert slots(events)["next_step"] == "answered"
    assert not any("一起办" in (m.get("text") or "") for m in messages)  # no scenario bundles it


def test_a_matter_a_scenario_bundles_offers_the_whole_scenario(run, registry_service):
    messages, events = run(ActionIdentifyScenario, load_tracker("bundled_matter"))
    assert identified_as(messages[0]) == "生育登记"
    assert card(messages)["scenario"]["id"] == BIRTH_REGISTRATION
    scenario = guide_of(registry_service, "marriage_hukou")
    others = len(scenario["matters"]) - 1
    offer = messages[-1]
    assert offer["text"] == f"这件事可以和另外 {others} 件一起办：「{scenario['name']}」（一件事一次办）"
    assert offer["buttons"] == [{"title": scenario["name"], "payload": scenario["name"]}]
    assert slots(events)["scenario"] == BIRTH_REGISTRATION


def test_after_the_questions_the_checklist_of_a_bundled_matter_also_offers_its_scenario(
    run, registry_service
):
    messages, _ = run(ActionChecklist, load_tracker("matter_answered"))
    assert card(messages)["scenario"]["id"] == BIRTH_REGISTRATION
    assert "一起办：「结婚落户“一件事”」" in messages[-1]["text"]


def test_a_catalogue_only_matter_is_answered_honestly_without_materials(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("catalogue_only"))
    [message] = messages
    text = message["text"]
    for fact in ("侨眷身份认定", "湖南省人民政府侨务办公室", "行政确认", NO_MATERIAL_LIST, "12345"):
        assert fact in text
    assert "guide.html?id=-3af984CTh-cb62cVHwV-A" in text
    assert message["custom"]["type"] == "citation"  # no checklist card: nothing invented
    assert slots(events)["scenario"] is None
    assert slots(events)["identified"] == {
        "kind": "catalogue",
        "id": OVERSEAS_RELATIVE,
        "name": "侨眷身份认定",
    }
    assert slots(events)["next_step"] == "wait"


def test_what_no_theme_or_matter_covers_says_where_to_turn(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("weather"))
    assert messages == []  # the rule says utter_out_of_scope: where to turn
    assert slots(events)["next_step"] == "not_ours"


# -- "您是想办理以下哪件事？" over every kind; vague requests -----------------------------------------


def test_close_candidates_of_mixed_kinds_are_asked_about(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("marriage_mixed"))
    assert messages == []  # the form asks
    assert slots(events)["candidates"] == MARRIAGE_CANDIDATES
    assert slots(events)["next_step"] == "clarify"
    assert slots(events)["description"] == "结婚了要办什么"


def test_the_choice_question_has_a_button_per_candidate_of_any_kind_with_its_name(run):
    messages, _ = run(ActionAskChosenScenario, reply("marriage_choice_reply", "x", "nlu_fallback"))
    names = ["结婚落户“一件事”", "变更户口婚姻状况", "华侨婚姻登记预约"]
    assert messages[0]["response"] == "utter_which_one"
    assert messages[0]["buttons"][:3] == [{"title": n, "payload": n} for n in names]
    assert messages[0]["buttons"][3]["title"] == "都不是"


@pytest.mark.parametrize(
    ("text", "intent", "registry", "chosen"),
    [
        ("华侨婚姻登记预约", "nlu_fallback", json.dumps(NOTHING), MARRIAGE_CANDIDATES[2]),  # a button
        ("2", "nlu_fallback", json.dumps(NOTHING), MARRIAGE_CANDIDATES[1]),
        ("结婚落户“一件事”", "scenario_marriage_hukou", json.dumps(NOTHING), "marriage_hukou"),
        ("是的", "affirm", json.dumps(NOTHING), "marriage_hukou"),
        ("都不是", "deny", json.dumps(NOTHING), "none"),
        ("算了，我要办护照", "nlu_fallback", NAMED_PASSPORT, PASSPORT),  # another matter instead
        ("我想办个证", "vague_request", VAGUE, "again"),  # decided afresh by action_identify_scenario
    ],
)
def test_the_choice_is_a_button_a_number_a_name_a_yes_or_a_new_request(run, text, intent, registry, chosen):
    _, events = run(ValidateChooseScenarioForm, reply("marriage_choice_reply", text, intent, registry))
    assert slots(events)["chosen_scenario"] == chosen


def test_a_catalogue_only_entry_chosen_is_answered_honestly(run):
    tracker = reply("marriage_choice_reply", "3", "nlu_fallback", chosen_scenario=MARRIAGE_CANDIDATES[2])
    messages, events = run(ActionIdentifyScenario, tracker)
    assert "华侨婚姻登记预约" in messages[0]["text"] and NO_MATERIAL_LIST in messages[0]["text"]
    assert slots(events)["identified"]["kind"] == "catalogue"


def test_a_new_request_instead_of_a_choice_is_decided_afresh(run):
    tracker = reply("marriage_choice_reply", "我想办个证", "vague_request", VAGUE, chosen_scenario="again")
    messages, events = run(ActionIdentifyScenario, tracker)
    assert messages[0]["response"] == "utter_which_family"
    assert slots(events)["chosen_scenario"] is None and slots(events)["next_step"] == "wait"


def test_a_question_naming_an_entry_instead_of_a_choice_is_answered_with_it(run):
    text = "开办餐饮店一件事办理时限多久"
    _, events = run(
        ValidateChooseScenarioForm, reply("marriage_choice_reply", text, "ask_duration", NAMED_RESTAURANT)
    )
    assert slots(events)["chosen_scenario"] == "restaurant_opening"
    tracker = reply(
        "marriage_choice_reply", text, "ask_duration", NAMED_RESTAURANT, chosen_scenario="restaurant_opening"
    )
    messages, events = run(ActionIdentifyScenario, tracker)
    assert identified_as(messages[0]) == "开办餐饮店一件事"
    assert messages[1]["text"].startswith("「开办餐饮店一件事」承诺办结时限")
    assert slots(events)["scenario"] == "restaurant_opening"


def test_a_vague_request_is_asked_back_with_families_of_matters(run):
    messages, events = run(ActionIdentifyScenario, load_tracker("vague"))
    assert messages[0]["response"] == "utter_which_family"
    buttons = messages[0]["buttons"]
    assert buttons and all(b["title"] and b["payload"] and not b["payload"].startswith("/") for b in buttons)
    assert slots(events)["next_step"] == "wait"
    assert slots(events)["scenario"] is None


# -- a change of subject in the middle of a situation question ----------------------------------------


def test_another_matter_instead_of_an_answer_leaves_the_questions_and_is_answered(run):
    tracker = reply("newborn_question_other", "护照过期了，怎么换新的", "nlu_fallback", NAMED_PASSPORT)
    _, events = run(ValidateConditionsForm, tracker)
    # data/rules.yml: the form hands it back, the rule deactivates it and identifies afresh.
    assert [e["event"] for e in events] == ["action_execution_rejected"]
    messages, events = run(ActionIdentifyScenario, tracker)
    assert identified_as(messages[0]) == "普通护照签发"
    assert card(messages)["scenario"]["id"] == PASSPORT
    assert slots(events)["scenario"] == PASSPORT and slots(events)["answers"] == {}


def test_a_question_about_another_matter_leaves_the_questions_and_answers_both(run):
    tracker = reply("newborn_question_other", "护照换发要多久", "ask_duration", NAMED_PASSPORT)
    _, events = run(ValidateConditionsForm, tracker)
    # Its intent's rule would resume the questions: the form ends itself and hands over.
    assert events[-1] == {"event": "followup", "name": "action_identify_scenario", "timestamp": None}
    assert slots(events)["requested_slot"] is None
    messages, events = run(ActionIdentifyScenario, tracker)
    assert identified_as(messages[0]) == "普通护照签发"
    assert "「普通护照签发」承诺办结时限：7 个工作日" in messages[1]["text"]
    assert card(messages)["scenario"]["id"] == PASSPORT


def test_a_vague_request_instead_of_an_answer_leaves_the_questions(run):
    _, events = run(
        ValidateConditionsForm, reply("newborn_question_other", "我想办个证", "vague_request", VAGUE)
    )
    assert [e["event"] for e in events] == ["action_execution_rejected"]


def test_a_material_of_this_matter_is_a_question_about_it_not_a_new_subject(run):
    entities = json.dumps([{"entity": "material", "value": "id_card", "start": 0, "end": 3}])
    named_id_card = ranked(("id_card_first_application", "matter", "居民身份证申领", 0.62, True))
    tracker = reply("newborn_question_other", "身份证要交吗", "ask_material", named_id_card, entities)
    _, events = run(ValidateConditionsForm, tracker)
    assert [e["event"] for e in events] == ["action_execution_rejected"]  # the rule answers, then resumes
    messages, events = run(ActionAnswerMaterial, tracker)
    assert all("新生儿出生一件事" in text for text in said(messages[0]))
    assert "scenario" not in slots(events)


def test_words_that_are_neither_an_answer_nor_a_request_are_asked_again(run):
    loose = ranked(("ethnic_status_change", "catalogue", "民族成份变更", 0.31, False))
    messages, events = run(
        ValidateConditionsForm, reply("newborn_question_other", "随便吧", "nlu_fallback", loose)
    )
    assert messages[0]["response"] == "utter_pick_an_option"
    assert slots(events) == {"condition_answer": None}


# -- a question that names the entry it is about ------------------------------------------------------


def test_a_duration_question_naming_a_scenario_is_answered_for_it(run):
    tracker = reply("followup_question", "开办餐饮店一件事办理时限多久", "ask_duration", NAMED_RESTAURANT)
    messages, events = run(ActionAnswerScenarioInfo, tracker)
    assert messages[0]["text"].startswith("「开办餐饮店一件事」承诺办结时限")
    assert "来源：《开办餐饮店一件事》办事指南" in messages[0]["text"]
    assert slots(events)["scenario"] == "restaurant_opening"
    assert slots(events)["identified"]["kind"] == "scenario"
    assert slots(events)["answers"] == {}


def test_a_duration_question_naming_a_matter_is_answered_from_its_guide(run, registry_service):
    guide = guide_of(registry_service, PASSPORT)
    messages, events = run(
        ActionAnswerScenarioInfo, reply("followup_question", "护照换发要多久", "ask_duration", NAMED_PASSPORT)
    )
    assert f"「普通护照签发」承诺办结时限：{guide['promised_days']:g} 个工作日" in messages[0]["text"]
    assert f"法定办结时限：{guide['legal_days']:g} 个工作日" in messages[0]["text"]
    assert slots(events)["scenario"] == PASSPORT


def test_where_to_apply_for_a_matter_says_where_to_ask(run):
    messages, _ = run(
        ActionAnswerScenarioInfo, reply("followup_question", "护照在哪办", "ask_where_apply", NAMED_PASSPORT)
    )
    text = messages[0]["text"]
    assert "guide.html?id=" in text and "12345" in text  # the guides carry no phones or halls


def test_which_departments_for_a_matter(run, registry_service):
    guide = guide_of(registry_service, PASSPORT)
    messages, _ = run(
        ActionAnswerScenarioInfo,
        reply("followup_question", "办护照找哪个部门", "ask_departments", NAMED_PASSPORT),
    )
    assert f"主管部门：{guide['department']}" in messages[0]["text"]


def test_a_question_naming_a_catalogue_only_matter_is_answered_honestly(run):
    messages, events = run(
        ActionAnswerScenarioInfo,
        reply("followup_question", "侨眷身份认定要多久", "ask_duration", NAMED_OVERSEAS),
    )
    assert "「侨眷身份认定」的办理时限不在我们的材料库里" in messages[0]["text"]
    assert "12345" in messages[0]["text"]
    assert slots(events)["scenario"] is None and slots(events)["identified"]["kind"] == "catalogue"


def test_a_question_that_names_nothing_is_about_the_current_entry(run):
    messages, events = run(ActionAnswerScenarioInfo, reply("followup_question", "要多久", "ask_duration"))
    assert "「新生儿出生一件事」承诺办结时限" in messages[0]["text"]
    assert events == []


# -- feedback and the notice on a matter --------------------------------------------------------------


def test_feedback_on_a_matter_is_recorded_for_it_and_asks_which_of_its_materials(run, registry_service):
    sender = f"matter-{uuid.uuid4().hex[:8]}"
    tracker = load_tracker(
        "feedback_on_matter",
        sender=sender,
        text="材料清单不对或不全",
        intent="feedback_reason",
        asked="x",
        entities=json.dumps([{"entity": "feedback_reason", "value": "wrong_materials"}]),
    )
    messages, _ = run(ActionFeedback, tracker)
    assert messages[0]["response"] == WHICH_MATERIAL
    expected = {i["material"] for i in checklist_of(registry_service, BIRTH_REGISTRATION)["items"]}
    assert {
        json.loads(b["payload"][len("/feedback_reason") :])["material"] for b in messages[0]["buttons"]
    } <= expected
    [row] = stored(registry_service, sender)
    assert (row["scenario"], row["reason"]) == (BIRTH_REGISTRATION, "wrong_materials")


def test_the_checklist_of_a_matter_links_its_one_time_notice(run):
    messages, _ = run(ActionChecklist, load_tracker("matter_answered"))
    notice = card(messages)["notice"]
    assert notice and notice["url"]


def test_what_to_bring_for_another_matter_named_is_its_checklist(run):
    tracker = reply("followup_question", "办护照要带什么材料", "ask_material", NAMED_PASSPORT)
    messages, events = run(ActionAnswerMaterial, tracker)
    assert messages == []
    assert events == [{"event": "followup", "name": "action_identify_scenario", "timestamp": None}]


def test_a_material_of_another_matter_named_is_answered_for_that_matter(run):
    entities = json.dumps([{"entity": "material", "value": "id_card", "start": 4, "end": 7}])
    tracker = reply("followup_question", "护照换发带身份证吗", "ask_material", NAMED_PASSPORT, entities)
    messages, events = run(ActionAnswerMaterial, tracker)
    assert messages[0]["text"].startswith("在「普通护照签发」里，")
    assert slots(events)["scenario"] == PASSPORT and slots(events)["material"] == "id_card"


def test_the_one_time_notice_of_a_matter_names_its_department_and_official_guide(registry_service):
    from bot.render import notice_words

    guide = guide_of(registry_service, PASSPORT)
    words = notice_words(checklist_of(registry_service, PASSPORT), guide)
    assert words["lead_department"] == guide["department"]
    assert words["online_url"] == guide["source"]["official_url"]
    assert [m["name"] for m in words["matters"]] == ["普通护照签发"]
