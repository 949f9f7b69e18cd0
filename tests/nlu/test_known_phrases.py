"""The known-phrase classifier: trained into a model storage, loaded back, and what it changes."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intents import KNOWN_PHRASE_KEY
from bot.nlu.known_phrases import KnownPhraseClassifier, phrase_key

TRAINING = [
    ("是的", "affirm"),
    ("不是", "deny"),
    ("没用", "feedback_unhelpful"),
    ("要多久", "ask_duration"),
    ("好", "affirm"),
    ("好", "feedback_helpful"),  # taught to two intents: no one's
    ("工伤认定申请", "registry_matter"),  # identification is not a lookup
    ("我老婆生孩子了", "scenario_newborn"),
]


@pytest.fixture(scope="module")
def classifier(tmp_path_factory) -> KnownPhraseClassifier:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("known_phrases")
    context = ExecutionContext(GraphSchema({}), "test")
    config = KnownPhraseClassifier.get_default_config()
    data = TrainingData([Message({TEXT: t, INTENT: i}) for t, i in TRAINING])
    KnownPhraseClassifier.create(config, storage, resource, context).train(data)
    return KnownPhraseClassifier.load(config, storage, resource, context)


def parsed(classifier: KnownPhraseClassifier, text: str, ranking: list[tuple[str, float]]) -> dict:
    """``text`` as DIET left it (``ranking``), through the classifier, as /model/parse shows it."""
    m = Message({TEXT: text})
    m.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    m.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    classifier.process([m])
    return m.as_dict(only_output_properties=True)


@pytest.mark.parametrize("text", ["是的", "是的。", " 是 的！", "是的!!", "是的呢", "是的呀～"])
def test_a_taught_reply_is_its_intent_whatever_the_punctuation(classifier, text):
    out = parsed(classifier, text, [("greet", 0.2), ("affirm", 0.18), ("deny", 0.1)])
    assert out[INTENT] == {"name": "affirm", "confidence": 1.0}
    assert out[KNOWN_PHRASE_KEY] is True  # the decision reads it: the reply names no entry
    names = [r["name"] for r in out[INTENT_RANKING_KEY]]
    assert names == ["affirm", "greet", "deny"]  # DIET's others stay, below it, once each


def test_traditional_and_full_width_spellings_are_the_same_phrase(classifier):
    assert phrase_key("沒用！") == phrase_key("没用") == "没用"
    assert parsed(classifier, "沒用", [("thank", 0.3)])[INTENT]["name"] == "feedback_unhelpful"


@pytest.mark.parametrize(
    "text",
    [
        "是的吧我也不知道",  # more than the phrase: DIET's to read
        "要多久才能领到失业金",
        "呢",
        "好",  # taught to two intents
        "工伤认定申请",  # a matter's name: the matcher's and the decision's
        "我老婆生孩子了",  # a scenario's phrase
        "",
    ],
)
def test_anything_else_keeps_diet_s_reading(classifier, text):
    out = parsed(classifier, text, [("nlu_fallback", 0.25), ("greet", 0.2)])
    assert out[INTENT] == {"name": "nlu_fallback", "confidence": 0.25}
    assert [r["name"] for r in out[INTENT_RANKING_KEY]] == ["nlu_fallback", "greet"]
    assert KNOWN_PHRASE_KEY not in out


def test_the_phrases_survive_the_model_storage(classifier):
    assert classifier.phrases == {
        "是的": "affirm",
        "不是": "deny",
        "没用": "feedback_unhelpful",
        "要多久": "ask_duration",
    }
