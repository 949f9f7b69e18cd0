"""Rasa NLU component: rank every registry entry for a message, and say so in the parse.

Runs after DIET (and the fallback classifier). At training time it builds its index
(``bot.nlu.retrieval``) from the registry files and the curated lexicon and stores it in
the model; at parse time it adds the key ``registry`` to the parse result, which
``/model/parse`` returns and the tracker keeps in ``latest_message``::

    {"ranking": [{"id", "kind", "name", "score", "named", "learnt", "learnt_catalogue"}, …],
     "vague": bool, "specific": bool, "untranslated": float, "focus": str | None}

The ranking is the matcher's top 10, the model's likeliest scenarios it lacks, and each learnt
classifier's three best entries it lacks (``bot.nlu.learnt``, trained here from the same texts);
``learnt`` is that classifier's score of each item (None for a catalogue-only entry), and
``learnt_catalogue`` the catalogue-only entries' classifier's (None for the others).

``specific`` is false when the message holds no registry word beyond the generic ones
(证, 证明, 手续) and the actions: 我要补个证 names nothing, whatever it matches.
``untranslated`` is the share of the message that is English the lexicon has no term for: the
intent model, trained on Chinese phrases, reads such a message poorly (``bot.nlu.intents``).
``focus`` is the part of a long message that asks (``bot.nlu.focus``): its words led the ranking.

Rasa's training cache fingerprints this component's config and the NLU data, not the
registry files: ``python -m bot train`` writes the registry's and the lexicon's digests
into the config it trains with (``build/rasa/config.yml``), so a registry change retrains it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entries import Entry, registry_entries
from bot.nlu.learnt import EntryClassifier, examples
from bot.nlu.retrieval import NAMED_FLAG, Index, Lexicon
from bot.nlu.stored_component import StoredComponent
from bot.privacy.redact import without_given_numbers
from bot.settings import ROOT

logger = logging.getLogger(__name__)

REGISTRY_KEY = "registry"
FALLBACK_INTENT = "nlu_fallback"
SCENARIO_PREFIX = "scenario_"
# Scenario intents of the model added to the ranking when the matcher did not rank them.
MODEL_SCENARIOS = 3
MODEL_SCENARIO_MIN = 0.05
# The learnt classifiers (``bot.nlu.learnt``), each by the key its scores have in a ranking item:
# the detailed entries' (scenarios, matters) and the catalogue-only entries' (True).
LEARNT_KEY = "learnt"
CLASSIFIERS = {LEARNT_KEY: False, "learnt_catalogue": True}
# Each classifier's best entries added to the ranking when the matcher did not rank them (for
# the catalogue's, chosen on the development sets: top-3 0.963 → 0.967, nothing lost).
LEARNT_CANDIDATES = 3


def _path(value: str | None) -> Path | None:
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def vague_intent_leads(message: dict[str, Any] | Message, vague_intent: str, threshold: float) -> bool:
    """The model's intent is the vague request, or the fallback's best guess is."""
    get = message.get
    intent = (get(INTENT) or {}).get("name")
    if intent == vague_intent:
        return True
    if intent != FALLBACK_INTENT:
        return False
    ranking = [r for r in get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
    return (
        bool(ranking)
        and ranking[0].get("name") == vague_intent
        and ranking[0].get("confidence", 0) >= threshold
    )


def _fit_classifiers(index: Index, entries: list[Entry]) -> dict[str, EntryClassifier]:
    """Each of ``CLASSIFIERS`` fitted on its entries' texts, read as messages are. Side by side in
    two threads: scikit-learn's linear SVM leaves Python's lock while it fits, so on two cores
    both take the time of the larger (the catalogue's), not the sum."""
    from concurrent.futures import ThreadPoolExecutor

    work = {}
    for key, catalogue in CLASSIFIERS.items():
        texts, labels = examples(entries, catalogue=catalogue)
        if texts:
            work[key] = ([index.reading(t, correct=False) for t in texts], labels)
    with ThreadPoolExecutor(max_workers=len(work) or 1) as pool:
        fitted = {
            key: pool.submit(EntryClassifier.fit, texts, labels) for key, (texts, labels) in work.items()
        }
        return {key: future.result() for key, future in fitted.items()}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RegistryMatcher(StoredComponent):
    """Ranks scenarios, matters and catalogue entries; never changes the intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "registry_dir": "data/registry",
            "synonyms": "data/nlu/synonyms.yml",
            # People's own words for each detailed matter (``<matter id>.yml``).
            "phrases_dir": "data/nlu/matters",
            # Each scenario's training phrases (``<scenario id>.yml``, Rasa NLU files).
            "scenario_phrases_dir": "data/nlu/scenarios",
            # How many entries the parse carries.
            "top": 10,
            # Written by `python -m bot train` so that Rasa retrains when the data changes.
            "registry_digest": "",
            "synonyms_digest": "",
            "code_digest": "",
            # The DIET intent for 我想办个证-like requests, and how sure it must be.
            "vague_intent": "vague_request",
            "vague_threshold": 0.3,
            # A vague request whose best entry scores at least this is not vague after all.
            "vague_max_score": 0.55,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        learnt: Index | tuple[Index, dict[str, EntryClassifier]] | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        # An index alone (a model trained before the classifiers, a test) ranks without them.
        self.index: Index | None
        self.classifiers: dict[str, EntryClassifier]
        self.index, self.classifiers = learnt if isinstance(learnt, tuple) else (learnt, {})

    def train(self, training_data: TrainingData) -> Resource:
        """Build the index from the registry files (the training data carries no registry)."""
        registry_dir = _path(self.config["registry_dir"])
        assert registry_dir is not None
        entries = registry_entries(
            registry_dir, _path(self.config["phrases_dir"]), _path(self.config["scenario_phrases_dir"])
        )
        self.index = index = Index.build(entries, Lexicon.load(_path(self.config["synonyms"])))
        self.classifiers = _fit_classifiers(index, entries)
        with self._model_storage.write_to(self._resource) as directory:
            index.save(Path(directory))
            for key, classifier in self.classifiers.items():
                classifier.save(Path(directory), key)
        logger.info(
            "registry matcher: %d entries, %d features; classifiers: %s",
            len(entries),
            len(index.vocab),
            ", ".join(f"{key} over {len(c.classes)} entries" for key, c in self.classifiers.items()),
        )
        return self._resource

    @classmethod
    def _read(cls, directory: Path) -> tuple[Index, dict[str, EntryClassifier]]:
        kept = {key: EntryClassifier.load(directory, key) for key in CLASSIFIERS}
        return Index.load(directory), {key: c for key, c in kept.items() if c is not None}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.set(REGISTRY_KEY, self.match(message), add_to_output=True)
        return messages

    def match(self, message: Message | dict[str, Any]) -> dict[str, Any]:
        text = without_given_numbers(message.get(TEXT) or "")
        ranking = self.index.rank(text, int(self.config["top"])) if self.index and text else []
        ranking += self._model_scenarios(message, {r["id"] for r in ranking}, text)
        ranking = self._learnt(ranking, text)
        named = any(r["named"] for r in ranking)
        best = ranking[0]["score"] if ranking else 0.0
        specific = bool(self.index and text and self.index.specific(text))
        leads = vague_intent_leads(
            message, self.config["vague_intent"], float(self.config["vague_threshold"])
        )
        vague = not named and leads and (not specific or best < float(self.config["vague_max_score"]))
        untranslated = round(self.index.query(text).untranslated_share, 3) if self.index and text else 0.0
        return {
            "ranking": ranking,
            "vague": vague,
            "specific": specific or named,
            "untranslated": untranslated,
            # The part of a long message read as its request (bot.nlu.focus), or None.
            "focus": self.index.focus(text)[0] if self.index and text else None,
        }

    def _learnt(self, ranking: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
        """Each item with each classifier's score under the classifier's key (None for an entry
        it does not know), after each classifier's best entries that the ranking lacks were added
        with the matcher's score."""
        if self.index is None or not self.classifiers or not text:
            return ranking
        reading = self.index.reading(text)
        scores = {key: classifier.scores(reading) for key, classifier in self.classifiers.items()}
        for key, classifier in self.classifiers.items():
            best = [
                classifier.classes[i] for i in np.argsort(-scores[key], kind="stable")[:LEARNT_CANDIDATES]
            ]
            ranked = {r["id"] for r in ranking}
            ranking = ranking + self.index.entries_by_id([x for x in best if x not in ranked], text)
        for item in ranking:
            for key, classifier in self.classifiers.items():
                position = classifier.position(item["id"])
                item[key] = None if position is None else round(float(scores[key][position]), 4)
        return ranking

    def _model_scenarios(self, message: Message | dict[str, Any], ranked: set[str], text: str) -> list[dict]:
        """The model's likeliest scenario intents the ranking lacks, with the matcher's own
        score (often 0: 我老婆刚生了 shares no word with 新生儿出生一件事), so that the decision
        (``bot.nlu.intents``) can weigh both and name them."""
        if self.index is None:
            return []
        wanted = []
        for r in message.get(INTENT_RANKING_KEY) or []:
            name = r.get("name") or ""
            if name.startswith(SCENARIO_PREFIX) and r.get("confidence", 0) >= MODEL_SCENARIO_MIN:
                sid = name[len(SCENARIO_PREFIX) :]
                if sid not in ranked:
                    wanted.append(sid)
        return self.index.entries_by_id(wanted[:MODEL_SCENARIOS], text)


__all__ = ["NAMED_FLAG", "REGISTRY_KEY", "RegistryMatcher"]
