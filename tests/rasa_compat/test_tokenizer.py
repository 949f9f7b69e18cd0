"""The normalising Jieba tokenizer needs no Rasa internal: it calls Rasa's own ``tokenize`` on the
normalised text, and gives the tokens it gave when it applied Rasa's private token pattern itself."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import normalize
from bot.nlu.tokenizer import NormalizingJiebaTokenizer

TEXTS = [
    "孩子刚出生要办什么",
    "戶口 怎么 办？  ＨＵＫＯＵ ２０２４",
    "  公司要注销，营业执照在哪里交 ",
    "身份证号 110101199003074514 要带吗",
    "",
    "   ",
]
PATTERNS = [None, r"(?u)\b\w\w+\b", r"[0-9]+|[^0-9]+"]


def _tokenizer(token_pattern: str | None) -> NormalizingJiebaTokenizer:
    config: dict[str, Any] = {
        **NormalizingJiebaTokenizer.get_default_config(),
        "token_pattern": token_pattern,
    }
    return NormalizingJiebaTokenizer(config, None, None)  # type: ignore[arg-type]


def _as_before(tokenizer: NormalizingJiebaTokenizer, text: str) -> list[Token]:
    """The earlier body: Jieba on the normalised text, blanks dropped, then Rasa's private pattern."""
    import jieba

    tokens = [Token(word, start) for word, start, _ in jieba.tokenize(normalize(text)) if word.strip()]
    return tokenizer._apply_token_pattern(tokens)


def _spans(tokens: list[Token]) -> list[tuple[str, int, int]]:
    return [(t.text, t.start, t.end) for t in tokens]


def test_it_overrides_rasas_tokenize_with_rasas_signature() -> None:
    def names(method: Any) -> list[str]:
        return list(inspect.signature(method).parameters)

    assert names(NormalizingJiebaTokenizer.tokenize) == names(JiebaTokenizer.tokenize)
    assert "self._apply_token_pattern(tokens)" in inspect.getsource(JiebaTokenizer.tokenize)


@pytest.mark.parametrize("token_pattern", PATTERNS)
@pytest.mark.parametrize("text", TEXTS)
def test_the_tokens_are_those_of_before(token_pattern: str | None, text: str) -> None:
    tokenizer = _tokenizer(token_pattern)
    ours = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    assert _spans(ours) == _spans(_as_before(tokenizer, text))
    for token in ours:  # offsets in the original text, words normalised
        assert normalize(text[token.start : token.end]) == token.text


def test_traditional_full_width_and_simplified_look_alike() -> None:
    tokenizer = _tokenizer(None)
    words = [t.text for t in tokenizer.tokenize(Message(data={TEXT: "戶口 ＨＵＫＯＵ"}), TEXT)]
    assert words == [t.text for t in tokenizer.tokenize(Message(data={TEXT: "户口 hukou"}), TEXT)]
