"""The learnt classifier: its arithmetic against scikit-learn's, its files, and what it learns."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.entries import Entry
from bot.nlu.learnt import EntryClassifier, examples, ngrams

TEXTS = [
    "社保卡密码忘了",
    "社保卡密码被锁",
    "社保卡丢了",
    "社保卡不见了要挂失",
    "护照过期 换新",
    "护照到期了",
]
LABELS = ["reset", "reset", "loss", "loss", "passport", "passport"]


def test_ngrams_are_scikit_learns_char_wb():
    sklearn_wb = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), lowercase=False).build_analyzer()
    for text in ("社保卡密码忘了", "passport 护照  过期", "a", ""):
        assert sorted(ngrams(text)) == sorted(sklearn_wb(text))


def test_a_message_is_read_as_scikit_learn_would():
    fitted = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True).fit(TEXTS)
    classifier = EntryClassifier.fit(TEXTS, LABELS)
    for text in ("社保卡密码密码忘了", "护照丢了", "完全无关的话", ""):
        expected = fitted.transform([text]).toarray().ravel()
        assert np.allclose(classifier.vector(text).toarray().ravel(), expected)


def test_the_telling_word_decides():
    classifier = EntryClassifier.fit(TEXTS, LABELS)
    for text, meant in (
        ("我的社保卡密码不记得了", "reset"),
        ("社保卡找不到了", "loss"),
        ("护照快过期", "passport"),
    ):
        scores = classifier.scores(text)
        assert classifier.classes[int(np.argmax(scores))] == meant
        assert classifier.position(meant) is not None
    assert classifier.position("no_such_entry") is None


def test_two_entries_are_two_classes():
    """scikit-learn keeps one row of weights for two classes; the classifier keeps both."""
    classifier = EntryClassifier.fit(TEXTS[:4], LABELS[:4])
    assert classifier.classes == ("loss", "reset")
    assert classifier.classes[int(np.argmax(classifier.scores("密码忘了")))] == "reset"
    assert classifier.classes[int(np.argmax(classifier.scores("丢了")))] == "loss"


def test_saved_and_loaded_it_scores_the_same(tmp_path):
    classifier = EntryClassifier.fit(TEXTS, LABELS)
    other = EntryClassifier.fit(TEXTS[:4], LABELS[:4])
    classifier.save(tmp_path)
    other.save(tmp_path, "other")  # two in one directory, each under its name
    loaded = EntryClassifier.load(tmp_path)
    assert loaded is not None and loaded.classes == classifier.classes
    assert np.allclose(loaded.scores("社保卡密码忘了"), classifier.scores("社保卡密码忘了"))
    loaded_other = EntryClassifier.load(tmp_path, "other")
    assert loaded_other is not None and loaded_other.classes == ("loss", "reset")


def test_a_model_kept_without_it_loads_as_none(tmp_path):
    assert EntryClassifier.load(tmp_path) is None


def test_it_learns_from_names_aliases_and_people_s_words_the_catalogue_apart():
    entries = [
        Entry("m", "matter", "社会保障卡密码重置", ("社保卡密码",), fields={"phrases": ("密码忘了",)}),
        Entry("s", "scenario", "退休一件事", fields={"scenario_phrases": ("我要退休了",)}),
        Entry("c", "catalogue", "某个目录事项"),
    ]
    texts, labels = examples(entries)
    assert list(zip(texts, labels, strict=True)) == [
        ("社会保障卡密码重置", "m"),
        ("社保卡密码", "m"),
        ("密码忘了", "m"),
        ("退休一件事", "s"),
        ("我要退休了", "s"),
    ]
    assert examples(entries, catalogue=True) == (["某个目录事项"], ["c"])


@pytest.fixture(scope="module")
def registry_classifier(index) -> EntryClassifier:
    """Trained on the real registry's texts, read as the matcher reads them when it trains."""
    from bot.nlu.entries import registry_entries
    from bot.settings import ROOT

    entries = registry_entries(
        ROOT / "data" / "registry", ROOT / "data" / "nlu" / "matters", ROOT / "data" / "nlu" / "scenarios"
    )
    texts, labels = examples(entries)
    return EntryClassifier.fit([index.reading(t, correct=False) for t in texts], labels)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("社保卡密码忘了咋办", "social_security_card_password_reset"),
        ("孩子出生了要办哪些事", "newborn"),
    ],
)
def test_on_the_registry_it_tells_neighbours_apart(index, registry_classifier, text, meant):
    scores = registry_classifier.scores(index.reading(text))
    assert registry_classifier.classes[int(np.argmax(scores))] == meant


def test_scores_are_the_vector_times_the_weights():
    """``scores`` reads only the message's own rows of the weights: the same as the whole product."""
    classifier = EntryClassifier.fit(TEXTS, LABELS)
    for text in ("社保卡密码忘了", "护照丢了 passport", "完全无关", ""):
        whole = np.asarray((classifier.vector(text) @ classifier.weights).todense()).ravel()
        assert np.allclose(classifier.scores(text), whole + classifier.intercept)
