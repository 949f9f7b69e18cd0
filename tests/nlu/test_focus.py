"""The clause focus: the part of a long message that asks leads the ranking, the story only colours it.

First the clause reader on its own, with small marker lists and with the real ones
(data/nlu/focus.yml); then the matcher built from the real registry and lexicon: in a long
story the entry asked about gains on the one the story is about, and a short message is
scored exactly as before. The stories here are made up for the tests, not taken from any
evaluation set.
"""

from __future__ import annotations

import bot.nlu.retrieval as retrieval
from bot.nlu.focus import Markers, clauses, markers, request_focus
from bot.nlu.registry_matcher import RegistryMatcher
from bot.nlu.retrieval import Index

SMALL = Markers(asks=("怎么", "吗", "听说"), function_words=("要", "能", "办", "我"), subject_min=2)


def test_clauses_are_cut_at_punctuation_and_read_for_asking() -> None:
    parts = clauses("去年搬了家，孩子上学了。户口怎么迁？能办吗", SMALL)
    assert [c.text for c in parts] == ["去年搬了家", "孩子上学了", "户口怎么迁", "能办吗"]
    assert [c.asks for c in parts] == [False, False, True, True]
    assert parts[2].subject == "户口迁"  # the ways of asking and function words are out
    assert parts[3].subject == ""


def test_a_question_mark_alone_marks_a_clause_that_asks() -> None:
    assert [c.asks for c in clauses("家里老房子塌了，宅基地证还有效？", SMALL)] == [False, True]


def test_a_question_that_names_nothing_borrows_the_clause_before_it() -> None:
    text = "去年搬了家，孩子上学了，社保卡丢了，能办吗"
    assert request_focus(text, SMALL) == "社保卡丢了，能办吗"


def test_a_question_that_names_its_subject_stands_alone() -> None:
    text = "去年搬了家，孩子上学了，户口怎么迁"
    assert request_focus(text, SMALL) == "户口怎么迁"


def test_the_matcher_decides_what_a_clause_names() -> None:
    text = "去年搬了家，孩子上学了，户口怎么迁"
    # A matcher that knows no word of 户口怎么迁 makes it borrow the clause before.
    assert request_focus(text, SMALL, names=lambda clause: False) == "孩子上学了，户口怎么迁"


def test_no_focus_without_background() -> None:
    assert request_focus("户口怎么迁", SMALL) is None  # one clause
    assert request_focus("户口怎么迁？能办吗", SMALL) is None  # every clause asks
    assert request_focus("去年搬了家，孩子上学了", SMALL) is None  # nothing asks
    assert request_focus("", SMALL) is None


def test_english_is_read_whole() -> None:
    text = "We moved last year. My kid started school. How do I move my hukou?"
    assert request_focus(text, SMALL) is None


def test_the_real_markers_find_hearsay_and_short_questions() -> None:
    m = markers()
    assert "听说" in m.asks and "哪些" in m.asks
    text = "我在厂里干了好多年，去年厂子倒闭了，听说可以领失业金，要准备哪些东西？"
    assert request_focus(text, m) == "听说可以领失业金，要准备哪些东西"


# ---------------------------------------------------------------- in the matcher

STORY = (
    "我家孩子今年刚上小学，老婆在医院上班，我自己在工地干活，"
    "上周搬家的时候把身份证弄丢了，想问问补办要带什么？"
)


def _row(index: Index, entry_id: str) -> int:
    return next(i for i, e in enumerate(index.entries) if e.id == entry_id)


def test_a_long_story_has_a_focus_and_a_weaker_background(index: Index) -> None:
    focus, background = index.focus(STORY)
    assert focus == "上周搬家的时候把身份证弄丢了，想问问补办要带什么"
    assert retrieval.STORY_WEIGHT <= background < 1.0


def test_the_entry_asked_about_gains_on_the_one_the_story_is_about(index: Index) -> None:
    focus, background = index.focus(STORY)
    whole, _, _ = index.scores(STORY)
    focused, _, _ = index.scores(STORY, focus, background)
    asked, story = _row(index, "id_card_replacement_lost"), _row(index, "school_enrollment")
    assert focused[asked] > whole[asked]
    assert focused[story] < whole[story]
    assert focused[asked] > focused[story]


def test_a_short_message_is_scored_as_before(index: Index) -> None:
    text = "老公去世了，他的公积金能取吗"  # the first clause is the condition, not a story
    assert index.focus(text) == (None, 1.0)  # final_scores then scores it whole, as before
    assert index.rank(text, 1)[0]["id"] == "housing_fund_withdrawal_death"


def test_the_parse_says_what_was_read_as_the_request(index: Index) -> None:
    matcher = RegistryMatcher({}, None, None, index)
    assert matcher.match({"text": STORY})["focus"] == "上周搬家的时候把身份证弄丢了，想问问补办要带什么"
    assert matcher.match({"text": "身份证丢了怎么补"})["focus"] is None
