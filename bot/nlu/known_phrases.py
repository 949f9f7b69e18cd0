"""Rasa NLU component: a reply that is word for word one of an intent's training phrases is
that intent.

Why: DIET reads short replies poorly. On a two- or three-character message (没用, 是的, 不是)
its bag of n-grams holds almost nothing, the softmax over some 75 intents comes out flat, and
the right intent wins at 0.3 or less: a fallback threshold of 0.25, or any change to DIET's
training (batch size, epochs), turns 是的 into ``nlu_fallback`` and breaks the conversation
that asked a yes-or-no question. Here such a reply, as the training data spells it (after
``bot.nlu.normalize`` and without blanks and punctuation: 是的。, 是的！, 是 的 alike), takes its
intent with confidence 1.0, also with a sentence-final particle (是的呢); DIET's ranking of the
other intents stays below it. Measured: 是的, 没用 and 要多久 came out at 0.32, 0.30 and 0.33,
在哪办 (a training phrase) at 0.18, below the fallback threshold.

The intents that identify a scenario or matter are left to the model and the registry matcher
(``bot.nlu.intents`` weighs both): ``exclude`` and ``exclude_prefixes``. A phrase taught to two
intents is no one's. Placed after DIET and before the FallbackClassifier.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intents import KNOWN_PHRASE_KEY
from bot.nlu.normalize import normalize
from bot.nlu.stored_component import StoredComponent

logger = logging.getLogger(__name__)

FILE = "known_phrases.json"
# Sentence-final particles say how, not what: 在哪里办理呢 is 在哪里办理.
PARTICLES = "呢啊呀吧哦嘛啦哈嘞呗"


def phrase_key(text: str) -> str:
    """The phrase as compared: normalised, without blanks, punctuation and symbols."""
    return "".join(c for c in normalize(text or "") if unicodedata.category(c)[0] not in "PSZC")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnownPhraseClassifier(StoredComponent):
    """Sets the intent of a message that is exactly a training phrase of one intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Intents whose phrases are not looked up (identification is not a lookup).
            "exclude": ["registry_matter"],
            "exclude_prefixes": ["scenario_"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        learnt: dict[str, str] | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        self.phrases: dict[str, str] = learnt or {}

    def _looked_up(self, intent: str | None) -> bool:
        if not intent or intent in self.config["exclude"]:
            return False
        return not any(intent.startswith(p) for p in self.config["exclude_prefixes"])

    def train(self, training_data: TrainingData) -> Resource:
        """Every phrase of an intent that is looked up, unless another intent has it too."""
        seen: dict[str, set[str]] = {}
        for example in training_data.intent_examples:
            key = phrase_key(example.get(TEXT))
            if key:
                seen.setdefault(key, set()).add(example.get(INTENT))
        self.phrases = {
            key: next(iter(intents))
            for key, intents in seen.items()
            if len(intents) == 1 and self._looked_up(next(iter(intents)))
        }
        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / FILE).write_text(json.dumps(self.phrases, ensure_ascii=False), "utf-8")
        logger.info("known phrases: %d", len(self.phrases))
        return self._resource

    @classmethod
    def _read(cls, directory: Path) -> dict[str, str]:
        return json.loads((directory / FILE).read_text("utf-8"))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            key = phrase_key(message.get(TEXT))
            intent = self.phrases.get(key) or self.phrases.get(key.rstrip(PARTICLES))
            if intent is not None:
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
                known = {"name": intent, "confidence": 1.0}
                message.set(INTENT, known, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [known, *ranking], add_to_output=True)
                message.set(KNOWN_PHRASE_KEY, True, add_to_output=True)
        return messages
