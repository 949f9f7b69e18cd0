"""Normalisation and reading situation answers out of free text."""

from __future__ import annotations

import pytest

from bot.nlu.normalize import normalize
from bot.nlu.options import infer_answers, match_option

QUESTION = {
    "id": "parents_ethnicity",
    "options": [
        {"id": "same", "label": "同一民族", "keywords": ["都是汉族", "民族相同"]},
        {"id": "different", "label": "不同民族", "keywords": ["不同民族", "民族不同"]},
    ],
}
YES_NO = {"id": "has_car", "options": [{"id": "yes", "label": "是"}, {"id": "no", "label": "否"}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我老婆剛生了，戶口怎麼辦？", "我老婆刚生了,户口怎么办?"),
        ("ＩＤ卡１２３", "id卡123"),
        ("公司要Deregister", "公司要deregister"),
    ],
)
def test_normalize_keeps_length_and_folds(text, expected):
    assert normalize(text) == expected
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize(
    ("reply", "intent", "expected"),
    [
        ("同一民族", None, "same"),
        ("不同民族", None, "different"),
        ("  不同民族。", None, "different"),
        ("不同", None, "different"),
        ("2", None, "different"),
        ("第一个", None, "same"),
        ("１", None, "same"),
        ("我们俩民族不同", None, "different"),
        ("3", None, None),
        ("随便", None, None),
        ("", None, None),
        ("民族", None, None),
    ],
)
def test_match_option(reply, intent, expected):
    assert match_option(QUESTION, reply, intent) == expected


@pytest.mark.parametrize(
    ("reply", "intent", "expected"),
    [
        ("是的", "affirm", "yes"),
        ("嗯", "affirm", "yes"),
        ("没有", "deny", "no"),
        ("不是", None, "no"),
        ("是", None, "yes"),
    ],
)
def test_yes_no_questions_take_affirm_and_deny(reply, intent, expected):
    assert match_option(YES_NO, reply, intent) == expected


def test_answers_stated_in_the_first_message_are_not_asked_again():
    assert infer_answers([QUESTION], "宝宝刚出生，我们夫妻民族不同，要办什么") == {
        "parents_ethnicity": "different"
    }
    assert infer_answers([QUESTION], "宝宝刚出生") == {}


def test_registry_keywords_do_not_contradict_each_other(registry):
    """A keyword that points at two options of one question would make inference guess."""
    for scenario in registry.scenarios.values():
        for question in scenario.questions:
            for option in question.options:
                for keyword in option.keywords:
                    others = [o for o in question.options if o is not option and keyword in o.keywords]
                    assert not others, (scenario.id, question.id, keyword)
