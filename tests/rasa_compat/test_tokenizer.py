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


def test_the_user_dictionary_counts_once_however_often_the_tokenizer_is_made(tmp_path) -> None:
    """Jieba adds a dictionary's frequencies to its total on every load, and the total weighs every
    segmentation. Rasa's tokenizer loads at ``create`` and again at ``load`` (a full training
    counted the dictionary twice, the server once); ours holds each dictionary once per process,
    so training, a cached retrain and the server segment alike."""
    import jieba
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    jieba.initialize()
    context = ExecutionContext(GraphSchema({}), "test")

    def made_and_loaded(cls: type[JiebaTokenizer], word: str) -> list[int]:
        """Jieba's total after create, after train and load, after a second load."""
        words = tmp_path / cls.__name__ / "dictionary"
        words.mkdir(parents=True)
        (words / "words.txt").write_text(f"{word} 50 n\n", encoding="utf-8")
        (tmp_path / cls.__name__ / "model").mkdir()
        storage = LocalModelStorage(tmp_path / cls.__name__ / "model")
        resource = Resource(cls.__name__)
        config = {**cls.get_default_config(), "dictionary_path": str(words)}
        start = jieba.dt.total
        tokenizer = cls.create(config, storage, resource, context)
        totals = [jieba.dt.total - start]
        tokenizer.train(TrainingData())
        cls.load(config, storage, resource, context)
        totals.append(jieba.dt.total - start)
        loaded = cls.load(config, storage, resource, context)
        totals.append(jieba.dt.total - start)
        message = Message({TEXT: f"我想去{word}办事"})
        assert word in [t.text for t in loaded.tokenize(message, TEXT)]
        return totals

    assert made_and_loaded(JiebaTokenizer, "甲乙丙丁办事处") == [50, 100, 150]  # why ours exists
    assert made_and_loaded(NormalizingJiebaTokenizer, "戊己庚辛办事处") == [50, 50, 50]
