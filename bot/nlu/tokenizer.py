"""Rasa's Jieba tokenizer, fed normalised text so 戶口, 户口 and ＨＵＫＯＵ look alike to the model.

Only Rasa's public component API is used (``tokenize``, ``create`` and ``load`` overridden,
Rasa's own ``tokenize`` called on the normalised text), so nothing here is in bot/rasa_compat;
the trained model names this class by its path, ``bot.nlu.tokenizer.NormalizingJiebaTokenizer``.

The user dictionary (the registry's names, built into build/jieba) goes into Jieba once per
process, whatever the path it is read from. ``jieba.load_userdict`` adds every word's frequency
to Jieba's total each time it runs, and that total weighs every segmentation; Rasa's own
tokenizer loads the dictionary at ``create`` and again at ``load``. A full training therefore
tokenised its data with the dictionary counted twice, a training that restored the tokenizer
from Rasa's cache with it counted once, and the server its messages once: a cached retrain
gave another model than a full one (560 of 699 development messages read differently), and
the server did not segment as training had.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import normalize

# Digests of the user dictionaries Jieba holds in this process.
_LOADED: set[str] = set()


def load_dictionaries(directory: str | Path) -> int:
    """Each dictionary file in ``directory`` into Jieba unless this process has it already (by
    content); returns how many were new."""
    import jieba

    new = 0
    for path in sorted(Path(directory).glob("*")):
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in _LOADED:
            continue
        jieba.load_userdict(str(path))
        _LOADED.add(digest)
        new += 1
    return new


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalizingJiebaTokenizer(JiebaTokenizer):
    """Tokens carry the normalised word and the offset in the original text; blanks are dropped."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return JiebaTokenizer.get_default_config()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NormalizingJiebaTokenizer:
        """Before training: the dictionary from ``dictionary_path`` (once per process)."""
        if config.get("dictionary_path") is not None:
            load_dictionaries(config["dictionary_path"])
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NormalizingJiebaTokenizer:
        """From a trained model: the dictionary training copied into it (once per process)."""
        if config.get("dictionary_path") is not None:
            try:
                with model_storage.read_from(resource) as directory:
                    load_dictionaries(directory)
            except ValueError:
                pass  # a model trained without it: Jieba's own dictionary, as Rasa's tokenizer does
        return cls(config, model_storage, resource)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Rasa's Jieba tokens (its ``token_pattern`` applied) of the normalised text, blanks dropped.

        ``normalize`` keeps the text's length, so offsets are those of the original text.
        """
        normalized = Message(data={attribute: normalize(message.get(attribute))})
        return [token for token in super().tokenize(normalized, attribute) if token.text.strip()]
