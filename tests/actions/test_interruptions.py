"""The rules Rasa is trained on and the forms' actions agree on what interrupts a question,
because both come from data/interruptions.yml; the generated rules are fresh and reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.conditions import FORM, LEAVE_BY_RULE
from actions.context import INTERRUPTIONS
from actions.identify import CHOICE_FORM
from bot.nlu.build import BUILD, form_rules_yaml, write_form_rules
from bot.nlu.interruptions import LIST, load_interruptions, parse_interruptions
from bot.settings import ROOT

GENERATED = BUILD / "rasa" / "data" / "form_rules.yml"
RASA_DEFAULT_ACTIONS = {"action_restart", "action_deactivate_loop", "action_listen"}


def _intents(step: dict) -> set[str]:
    if "or" in step:
        return {s["intent"] for s in step["or"]}
    return {step["intent"]} if "intent" in step else set()


def _rules_by_form(rules: list[dict]) -> dict[str, list[dict]]:
    by_form: dict[str, list[dict]] = {}
    for rule in rules:
        for condition in rule.get("condition") or []:
            if condition.get("active_loop"):
                by_form.setdefault(condition["active_loop"], []).append(rule)
    return by_form


def test_every_form_has_a_rule_for_exactly_the_intents_the_actions_hand_back():
    rules = yaml.safe_load(form_rules_yaml())["rules"]
    by_form = _rules_by_form(rules)
    assert set(by_form) == {CHOICE_FORM, FORM}
    for form, form_rules in by_form.items():
        covered = set().union(*(_intents(r["steps"][0]) for r in form_rules))
        expected = set(INTERRUPTIONS) | (set(LEAVE_BY_RULE) if form == FORM else set())
        assert covered == expected, form
    # The situation questions leave for action_identify_scenario on a new request.
    new = [r for r in by_form[FORM] if _intents(r["steps"][0]) <= set(LEAVE_BY_RULE)]
    assert {s.get("action") for r in new for s in r["steps"]} >= {"action_identify_scenario"}


def test_resumed_and_left_forms_as_the_list_says():
    rules = yaml.safe_load(form_rules_yaml())["rules"]
    for entry in load_interruptions().entries:
        for form in (CHOICE_FORM, FORM):
            rule = next(
                r
                for r in rules
                if r["condition"] == [{"active_loop": form}] and _intents(r["steps"][0]) == set(entry.intents)
            )
            actions = [s["action"] for s in rule["steps"] if "action" in s]
            if entry.resume:
                assert actions == [*entry.then, form]
                assert rule["steps"][-1] == {"active_loop": form}
            else:
                assert actions == ["action_deactivate_loop", *entry.then]


def test_no_hand_written_rule_for_a_listed_intent_inside_a_form():
    """Per-form rules are generated only: a hand-written one would drift from the list again."""
    written = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    listed = set(INTERRUPTIONS) | set(LEAVE_BY_RULE)
    for form, rules in _rules_by_form(written).items():
        for rule in rules:
            assert not (_intents(rule["steps"][0]) & listed), (form, rule["rule"])


def test_the_list_names_only_what_the_domain_has():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    known = set(domain["actions"]) | set(domain["responses"]) | set(domain["forms"]) | RASA_DEFAULT_ACTIONS
    listed = load_interruptions()
    assert set(listed.forms) <= set(domain["forms"])
    assert FORM in listed.new_request_forms
    for entry in listed.entries:
        assert set(entry.intents) <= set(domain["intents"])
        assert set(entry.then) <= known
    assert set(listed.new_request_intents) <= set(domain["intents"]) | {"nlu_fallback"}


def test_generation_is_reproducible(tmp_path: Path):
    first = write_form_rules(tmp_path / "a.yml").read_bytes()
    second = write_form_rules(tmp_path / "a.yml").read_bytes()
    assert first == second == form_rules_yaml().encode()


def test_the_generated_rules_rasa_reads_are_not_stale():
    """`python -m bot train` and `validate` rewrite them; Rasa run by hand on an old build would not."""
    if not GENERATED.exists():
        pytest.skip("no build yet: `python -m bot validate` writes it")
    assert GENERATED.read_text(encoding="utf-8") == form_rules_yaml(), (
        f"{GENERATED.relative_to(ROOT)} is older than {LIST.relative_to(ROOT)}: run `python -m bot validate`"
    )


def test_the_requests_about_the_conversation_are_marked_in_the_list():
    """bot.nlu.intents reads them here: a sure one names no entry its words resemble."""
    marked = load_interruptions().conversation_intents
    assert marked == {"human_handoff", "goodbye", "delete_my_data", "start_over"}
    doc = {
        "forms": ["f"],
        "interruptions": [
            {"intents": ["a"], "then": ["x"], "about_the_conversation": True},
            {"intents": ["c"], "then": ["y"]},
        ],
        "new_requests": {"forms": ["f"], "intents": ["b"]},
    }
    assert parse_interruptions(doc).conversation_intents == {"a"}


@pytest.mark.parametrize(
    "doc",
    [
        {
            "forms": ["f"],
            "interruptions": [{"intents": ["a"], "then": ["x"]}, {"intents": ["a"], "then": ["y"]}],
        },
        {"forms": ["f"], "interruptions": [{"intents": ["a"], "then": []}]},
        {"forms": ["f"], "interruptions": [{"intents": ["a"], "then": ["x"], "resumes": True}]},
        {"forms": ["f"], "interruptions": [{"intents": ["a"], "then": ["x"], "about_conversation": True}]},
        {"forms": ["f"], "new_requests": {"forms": ["g"], "intents": ["b"]}},
        {"forms": ["f"], "interruptions": [{"intents": ["b"], "then": ["x"]}]},
    ],
)
def test_a_list_that_cannot_be_meant_is_refused(doc: dict):
    doc.setdefault("new_requests", {"forms": ["f"], "intents": ["b"]})
    with pytest.raises(ValueError):
        parse_interruptions(doc)
