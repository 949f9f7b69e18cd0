"""Rasa's Jieba tokenizer, fed normalised text so 戶口, 户口 and ＨＵＫＯＵ look alike to the model.

Only Rasa's public component API is used (``tokenize`` overridden, Rasa's own called on the
normalised text), so nothing here is in bot/rasa_compat; the trained model names this class
by its path, ``bot.nlu.tokenizer.NormalizingJiebaTokenizer``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalizingJiebaTokenizer(JiebaTokenizer):
    """Tokens carry the normalised word and the offset in the original text; blanks are dropped."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return JiebaTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Rasa's Jieba tokens (its ``token_pattern`` applied) of the normalised text, blanks dropped.

        ``normalize`` keeps the text's length, so offsets are those of the original text.
        """
        normalized = Message(data={attribute: normalize(message.get(attribute))})
        return [token for token in super().tokenize(normalized, attribute) if token.text.strip()]
