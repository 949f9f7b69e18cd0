"""People's own words: English read word by word, variant characters, typos by sound.

The reader and the normaliser on their own (small phrase lists, no index); then the matcher
built from the real registry and the real lexicon (data/nlu/synonyms.yml): English, mixed,
traditional and misspelt messages reach the same words as the Chinese ones do.
"""

from __future__ import annotations

import pytest

from bot.nlu.english import SEPARATOR, EnglishPhrases
from bot.nlu.normalize import normalize
from bot.nlu.typos import SoundCorrector
from tests.nlu.conftest import best

PHRASES = EnglishPhrases(
    ["passport", "driverslicence", "licence", "book", "renew", "社保card", "tax"], ["ktv"]
)


def kept(text: str) -> list[str]:
    return [part for part in PHRASES.read(normalize(text)).text.split(SEPARATOR) if part.strip(" ?.,")]


def test_a_key_counts_only_as_whole_words():
    # "book" is a key; facebook, notebook and syntax hold no key.
    reading = PHRASES.read(normalize("I saw it on Facebook, the syntax of my notebook"))
    assert reading.text.strip(SEPARATOR + " ,") == ""
    assert reading.dropped == len("isawitonfacebookthesyntaxofmynotebook")


def test_the_longest_run_of_words_wins_and_blanks_do_not_matter():
    assert kept("Driver's licence expired") == ["driverslicence"]
    assert kept("What licences do I need") == ["licence"]  # a plural is its singular


def test_mixed_keys_and_registry_words_are_kept():
    assert kept("我的社保card丢了") == ["我的", "社保card", "丢了"]
    assert kept("开KTV要什么") == ["开ktv要什么"]


def test_chinese_alone_comes_back_unchanged():
    reading = PHRASES.read("护照过期了怎么办")
    assert reading.text == "护照过期了怎么办"
    assert reading.dropped == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("戸口の証明", "户口の证明"),  # Japanese forms
        ("衞生許可", "卫生许可"),  # a Hong Kong / Taiwan variant
        ("欠缺予著", "欠缺予著"),  # variants that are simplified characters in their own right stay
    ],
)
def test_variant_characters_are_simplified_and_length_is_kept(text, expected):
    assert normalize(text) == expected
    assert len(normalize(text)) == len(text)


def test_a_long_registry_word_sounded_exactly_outweighs_a_word_inside_it():
    words = ["生育津贴", "员工", "工商户"]
    language = {"生于": 100, "员工": 5000, "上户": 10}
    corrector = SoundCorrector(
        words,
        known=lambda pair: any(pair in w for w in words),
        weight=lambda word: 1.0,
        is_word=lambda text, count: language.get(text, 0) >= max(1, count),
    )
    assert corrector.correct("生于津贴怎么领") == "生育津贴怎么领"
    # … but not where the span would split a word at its edge: 员工|上户 is no 工商户.
    assert corrector.correct("员工上户前") == "员工上户前"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("How do I renew my passport?", "护照过期了怎么换"),
        ("I lost my driver's licence", "驾照丢了"),
        ("How do I apply for a business licence for my small shop?", "开个小店要办营业执照"),
        ("我想办 business license", "我想办营业执照"),
        ("driver license 到期", "驾驶证到期"),
    ],
)
def test_english_reaches_what_the_chinese_reaches(index, english, chinese):
    assert best(index, english) == best(index, chinese)


def test_untranslated_english_is_measured_not_scored(index):
    query = index.query("How do I renew my passport?")
    assert "how" not in query.rewritten and "护照" in query.rewritten
    assert 0.3 < query.untranslated_share < 0.6  # how, do, i, my of 23 letters
    assert index.query("护照过期了怎么换").untranslated_share == 0.0


def test_a_name_with_latin_letters_is_still_named(index):
    ranking = index.rank("外国留学人员来华签证申请表（JW202表）核准要什么材料", 5)
    assert ranking[0]["named"] and "JW202" in ranking[0]["name"]


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("戸口本丢了怎么补", "户口本丢了怎么补"),
        ("社保卡密碼忘記了", "社保卡密码忘记了"),
        ("生于津贴怎么申领", "生育津贴怎么申领"),
        ("身份症丢了", "身份证丢了"),
    ],
)
def test_variants_and_typos_reach_what_the_plain_words_reach(index, variant, plain):
    assert best(index, variant) == best(index, plain)


def _parse(untranslated: float) -> dict:
    """The intent model sure of a life event; the words (an alias) point to a matter."""
    return {
        "text": "How do I renew my passport?",
        "intent": {"name": "scenario_newborn", "confidence": 0.9},
        "intent_ranking": [
            {"name": "scenario_newborn", "confidence": 0.9},
            {"name": "scenario_retirement", "confidence": 0.05},
        ],
        "registry": {
            "ranking": [
                {"id": "ordinary_passport_issuance", "kind": "matter", "name": "普通护照签发", "score": 0.6}
                | {"named": True, "match": "alias"},
                {
                    "id": "newborn",
                    "kind": "scenario",
                    "name": "新生儿出生一件事",
                    "score": 0.1,
                    "named": False,
                },
            ],
            "vague": False,
            "specific": True,
            "untranslated": untranslated,
        },
    }


def test_the_intent_model_can_count_less_the_more_english_it_could_not_read(monkeypatch):
    """Off by default (see Thresholds.untranslated_discount); when on, untranslated English
    weakens the model's reading and the matcher's entry wins. The rules alone: no re-ranker."""
    from bot.nlu import rerank
    from bot.nlu.intents import Thresholds, identify

    monkeypatch.setattr(rerank, "load", lambda *a, **k: None)

    on = Thresholds(untranslated_discount=1.0)
    assert (
        identify(_parse(0.0), thresholds=on).entry.id == "newborn"
    )  # a Chinese message: the sure model stands
    assert identify(_parse(0.6), thresholds=on).entry.id == "ordinary_passport_issuance"
    assert identify(_parse(0.6)).entry.id == "newborn"
