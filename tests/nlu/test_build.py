"""What `python -m bot train` derives for the registry matcher: its config with data digests."""

from __future__ import annotations

import yaml

from bot.nlu.build import MATCHER, write_config
from bot.settings import ROOT


def test_config_carries_the_digests_so_a_registry_change_retrains(tmp_path):
    target = write_config(
        {"registry_digest": "abc", "synonyms_digest": "def"}, ROOT / "config.yml", tmp_path / "config.yml"
    )
    pipeline = yaml.safe_load(target.read_text(encoding="utf-8"))["pipeline"]
    matcher = [c for c in pipeline if c["name"] == MATCHER]
    assert (
        len(matcher) == 1
        and matcher[0]["registry_digest"] == "abc"
        and matcher[0]["synonyms_digest"] == "def"
    )
    # The matcher runs last: it reads the intents (a vague request) and never changes them.
    assert pipeline[-1]["name"] == MATCHER
    source = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    assert [c["name"] for c in source["pipeline"]] == [c["name"] for c in pipeline]


def test_the_matter_intent_is_learnt_from_the_registry_and_routed_like_a_scenario(registry, tmp_path):
    """registry_matter: the matters' and citizens' catalogue entries' names and aliases, never a
    scenario's own phrase; its rules send it to the identifying action, also mid-questions."""
    from bot.nlu.build import _scenario_texts, build_training_inputs, matter_examples
    from bot.nlu.intents import MATTER_INTENT
    from bot.nlu.normalize import normalize

    counts = build_training_inputs(registry, tmp_path)
    examples = matter_examples(registry)
    assert counts["matter_examples"] >= len(examples) > len(registry.matters)
    some = next(iter(registry.matters.values()))
    assert some.name in examples or any(a in examples for a in some.aliases)
    taken = {normalize(t) for t in _scenario_texts(registry, ROOT / "data/nlu/scenarios")}
    assert not [e for e in examples if normalize(e) in taken]
    nlu = yaml.safe_load((tmp_path / "rasa/data/matters.yml").read_text(encoding="utf-8"))["nlu"]
    assert [item["intent"] for item in nlu] == [MATTER_INTENT]
    domain = yaml.safe_load((tmp_path / "rasa/domain/scenarios.yml").read_text(encoding="utf-8"))
    assert MATTER_INTENT in domain["intents"]
    rules = yaml.safe_load((tmp_path / "rasa/data/scenario_rules.yml").read_text(encoding="utf-8"))["rules"]
    mine = [r for r in rules if r["steps"][0] == {"intent": MATTER_INTENT}]
    assert {r["condition"][0]["active_loop"] for r in mine} == {None, "conditions_form"}
    assert all(r["steps"][-1] == {"action": "action_identify_scenario"} for r in mine)
