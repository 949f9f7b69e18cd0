"""Reading a situation answer out of what a person typed.

Used twice: to infer answers from the first description (我们俩是不同民族) so the
bot does not ask what it was told, and to read a reply to a question, which may
be a button's label, its number (WeChat: 回复 1/2/3), a yes/no, or free words.
All matching is on normalised text and driven by the registry's option labels
and keywords; nothing here knows any scenario.
"""

from __future__ import annotations

import re
from typing import Any

from bot.nlu.normalize import normalize

_YES = {"是", "是的", "有", "对", "需要", "要"}
_NO = {"否", "不是", "没有", "无", "不", "不需要", "不要"}
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(
    r"^\s*(?:第\s*)?([0-9]{1,2}|[一二两三四五六七八九])\s*(?:个|项|种|条)?\s*[.。、)）]?\s*$"
)
_STRIP = re.compile(r"[\s,.!?;:，。！？；：、'\"“”‘’()（）【】\[\]]+")


def _clean(text: str) -> str:
    return _STRIP.sub("", normalize(text or ""))


def _keywords_hit(option: dict[str, Any], text: str) -> bool:
    return any(_clean(k) and _clean(k) in text for k in option.get("keywords") or ())


def infer_answers(questions: list[dict[str, Any]], text: str) -> dict[str, str]:
    """Answers the text states outright: exactly one option of a question has a keyword in it."""
    cleaned = _clean(text)
    found: dict[str, str] = {}
    for question in questions:
        hits = [o["id"] for o in question.get("options") or [] if _keywords_hit(o, cleaned)]
        if len(hits) == 1:
            found[question["id"]] = hits[0]
    return found


def match_option(question: dict[str, Any], text: str, intent: str | None = None) -> str | None:
    """The option a reply picks, or None when the reply is not an answer to this question."""
    options = question.get("options") or []
    cleaned = _clean(text)
    if not cleaned:
        return None
    for option in options:
        if cleaned in (_clean(option["label"]), _clean(option["id"])):
            return option["id"]
    number = _NUMBER.match(normalize(text))
    if number:
        value = number.group(1)
        index = int(value) if value.isdigit() else _ORDINALS[value]
        return options[index - 1]["id"] if 1 <= index <= len(options) else None
    labelled = [o["id"] for o in options if len(_clean(o["label"])) >= 2 and _clean(o["label"]) in cleaned]
    if len(labelled) == 1:
        return labelled[0]
    partial = [o["id"] for o in options if len(cleaned) >= 2 and cleaned in _clean(o["label"])]
    if len(partial) == 1:
        return partial[0]
    keyed = [o["id"] for o in options if _keywords_hit(o, cleaned)]
    if len(keyed) == 1:
        return keyed[0]
    polar = {"affirm": _YES, "deny": _NO}.get(intent or "")
    if polar is None and cleaned in _YES | _NO:
        polar = _YES if cleaned in _YES else _NO
    if polar:
        chosen = [o["id"] for o in options if _clean(o["label"]) in polar]
        if len(chosen) == 1:
            return chosen[0]
    return None
