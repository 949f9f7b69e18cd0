"""Which of the close candidates a message means: a small learned re-ranker.

The matcher ranks entries by the words a message shares with them, and the trained intents
know the life-event scenarios; ``bot.nlu.intents`` decides with hand-set thresholds whether the
message means something at all, and which kind of answer (identified, clarify, none). Among the
candidates it then chose, the most frequent error was the order: the umbrella scenario or a
general matter ahead of the specific one the person described (残疾证快满10年了 →
残疾人服务一件事 instead of 残疾人证换领). This re-ranker learns that order from messages
people wrote (the development sets, ``FIT_SETS``), from features of each candidate that the
matcher and the model already give: no words, no ids, so it carries over to entries it never saw.

The fitted model is a logistic regression over the features and their pairwise products, kept
as plain numbers in ``data/nlu/rerank.json`` (``python -m bot rerank`` refits it from the
current model); applying it needs numpy only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import ROOT

MODEL_FILE = ROOT / "data" / "nlu" / "rerank.json"
FIT_SETS = (ROOT / "tests" / "eval" / "dev.jsonl", ROOT / "tests" / "nlu" / "quick_set.jsonl")
FEATURES = (
    "score",
    "score_squared",
    "below_top",
    "inverse_rank",
    "named",
    "named_by_name",
    "named_by_alias",
    "is_scenario",
    "is_matter",
    "is_catalogue",
    "model_probability",
    "model_top",
    "model_top_confidence",
    "bundling_scenario_probability",
    "bundling_scenario_score",
    "best_bundled_matter_score",
    "score_over_bundled_matter",
    "together_scenario",
    "together_not_scenario",
    "other_intent",
    "other_intent_score",
    "name_length",
    "out_of_scope_confidence",
    "vague",
    "specific",
    "model_probability_score",
    "learnt",
    "learnt_top",
    "learnt_below_top",
    "learnt_catalogue",
    "learnt_catalogue_top",
)


def candidate_features(parse: dict[str, Any], ranking: Sequence[dict[str, Any]]) -> np.ndarray:
    """One row of ``FEATURES`` per ranking item (the matcher's items, as in the parse)."""
    from bot.nlu.intents import (
        FALLBACK_INTENT,
        MATTER_INTENT,
        OUT_OF_SCOPE_INTENT,
        VAGUE_INTENT,
        says_together,
        scenario_of,
        scenario_ranking,
    )

    intent = (parse.get("intent") or {}).get("name") or ""
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    model = {r["scenario"]: r["confidence"] for r in scenario_ranking(parse)}
    model_sid = scenario_of(intent)
    together = says_together(parse.get("text") or "")
    registry = parse.get("registry") or {}
    top = max((float(r.get("score") or 0.0) for r in ranking), default=0.0)
    other = not model_sid and intent not in (FALLBACK_INTENT, VAGUE_INTENT, MATTER_INTENT)
    score_of = {r["id"]: float(r.get("score") or 0.0) for r in ranking}
    learnt = [_learnt(r) for r in ranking]
    learnt_top = max(learnt, default=LEARNT_FLOOR)
    cat = [_learnt(r, "learnt_catalogue") for r in ranking]
    cat_top = max(cat, default=LEARNT_FLOOR)
    rows = []
    for i, r in enumerate(ranking):
        s = float(r.get("score") or 0.0)
        kind = r.get("kind") or "scenario"
        p = model.get(r["id"], 0.0)
        bundling = r.get("scenarios") or ()
        bundled = max(
            (float(x.get("score") or 0.0) for x in ranking if r["id"] in (x.get("scenarios") or ())),
            default=0.0,
        )
        rows.append(
            [
                s,
                s * s,
                top - s,
                1.0 / (i + 1),
                float(bool(r.get("named"))),
                float(r.get("match") == "name"),
                float(r.get("match") == "alias"),
                float(kind == "scenario"),
                float(kind == "matter"),
                float(kind == "catalogue"),
                p,
                float(r["id"] == model_sid),
                float(r["id"] == model_sid) * confidence,
                max((model.get(x, 0.0) for x in bundling), default=0.0),
                max((score_of[x] for x in bundling if x in score_of), default=0.0),
                bundled,
                s - bundled,
                float(together and kind == "scenario"),
                float(together and kind != "scenario"),
                float(other),
                float(other) * s,
                len(r.get("name") or "") / 20,
                float(intent == OUT_OF_SCOPE_INTENT) * confidence,
                float(bool(registry.get("vague"))),
                float(bool(registry.get("specific", True))),
                p * s,
                learnt[i],
                float(learnt[i] == learnt_top and learnt_top > LEARNT_FLOOR),
                learnt_top - learnt[i],
                cat[i],
                float(cat[i] == cat_top and cat_top > LEARNT_FLOOR),
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


# What a learnt classifier's score counts as when it has none for the entry (the other kind's
# entry, or a model without classifiers): below its scores for entries it finds unlike a message.
LEARNT_FLOOR = -1.5


def _learnt(r: dict[str, Any], key: str = "learnt") -> float:
    """A classifier's score of a candidate (``bot.nlu.learnt``), at least ``LEARNT_FLOOR``."""
    value = r.get(key)
    return LEARNT_FLOOR if value is None else max(LEARNT_FLOOR, float(value))


def _pairwise(x: np.ndarray) -> np.ndarray:
    """The features, then every product of two different ones (scikit-learn's
    ``PolynomialFeatures(2, interaction_only=True)`` order, bias column first)."""
    n, d = x.shape
    i, j = np.triu_indices(d, k=1)
    return np.hstack([np.ones((n, 1)), x, x[:, i] * x[:, j]])


@dataclass(frozen=True)
class Reranker:
    """Standardise, expand pairwise, standardise, logistic regression: all as plain arrays."""

    mean: np.ndarray
    scale: np.ndarray
    expanded_mean: np.ndarray
    expanded_scale: np.ndarray
    coef: np.ndarray
    intercept: float
    about: dict[str, Any]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """How likely each candidate is the one meant (0..1)."""
        if not len(features):
            return np.zeros(0)
        x = _pairwise((features - self.mean) / self.scale)
        z = ((x - self.expanded_mean) / self.expanded_scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "about": self.about,
            "features": list(FEATURES),
            "mean": self.mean.round(8).tolist(),
            "scale": self.scale.round(8).tolist(),
            "expanded_mean": self.expanded_mean.round(8).tolist(),
            "expanded_scale": self.expanded_scale.round(8).tolist(),
            "coef": self.coef.round(8).tolist(),
            "intercept": round(self.intercept, 8),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reranker:
        if list(data.get("features") or ()) != list(FEATURES):
            raise ValueError(
                "the re-ranker was fitted on other features: refit it with `python -m bot rerank`"
            )
        return cls(
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["expanded_mean"]),
            np.array(data["expanded_scale"]),
            np.array(data["coef"]),
            float(data["intercept"]),
            dict(data.get("about") or {}),
        )

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, c: float = 0.03, **about: Any) -> Reranker:
        """Fit on candidate rows labelled 1 where the candidate is what the person meant."""
        from sklearn.linear_model import LogisticRegression

        mean, scale = features.mean(axis=0), _safe(features.std(axis=0))
        expanded = _pairwise((features - mean) / scale)
        e_mean, e_scale = expanded.mean(axis=0), _safe(expanded.std(axis=0))
        e_mean[0], e_scale[0] = 0.0, 1.0
        model = LogisticRegression(C=c, max_iter=5000).fit((expanded - e_mean) / e_scale, labels)
        return cls(mean, scale, e_mean, e_scale, model.coef_[0], float(model.intercept_[0]), about)


def _safe(scale: np.ndarray) -> np.ndarray:
    return np.where(scale > 1e-9, scale, 1.0)


@lru_cache(maxsize=2)
def load(path: Path = MODEL_FILE) -> Reranker | None:
    """The fitted re-ranker, or None when there is none (the rules' order then stands)."""
    if not path.exists():
        return None
    return Reranker.from_json(json.loads(path.read_text(encoding="utf-8")))


def reorder(parse: dict[str, Any], ranked: list[dict[str, Any]]) -> list[tuple[float, dict]]:
    """The candidates in the re-ranker's order with its probabilities, or [] to keep the rules'.

    The rules' order stands where a candidate's official name is in the message: a question about
    it is answered for it. An alias does not decide so surely (社保卡 names the card's scenario in
    社保卡密码忘了), nor does the model's scenario: with the learnt classifier's score as a
    feature, the re-ranker's order was right more often than the rules' in both cases
    (development sets, five-fold: matters 0.71 → 0.83, scenarios 0.90 → 0.90).
    """
    reranker = load()
    if reranker is None or not ranked or any(r.get("match") == "name" for r in ranked):
        return []
    probabilities = reranker.probabilities(candidate_features(parse, ranked))
    order = np.argsort(-probabilities, kind="stable")
    return [(float(probabilities[i]), ranked[int(i)]) for i in order]


def expected_ids(row: dict[str, Any]) -> set[str]:
    """What a development-set line says the message means (any of these is right)."""
    if "expected" in row:
        e = row["expected"]
        return {e} if isinstance(e, str) else set(e or ())
    ids = {row["id"]} if row.get("id") else set()
    return ids | set(row.get("also") or ())


def training_rows(parses: Iterable[tuple[dict[str, Any], set[str]]]) -> tuple[np.ndarray, np.ndarray]:
    """Candidate rows and labels from parsed development messages (those with an answer)."""
    xs: list[np.ndarray] = []
    ys: list[bool] = []
    for parse, expected in parses:
        ranking = [r for r in (parse.get("registry") or {}).get("ranking") or [] if r.get("id")]
        if not expected or not ranking:
            continue
        xs.append(candidate_features(parse, ranking))
        ys.extend(r["id"] in expected for r in ranking)
    return np.vstack(xs), np.array(ys, dtype=int)


def fit_from_model(model: Path, out: Path = MODEL_FILE, sets: Sequence[Path] = FIT_SETS) -> Reranker:
    """Parse the development sets with ``model`` and fit the re-ranker on them."""
    import asyncio

    from bot.nlu.build import trained_phrases
    from bot.nlu.cli import load_agent

    # Texts the intent model trained on are left out: there the model is overconfident.
    skip = trained_phrases()
    rows = [json.loads(line) for path in sets for line in path.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r["text"] not in skip]
    agent = load_agent(model)
    parsed = []

    async def parse_all() -> None:
        for i, row in enumerate(rows, 1):
            parsed.append((await agent.parse_message(row["text"]), expected_ids(row)))
            if i % 100 == 0 or i == len(rows):
                print(f"[rerank] parsed {i}/{len(rows)}", file=sys.stderr, flush=True)

    asyncio.run(parse_all())
    features, labels = training_rows(parsed)
    reranker = Reranker.fit(
        features,
        labels,
        model=model.name,
        messages=sum(1 for _, e in parsed if e),
        candidates=len(labels),
        sets=[str(p.relative_to(ROOT)) for p in sets],
    )
    out.write_text(json.dumps(reranker.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load.cache_clear()
    return reranker
