"""The explicit mapping from model intents to registry scenarios, and the decision to answer or ask."""

from __future__ import annotations

import pytest

from bot.nlu.build import MissingPhrases, check_phrases
from bot.nlu.intents import identify, intent_of, leans_to, scenario_of


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


def test_a_scenario_without_phrases_is_reported(registry, tmp_path):
    for sid in list(registry.scenarios)[1:]:
        (tmp_path / f"{sid}.yml").write_text(f"nlu:\n- intent: {intent_of(sid)}\n")
    (tmp_path / "ghost.yml").write_text("nlu:\n- intent: scenario_ghost\n")
    with pytest.raises(MissingPhrases) as err:
        check_phrases(registry, tmp_path)
    assert list(registry.scenarios)[0] in str(err.value) and "ghost" in str(err.value)


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
