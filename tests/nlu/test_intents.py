"""The explicit mapping from model intents to registry scenarios, and the decision to answer or ask."""

from __future__ import annotations

import pytest

from bot.nlu import rerank
from bot.nlu.build import MissingPhrases, check_phrases
from bot.nlu.intents import (
    KNOWN_PHRASE_KEY,
    Thresholds,
    identify,
    intent_of,
    leans_to,
    named_entry,
    says_together,
    scenario_of,
)


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    """These are the rules' cases; the learned order on top of them is tests/nlu/test_rerank.py's."""
    monkeypatch.setattr(rerank, "load", lambda *a, **k: None)


def parse(intent: str, ranking: list[tuple[str, float]]) -> dict:
    return {
        "intent": {"name": intent, "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }


def test_mapping_round_trips_for_every_registry_scenario(registry):
    for sid in registry.scenarios:
        assert scenario_of(intent_of(sid)) == sid
    for other in ("greet", "ask_material", "nlu_fallback", "scenario_", None, ""):
        assert scenario_of(other) is None


def test_every_registry_scenario_has_training_phrases_with_its_intent(registry):
    assert check_phrases(registry) == sorted(registry.scenarios)


def test_phrases_for_a_scenario_the_registry_lacks_are_reported(registry, tmp_path):
    """A scenario without phrases is identified by the registry matcher alone; phrases for a
    scenario that does not exist are a mistake."""
    for sid in list(registry.scenarios)[1:]:
        (tmp_path / f"{sid}.yml").write_text(f"nlu:\n- intent: {intent_of(sid)}\n")
    assert check_phrases(registry, tmp_path) == sorted(list(registry.scenarios)[1:])
    (tmp_path / "ghost.yml").write_text("nlu:\n- intent: scenario_ghost\n")
    with pytest.raises(MissingPhrases) as err:
        check_phrases(registry, tmp_path)
    assert "ghost" in str(err.value)


def test_confident_scenario_is_identified():
    found = identify(
        parse("scenario_newborn", [("scenario_newborn", 0.93), ("scenario_childcare_subsidy", 0.04)])
    )
    assert (found.decision, found.scenario) == ("identified", "newborn")


def test_close_candidates_are_asked_about():
    found = identify(
        parse(
            "scenario_restaurant_opening",
            [("scenario_restaurant_opening", 0.52), ("scenario_supermarket_opening", 0.41)],
        )
    )
    assert found.decision == "clarify"
    assert [r["scenario"] for r in found.ranking] == ["restaurant_opening", "supermarket_opening"]


def test_spread_out_fallback_still_offers_the_likely_ones():
    found = identify(
        parse(
            "nlu_fallback",
            [
                ("nlu_fallback", 0.4),
                ("scenario_restaurant_opening", 0.14),
                ("scenario_supermarket_opening", 0.13),
                ("affirm", 0.05),
            ],
        )
    )
    assert found.decision == "clarify"
    assert {r["scenario"] for r in found.ranking} == {"restaurant_opening", "supermarket_opening"}


def test_nothing_plausible_is_not_ours():
    found = identify(
        parse("nlu_fallback", [("nlu_fallback", 0.4), ("greet", 0.3), ("scenario_newborn", 0.05)])
    )
    assert (found.decision, found.scenario) == ("none", None)
    assert (
        identify(parse("out_of_scope", [("out_of_scope", 0.9), ("scenario_study_abroad", 0.06)])).decision
        == "none"
    )


def test_other_intents_never_become_a_checklist():
    found = identify(parse("greet", [("greet", 0.6), ("scenario_newborn", 0.3)]))
    assert found.decision == "none"


def test_scenarios_the_registry_lacks_are_ignored():
    found = identify(parse("scenario_newborn", [("scenario_newborn", 0.95)]), known={"retirement"})
    assert found.decision == "none"


def test_leans_to_reads_a_hesitant_yes():
    assert leans_to(parse("nlu_fallback", [("nlu_fallback", 0.4), ("affirm", 0.39)]), "affirm")
    assert not leans_to(parse("nlu_fallback", [("nlu_fallback", 0.4), ("affirm", 0.2)]), "affirm")
    assert not leans_to(parse("greet", [("greet", 0.9)]), "affirm")


# -- with the registry matcher's ranking in the parse ----------------------------------------------


def matched(
    intent: str, intents: list[tuple[str, float]], ranking: list[tuple], text: str = "", vague=False
) -> dict:
    """A parse as the trained model gives it: intents plus ``registry`` (id, kind, score, named)."""
    return {
        **parse(intent, intents),
        "text": text,
        "registry": {
            "ranking": [
                {"id": i, "kind": k, "name": f"name of {i}", "score": s, "named": n} for i, k, s, n in ranking
            ],
            "vague": vague,
        },
    }


def test_a_named_matter_is_identified_whatever_the_intent():
    found = identify(
        matched(
            "ask_duration",
            [("ask_duration", 0.8), ("scenario_newborn", 0.1)],
            [("restaurant_opening", "scenario", 0.9, True), ("supermarket_opening", "scenario", 0.3, False)],
        )
    )
    assert (found.decision, found.scenario, found.intent) == (
        "identified",
        "restaurant_opening",
        "ask_duration",
    )
    assert (
        named_entry(
            matched("ask_duration", [("ask_duration", 0.8)], [("restaurant_opening", "scenario", 0.9, True)])
        )
        == found.entry
    )


def test_a_reply_exactly_as_taught_to_a_conversation_intent_names_no_entry():
    """转人工 is word for word a phrase of human_handoff: an entry whose people's words share 人工
    (外国人工作许可) is not what it asks for, however well it scores; an entry it names still is."""
    unnamed = [("foreigner_visit", "scenario", 0.52, False), ("pension_verification", "matter", 0.43, False)]
    taught = {**matched("human_handoff", [("human_handoff", 1.0)], unnamed), KNOWN_PHRASE_KEY: True}
    assert identify(taught).decision == "none"
    said = matched("human_handoff", [("human_handoff", 0.6)], [("foreigner_visit", "scenario", 0.9, False)])
    assert identify(said).decision == "identified"  # not as taught: the words count as before
    named = {
        **matched("ask_duration", [("ask_duration", 1.0)], [("restaurant_opening", "scenario", 0.9, True)]),
        KNOWN_PHRASE_KEY: True,
    }
    assert identify(named).scenario == "restaurant_opening"


def test_a_sure_request_for_a_person_names_no_entry_its_words_resemble():
    entry = [("employment_filing", "matter", 0.75, False)]
    assert identify(matched("human_handoff", [("human_handoff", 0.83)], entry)).decision == "none"
    assert identify(matched("human_handoff", [("human_handoff", 0.4)], entry)).decision != "none"
    assert identify(matched("ask_duration", [("ask_duration", 0.9)], entry)).decision != "none"


def test_an_entry_the_classifier_finds_alike_is_asked_about_though_the_words_score_low():
    """车子被偷了半年，找回来了，车的信息要改回来吗: the words score every entry below ``plausible``,
    but the learnt classifier scores 被盗抢机动车信息变更备案 above ``learnt_plausible``."""
    low = [
        ("stolen_vehicle_info_change_filing", "matter", 0.19, False),
        ("id_card_replacement_lost", "matter", 0.14, False),
    ]

    def with_learnt(scores: list[float | None], intent: str = "nlu_fallback") -> dict:
        found = matched(intent, [(intent, 0.25)], low)
        for item, learnt in zip(found["registry"]["ranking"], scores, strict=True):
            item["learnt"] = learnt
        return found

    t = Thresholds()
    found = identify(with_learnt([t.learnt_plausible + 0.01, -1.0]))
    assert (found.decision, found.entry.id) == ("clarify", "stolen_vehicle_info_change_filing")
    assert [c.id for c in found.candidates] == ["stolen_vehicle_info_change_filing"]
    # Below it, or with no classifier in the model, or a message about something else: not ours.
    assert identify(with_learnt([t.learnt_plausible - 0.01, -1.0])).decision == "none"
    assert identify(with_learnt([None, None])).decision == "none"
    assert identify(with_learnt([0.5, -1.0], intent="greet")).decision == "none"


def test_a_matter_the_words_point_to_is_identified_as_a_matter():
    found = identify(
        matched(
            "nlu_fallback",
            [("nlu_fallback", 0.4), ("scenario_resident_info_change", 0.3)],
            [
                ("driving_licence_reissue_renewal", "matter", 0.72, False),
                ("driving_licence_renewal_postponement", "matter", 0.5, False),
            ],
        )
    )
    assert (found.decision, found.matter, found.scenario) == (
        "identified",
        "driving_licence_reissue_renewal",
        None,
    )
    assert found.entry.kind == "matter" and found.candidates[0] == found.entry


def test_the_model_s_life_event_stands_when_the_words_do_not_contradict_it():
    found = identify(
        matched(
            "scenario_newborn",
            [("scenario_newborn", 0.93), ("scenario_school_enrollment", 0.03)],
            [("school_enrollment", "scenario", 0.02, False), ("newborn", "scenario", 0.01, False)],
        )
    )
    assert (found.decision, found.scenario) == ("identified", "newborn")


def test_a_life_event_guess_the_words_clearly_contradict_is_overruled():
    found = identify(
        matched(
            "scenario_resident_info_change",
            [("scenario_resident_info_change", 0.6), ("scenario_study_abroad", 0.2)],
            [
                ("ordinary_passport_issuance", "matter", 0.7, False),
                ("resident_info_change", "scenario", 0.05, False),
            ],
        )
    )
    assert found.matter == "ordinary_passport_issuance"


def bundled(ranking: list[dict], scenario: str, *ids: str) -> list[dict]:
    for r in ranking:
        if r["id"] in ids:
            r["scenarios"] = [scenario]
    return ranking


def test_a_scenario_s_own_matter_said_more_exactly_is_answered_as_the_matter():
    """残疾证快满10年了，怎么换新证: the model is sure of 残疾人服务一件事, the words say 残疾人证换领."""
    message = matched(
        "scenario_disability_services",
        [("scenario_disability_services", 0.88), ("scenario_after_death", 0.05)],
        [
            ("disability_certificate_renewal", "matter", 0.64, False),
            ("disability_services", "scenario", 0.4, False),
            ("disability_certificate_application", "matter", 0.4, False),
        ],
    )
    bundled(message["registry"]["ranking"], "disability_services", "disability_certificate_renewal")
    assert identify(message).matter == "disability_certificate_renewal"
    # … but not when the scenario's own words are as strong (孩子出生了要办哪些手续).
    message["registry"]["ranking"][1]["score"] = 0.6
    assert identify(message).scenario == "disability_services"


def test_things_asked_for_together_are_the_one_thing_scenario_even_where_its_parts_are_named():
    """考完教资了，认定要体检、无犯罪证明、普通话证，能一起办吗: the model reads "matters", two are
    named, and the person asks for the one-thing scenario that does them together."""
    text = "考完教资了，认定要体检、无犯罪证明、普通话证，能一起办吗"
    message = matched(
        "registry_matter",
        [("registry_matter", 0.73), ("scenario_teacher_qualification", 0.26)],
        [
            ("mandarin_proficiency_certificate", "matter", 0.66, True),
            ("no_criminal_record_certificate", "matter", 0.61, True),
            ("teacher_qualification", "scenario", 0.4, False),
        ],
        text,
    )
    found = identify(message)
    assert (found.decision, found.scenario) == ("identified", "teacher_qualification")
    assert {c.id for c in found.candidates[1:]} == {
        "mandarin_proficiency_certificate",
        "no_criminal_record_certificate",
    }
    # Without the words that ask for them together, the named matter is the answer …
    message["text"] = "考完教资了，认定要体检、无犯罪证明、普通话证"
    assert identify(message).matter == "mandarin_proficiency_certificate"
    # … and a one-off payment (一次性补助金) is not one visit for several things.
    message["text"] = "普通话证的一次性补助怎么领"
    assert identify(message).matter == "mandarin_proficiency_certificate"
    # Nor when no scenario is plausible enough to be meant.
    message["text"] = text
    message["intent_ranking"][1]["confidence"] = 0.05
    message["registry"]["ranking"][2]["score"] = 0.3
    assert identify(message).matter == "mandarin_proficiency_certificate"


def test_the_model_s_reading_a_matter_leaves_which_one_to_the_words():
    found = identify(
        matched(
            "registry_matter",
            [("registry_matter", 0.9), ("scenario_social_security_card", 0.05)],
            [
                ("social_security_card_loss_report", "matter", 0.95, False),
                ("social_security_card", "scenario", 0.76, True),
            ],
        )
    )
    assert (found.decision, found.matter) == ("identified", "social_security_card_loss_report")
    # A matter it reads with words that match nothing well is asked about, never "not ours" by a floor.
    found = identify(
        matched(
            "registry_matter",
            [("registry_matter", 0.9)],
            [("social_security_card_loss_report", "matter", 0.3, False), ("x", "catalogue", 0.25, False)],
        )
    )
    assert found.decision == "clarify"


def test_close_candidates_of_any_kind_are_asked_about():
    found = identify(
        matched(
            "nlu_fallback",
            [("nlu_fallback", 0.4)],
            [
                ("social_security_card_password_reset", "matter", 0.5, False),
                ("social_security_card", "scenario", 0.48, False),
                ("abc", "catalogue", 0.41, False),
                ("far", "catalogue", 0.1, False),
            ],
        )
    )
    assert found.decision == "clarify"
    assert [c.id for c in found.candidates] == [
        "social_security_card_password_reset",
        "social_security_card",
        "abc",
    ]
    assert [c.kind for c in found.candidates] == ["matter", "scenario", "catalogue"]


def test_one_name_several_entries_is_asked_about():
    ranking = [
        ("death_info_report_pension_account", "matter", 0.9, True),
        ("death_info_report_work_injury", "matter", 0.9, True),
    ]
    p = matched("nlu_fallback", [("nlu_fallback", 0.4)], ranking)
    for r in p["registry"]["ranking"]:
        r["name"] = "死亡信息申报"
    assert identify(p).decision == "clarify"


def test_a_vague_request_gets_families():
    found = identify(
        matched(
            "vague_request", [("vague_request", 0.9)], [("x", "catalogue", 0.2, False)], "我要开个证明", True
        )
    )
    assert found.decision == "vague" and found.entry is None
    assert found.families[0]["label"] == "开证明"
    assert all(set(f) == {"label", "text"} for f in found.families) and len(found.families) <= 6


def test_a_family_button_is_answered_with_candidates_not_families_again():
    from bot.nlu.intents import families_for

    family = families_for("")[0]
    found = identify(
        matched(
            "vague_request",
            [("vague_request", 0.9)],
            [
                ("id_card_first_application", "matter", 0.3, False),
                ("hukou_booklet_replacement", "matter", 0.28, False),
            ],
            family["text"],
        )
    )
    assert found.decision in ("clarify", "identified")


def test_nothing_covers_it_is_not_ours():
    assert identify(matched("out_of_scope", [("out_of_scope", 0.95)], [])).decision == "none"
    assert (
        identify(matched("out_of_scope", [("out_of_scope", 0.95)], [("x", "catalogue", 0.4, False)])).decision
        == "none"
    )
    assert identify(matched("greet", [("greet", 0.95)], [("x", "catalogue", 0.2, False)])).decision == "none"


def test_known_limits_guides_but_not_catalogue_entries():
    p = matched(
        "nlu_fallback",
        [("nlu_fallback", 0.4)],
        [("gone", "matter", 0.9, True), ("cat", "catalogue", 0.6, False)],
    )
    found = identify(p, known={"newborn"})
    assert found.entry is not None and found.entry.id == "cat"


def test_generic_words_alone_are_vague_or_not_ours():
    p = matched("nlu_fallback", [("nlu_fallback", 0.4)], [("x", "catalogue", 0.64, False)], "找对象")
    p["registry"]["specific"] = False
    assert identify(p).decision == "none"
    p = matched("vague_request", [("vague_request", 0.9)], [("x", "catalogue", 0.9, False)], "我要补个证")
    p["registry"]["specific"] = False
    assert identify(p).decision == "vague"
    p = matched(
        "scenario_retirement",
        [("scenario_retirement", 0.7)],
        [("retirement", "scenario", 0.1, False)],
        "退修",
    )
    p["registry"]["specific"] = False
    assert identify(p).scenario == "retirement"


def test_a_sure_request_for_a_matter_is_offered_candidates_rather_than_not_ours():
    """70岁以上每年要交体检证明 …能推迟吗: the model is sure it is one of the registry's matters; the
    words match the right one only weakly. Offered, not "not ours"."""
    ranking = [
        ("driver_licence_elderly_medical_report", "matter", 0.17, False),
        ("driver_licence_review", "matter", 0.16, False),
    ]
    found = identify(matched("registry_matter", [("registry_matter", 0.95), ("greet", 0.01)], ranking))
    assert found.decision == "clarify"
    assert [c.id for c in found.candidates] == [r[0] for r in ranking]
    # The model unsure, or the words weaker still: not ours.
    assert identify(matched("registry_matter", [("registry_matter", 0.6)], ranking)).decision == "none"
    weaker = [(i, k, 0.1, n) for i, k, _, n in ranking]
    assert identify(matched("registry_matter", [("registry_matter", 0.95)], weaker)).decision == "none"


@pytest.mark.parametrize(
    "text, together",
    [
        ("孩子刚出生，落户和社保卡能一起办吗", True),
        ("开餐馆要办哪些手续", True),
        ("失业了，除了领失业金，还能帮我找工作吗", True),
        ("一站式办好", True),
        ("Can we do the fire inspection and the business license together?", True),
        ("How do I update my hukou and ID card in one go?", True),
        ("夫妻投靠落户要准备哪些材料", False),  # a question about one matter's materials
        ("退休了，公积金能全部取出来吗", False),  # the whole balance
        ("第一次办护照要去哪", False),
        ("退伍的一次性补助金什么时候发", False),
    ],
)
def test_what_asks_for_things_together_is_data(text: str, together: bool):
    """data/nlu/together.yml: the words that ask for a bundle, and the phrases that hold them but do not."""
    assert says_together(text) is together
