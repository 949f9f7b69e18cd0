"""The candidate re-ranker: its arithmetic against scikit-learn's, its file, and when it may act."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from bot.nlu import rerank
from bot.nlu.intents import Thresholds, identify
from bot.nlu.rerank import FEATURES, MODEL_FILE, Reranker, candidate_features, reorder


def _random(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 4] * x[:, 7] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return x, y


def test_pairwise_expansion_is_scikit_learns():
    x, _ = _random(20)
    expected = PolynomialFeatures(2, interaction_only=True).fit_transform(x)
    assert np.allclose(rerank._pairwise(x), expected)


def test_probabilities_are_those_of_the_same_scikit_learn_pipeline():
    x, y = _random()
    fitted = Reranker.fit(x, y, c=0.03)
    s1 = StandardScaler().fit(x)
    expanded = PolynomialFeatures(2, interaction_only=True).fit_transform(s1.transform(x))
    s2 = StandardScaler().fit(expanded)
    z = s2.transform(expanded)
    z[:, 0] = 1.0  # the bias column: scikit-learn's scaler leaves a constant column as it is
    model = LogisticRegression(C=0.03, max_iter=5000).fit(z, y)
    assert np.allclose(fitted.probabilities(x), model.predict_proba(z)[:, 1], atol=1e-6)


def test_the_committed_model_loads_and_round_trips():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert data["about"]["messages"] >= 500
    loaded = Reranker.from_json(data)
    again = Reranker.from_json(json.loads(json.dumps(loaded.to_json())))
    x, _ = _random(30)
    assert np.allclose(loaded.probabilities(x), again.probabilities(x), atol=1e-6)


def test_a_model_fitted_on_other_features_is_refused():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="refit"):
        Reranker.from_json(data)


def _parse(text: str, ranking: list[dict], intent: str = "nlu_fallback", confidence: float = 0.3) -> dict:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "registry": {"ranking": ranking, "vague": False, "specific": True},
    }


UMBRELLA = {
    "id": "disability_services",
    "kind": "scenario",
    "name": "残疾人服务一件事",
    "score": 0.52,
    "named": False,
}
SPECIFIC = {
    "id": "disability_certificate_renewal",
    "kind": "matter",
    "name": "残疾人证换领",
    "score": 0.5,
    "named": False,
    "scenarios": ["disability_services"],
}


@pytest.fixture
def prefers_matters(monkeypatch):
    """A re-ranker that weighs only 'is_matter': the mechanics, not what the fitted one learnt."""
    d = len(FEATURES)
    width = 1 + d + d * (d - 1) // 2
    coef = np.zeros(width)
    coef[1 + FEATURES.index("is_matter")] = 5.0
    fake = Reranker(np.zeros(d), np.ones(d), np.zeros(width), np.ones(width), coef, -2.0, {})
    monkeypatch.setattr(rerank, "load", lambda *a, **k: fake)


def test_features_are_one_row_per_candidate():
    features = candidate_features(_parse("残疾证快满10年了", [UMBRELLA, SPECIFIC]), [UMBRELLA, SPECIFIC])
    assert features.shape == (2, len(FEATURES))
    column = dict(zip(FEATURES, features[1], strict=True))
    assert column["is_matter"] == 1.0 and column["bundling_scenario_score"] == pytest.approx(0.52)


def test_the_reranker_orders_the_candidates(prefers_matters):
    parse = _parse("残疾证快满10年了怎么换", [UMBRELLA, SPECIFIC])
    order = reorder(parse, [UMBRELLA, SPECIFIC])
    assert [r["id"] for _, r in order] == ["disability_certificate_renewal", "disability_services"]
    found = identify(parse)
    if found.decision in ("identified", "clarify"):
        assert found.entry.id == "disability_certificate_renewal"


def test_close_candidates_the_reranker_separates_surely_are_answered(prefers_matters, monkeypatch):
    """The rules would ask (two entries 0.02 apart); the re-ranker is sure (0.95 against 0.12)."""
    parse = _parse("残疾证快满10年了怎么换", [UMBRELLA, SPECIFIC])
    assert identify(parse, thresholds=Thresholds(rerank_sure=1.01)).decision == "clarify"
    found = identify(parse)
    assert (found.decision, found.entry.id) == ("identified", "disability_certificate_renewal")
    d = len(FEATURES)
    width = 1 + d + d * (d - 1) // 2
    unsure = Reranker(np.zeros(d), np.ones(d), np.zeros(width), np.ones(width), np.zeros(width), 0.0, {})
    monkeypatch.setattr(rerank, "load", lambda *a, **k: unsure)  # 0.5 each: still asked
    assert identify(parse).decision == "clarify"


def test_an_official_name_keeps_the_rules_order_an_alias_or_a_sure_model_does_not(prefers_matters):
    named = {**UMBRELLA, "named": True, "match": "name"}
    assert reorder(_parse("残疾人服务一件事", [named, SPECIFIC]), [named, SPECIFIC]) == []
    aliased = {**UMBRELLA, "named": True, "match": "alias"}
    said = _parse("残疾证快满10年了", [aliased, SPECIFIC])
    assert reorder(said, [aliased, SPECIFIC])[0][1]["id"] == SPECIFIC["id"]
    sure = _parse("家里有残疾人，证快到期了", [UMBRELLA, SPECIFIC], "scenario_disability_services", 0.93)
    assert reorder(sure, [UMBRELLA, SPECIFIC])[0][1]["id"] == SPECIFIC["id"]


def test_a_named_entry_is_never_left_out_of_what_is_offered(prefers_matters):
    """Three matters the re-ranker prefers, and the scenario an alias names: still offered."""
    aliased = {**UMBRELLA, "named": True, "match": "alias", "score": 0.8}
    others = [{**SPECIFIC, "id": f"m{i}", "name": f"事项{i}", "score": 0.7 - i / 10} for i in range(3)]
    found = identify(_parse("残疾证的事", [aliased, *others]))
    assert found.entry is not None and found.entry.id != "disability_services"
    assert len(found.candidates) == Thresholds.offer
    assert "disability_services" in [c.id for c in found.candidates]


def test_when_the_rules_and_an_unsure_reranker_differ_the_bot_asks(monkeypatch):
    """The rules name the scenario the model is sure of; a re-ranker that slightly prefers the
    matter (0.62 against 0.38) makes it a question, the matter first."""
    d = len(FEATURES)
    width = 1 + d + d * (d - 1) // 2
    coef = np.zeros(width)
    coef[1 + FEATURES.index("is_matter")] = 0.5
    slight = Reranker(np.zeros(d), np.ones(d), np.zeros(width), np.ones(width), coef, 0.0, {})
    monkeypatch.setattr(rerank, "load", lambda *a, **k: slight)
    parse = _parse("家里有残疾人", [UMBRELLA, SPECIFIC], "scenario_disability_services", 0.95)
    parse["intent_ranking"] = [{"name": "scenario_disability_services", "confidence": 0.95}]
    found = identify(parse)
    assert (found.decision, found.entry.id) == ("clarify", SPECIFIC["id"])
    monkeypatch.setattr(rerank, "load", lambda *a, **k: None)  # the rules alone: answered
    assert identify(parse).decision == "identified"
