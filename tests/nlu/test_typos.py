"""The sound corrector on its own, with a tiny vocabulary: what it changes and what it must not."""

from __future__ import annotations

from bot.nlu.typos import SoundCorrector, sound_keys

WORDS = ["社保卡", "养老金", "户口", "迁移", "低保"]
KNOWN_PAIRS = {w[i : i + 2] for w in WORDS for i in range(len(w) - 1)}
LANGUAGE = {"闺女": 5000, "怎么": 27000, "什么": 30000}


def corrector() -> SoundCorrector:
    return SoundCorrector(
        WORDS,
        known=lambda pair: pair in KNOWN_PAIRS,
        weight=lambda word: 1.0,
        is_word=lambda text, count: LANGUAGE.get(text, 0) >= max(1, count),
    )


def test_same_sound_unknown_span_is_replaced():
    c = corrector()
    assert c.correct("社宝卡丢了") == "社保卡丢了"
    assert c.correct("申请底保") == "申请低保"


def test_a_known_span_is_never_changed():
    assert corrector().correct("户口迁移") == "户口迁移"


def test_two_characters_must_sound_exactly_alike():
    # 护照 is not in this vocabulary; 户口 is "hu kou": 护扣 sounds exactly so, 胡狗 does not.
    c = corrector()
    assert c.correct("护扣") == "户口"
    assert c.correct("胡狗") == "胡狗"


def test_the_accent_counts_from_three_characters():
    assert "yan nao jin" in sound_keys("养老金")  # yang → yan, l → n
    assert sound_keys("户口") == ["hu kou"]


def test_common_words_around_a_span_are_kept():
    assert corrector().correct("怎么") == "怎么"


def test_non_chinese_text_has_no_sound():
    assert sound_keys("id卡") == []
