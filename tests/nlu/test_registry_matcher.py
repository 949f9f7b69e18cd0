"""The Rasa component: trained into a model storage, loaded back, and what it adds to a parse."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intents import identify
from bot.nlu.registry_matcher import LEARNT_CANDIDATES, REGISTRY_KEY, RegistryMatcher


@pytest.fixture(scope="module")
def matcher(tmp_path_factory) -> RegistryMatcher:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("registry_matcher")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**RegistryMatcher.get_default_config(), "registry_digest": "x"}
    RegistryMatcher.create(config, storage, resource, context).train(TrainingData())
    return RegistryMatcher.load(config, storage, resource, context)


def message(text: str, intent: str = "nlu_fallback", ranking: list[tuple[str, float]] = ()) -> Message:
    """A message as DIET leaves it (its intents are output properties, as a classifier sets them)."""
    ranking = list(ranking) or [(intent, 0.4)]
    m = Message({TEXT: text})
    m.set(INTENT, {"name": intent, "confidence": ranking[0][1]}, add_to_output=True)
    m.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return m


def test_the_parse_carries_the_ranking(matcher):
    m = message("驾照丢了怎么补")
    matcher.process([m])
    out = m.as_dict(only_output_properties=True)  # what /model/parse returns
    registry = out[REGISTRY_KEY]
    assert registry["vague"] is False
    top = registry["ranking"][0]
    assert {"id", "kind", "name", "score", "named"} <= set(top)
    assert (top["id"], top["kind"]) == ("driving_licence_reissue_renewal", "matter")
    assert 0 < top["score"] <= 1 and len(registry["ranking"]) <= 10 + 5 + 3
    assert m.get(INTENT)["name"] == "nlu_fallback"  # the intent is never changed


def test_the_model_s_scenarios_are_named_in_the_ranking(matcher):
    m = message("我老婆刚生了孩子", "scenario_newborn", [("scenario_newborn", 0.95), ("greet", 0.05)])
    matcher.process([m])
    ranking = m.get(REGISTRY_KEY)["ranking"]
    newborn = [r for r in ranking if r["id"] == "newborn"]
    assert newborn and newborn[0]["kind"] == "scenario" and newborn[0]["name"]
    found = identify(m.as_dict(only_output_properties=True))
    assert (found.decision, found.scenario) == ("identified", "newborn")


def test_a_vague_request_is_flagged(matcher):
    m = message("我想办个证", "vague_request", [("vague_request", 0.9)])
    matcher.process([m])
    assert m.get(REGISTRY_KEY)["vague"] is True
    found = identify(m.as_dict(only_output_properties=True))
    assert found.decision == "vague" and found.families


def test_a_question_about_a_named_entry_keeps_its_intent(matcher):
    m = message("开办餐饮店一件事办理时限多久", "ask_duration", [("ask_duration", 0.9)])
    matcher.process([m])
    found = identify(m.as_dict(only_output_properties=True))
    assert (found.intent, found.scenario) == ("ask_duration", "restaurant_opening")


def test_the_learnt_classifiers_score_the_candidates_and_add_their_best(matcher):
    m = message("社保卡密码忘了咋办")
    matcher.process([m])
    ranking = m.as_dict(only_output_properties=True)[REGISTRY_KEY]["ranking"]
    detailed = [r for r in ranking if r["kind"] != "catalogue"]
    assert all(isinstance(r["learnt"], float) and r["learnt_catalogue"] is None for r in detailed)
    best = max(detailed, key=lambda r: r["learnt"])
    assert best["id"] == "social_security_card_password_reset"


def test_a_catalogue_entry_is_told_by_its_own_classifier(matcher):
    """Several catalogue-only entries are about adoption; its classifier puts the one a foreigner's
    adoption is (涉外收养登记) above the others."""
    m = message("外国人想在这边收养个孩子")
    matcher.process([m])
    ranking = m.get(REGISTRY_KEY)["ranking"]
    catalogue = [r for r in ranking if r["kind"] == "catalogue"]
    assert len(catalogue) >= 2
    assert all(r["learnt"] is None and isinstance(r["learnt_catalogue"], float) for r in catalogue)
    best = max(catalogue, key=lambda r: r["learnt_catalogue"])
    assert best["name"] == "涉外收养登记"


def test_each_classifiers_best_entries_are_candidates(matcher):
    """The matcher may rank an entry low that a classifier finds most like the message (房贷还清
    了 shares little with 抵押权注销登记): each classifier's best entries join the ranking."""
    for text in ("房贷还清了，房子要去解押", "社保卡密码忘了咋办", "外国人想在这边收养个孩子"):
        m = message(text)
        matcher.process([m])
        ids = {r["id"] for r in m.get(REGISTRY_KEY)["ranking"]}
        reading = matcher.index.reading(text)
        assert set(matcher.classifiers) == {"learnt", "learnt_catalogue"}
        for classifier in matcher.classifiers.values():
            order = np.argsort(-classifier.scores(reading), kind="stable")[:LEARNT_CANDIDATES]
            assert {classifier.classes[i] for i in order} <= ids, text


def test_a_model_kept_before_the_classifiers_ranks_without_them(matcher):
    older = RegistryMatcher(matcher.config, None, None, matcher.index)
    m = message("社保卡密码忘了咋办")
    older.process([m])
    ranking = m.get(REGISTRY_KEY)["ranking"]
    assert ranking and all("learnt" not in r and "learnt_catalogue" not in r for r in ranking)
