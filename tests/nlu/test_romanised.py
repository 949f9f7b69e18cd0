"""Mixed-language messages: pinyin read back as the registry's words, English inflections.

The reader on its own (small word lists, no index), then the matcher built from the real
registry and the real lexicon (data/nlu/synonyms.yml): a message with a word typed in pinyin
reaches what the same message in characters reaches, and English or a sentence wholly in
pinyin that the registry's words do not spell is not guessed at.
"""

from __future__ import annotations

import pytest

from bot.nlu.english import SEPARATOR, EnglishPhrases, base_forms
from bot.nlu.normalize import normalize
from bot.nlu.romanised import RomanisedWords, spellings, spells_pinyin
from tests.nlu.conftest import best

WORDS = {
    "公积金": 10.0,
    "提取": 8.0,
    "社保": 9.0,
    "设保": 1.0,
    "驾驶证": 7.0,
    "绿卡": 2.0,
    "电影": 1.0,
    "什么": 1.0,
}
PINYIN = RomanisedWords(WORDS, WORDS.__getitem__)
READER = EnglishPhrases(["passport", "cancel", "restore", "hukou"], ["ktv"], PINYIN.read)


def read(text: str) -> str:
    return READER.read(normalize(text)).text


def test_a_known_word_is_read_from_its_pinyin():
    assert PINYIN.read("gongjijin") == "公积金"
    assert PINYIN.read("jiashizheng") == "驾驶证"
    # Several known words in one run, the fewest pieces.
    assert PINYIN.read("gongjijintiqu") == "公积金提取"


def test_of_two_homophones_the_commoner_in_the_registry_wins():
    assert PINYIN.read("shebao") == "社保"  # not 设保


def test_u_umlaut_is_typed_as_v_or_u():
    assert set(spellings("绿卡")) == {"lvka", "luka"}
    assert PINYIN.read("lvka") == PINYIN.read("luka") == "绿卡"


def test_what_spells_no_known_word_is_not_read():
    assert PINYIN.read("women") is None  # 我们: no registry word
    assert PINYIN.read("gongjijinxyz") is None  # the whole run or nothing
    assert PINYIN.read("an") is None  # too short to tell from English


def test_syllables_tell_pinyin_from_english():
    assert spells_pinyin("zuijin") and spells_pinyin("hao") and spells_pinyin("dianying")
    assert not spells_pinyin("how") and not spells_pinyin("get") and not spells_pinyin("my")


def test_pinyin_among_chinese_is_read_as_characters():
    assert read("个体户能自己交gongjijin吗") == "个体户能自己交公积金吗"
    # Typed with blanks between syllables, the run is read whole.
    assert read("gong ji jin怎么提取") == "公积金怎么提取"


def test_tone_marks_are_read_like_bare_pinyin_and_length_is_kept():
    assert normalize("gōngjījīn") == "gongjijin" and normalize("lǜkǎ") == "luka"
    assert read("gōngjījīn怎么提取") == "公积金怎么提取"
    assert normalize("½Ω") == "½ω"  # no bare Latin letter: kept


def test_lexicon_keys_and_registry_latin_words_come_first():
    assert read("hukou怎么迁") == f"{SEPARATOR}hukou{SEPARATOR}怎么迁"
    assert read("开ktv要什么") == "开ktv要什么"


def test_a_sentence_in_pinyin_mostly_unread_is_not_guessed_at():
    # Only 什么 and 电影 are known: reading them alone would answer what no one asked.
    reading = READER.read(normalize("zuijin you shenme hao kan de dianying"))
    assert "电影" not in reading.text and "什么" not in reading.text
    # … while one mostly made of known words is read.
    assert read("shebao gongjijin tiqu") == "社保公积金提取"


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("licences", "licence"),
        ("agencies", "agency"),
        ("certified", "certify"),
        ("restored", "restore"),
        ("cancelled", "cancel"),
        ("transferring", "transfer"),
        ("moving", "move"),
        ("renewed", "renew"),
    ],
)
def test_an_inflected_english_word_reaches_its_base_form(word, base):
    assert base in base_forms(word)
    assert base_forms(word)[0] == word  # as typed first


def test_inflected_keys_are_read_and_short_stems_are_not_offered():
    kept = [p.strip() for p in read("my hukou got cancelled").split(SEPARATOR) if p.strip()]
    assert kept == ["hukou", "cancel"]
    assert base_forms("bed") == ["bed"]


@pytest.mark.parametrize(
    ("mixed", "chinese"),
    [
        ("jiashizheng丢了怎么补", "驾驶证丢了怎么补"),
        ("yingyezhizhao怎么注销", "营业执照怎么注销"),
        ("huzhao过期了要换", "护照过期了要换"),
        ("我想办 tuixiu 手续", "我想办退休手续"),
        ("shebaoka的密码忘了", "社保卡的密码忘了"),
    ],
)
def test_pinyin_reaches_what_the_chinese_reaches(index, mixed, chinese):
    assert best(index, mixed) == best(index, chinese)


def test_pinyin_read_is_not_counted_as_untranslated_english(index):
    assert index.query("jiashizheng丢了怎么补").untranslated == 0
