"""The notice's and the SMS's words, for every scenario of the real registry (pure: no servers)."""

from __future__ import annotations

import itertools
import re

import pytest

from bot.registry.checklist import compute_checklist
from bot.registry.files import Registry
from bot.registry.model import to_dict
from bot.render import notice_words, sms_segments

URL = "http://localhost:8080/n/abcdefghij"
HEADER = re.compile(r"^【(?P<name>[^】]+) (?P<k>\d+)/(?P<n>\d+)】")


def every_answer_set(scenario) -> list[dict[str, str]]:
    """No answers, then every combination of the scenario's options (few: at most a handful)."""
    combos = itertools.product(*[[(q.id, o.id) for o in q.options] for q in scenario.questions])
    return [{}, *[dict(c) for c in combos]]


def cases(registry: Registry):
    for scenario in registry.scenarios.values():
        for answers in every_answer_set(scenario)[:6]:
            yield scenario, answers


def test_sms_segments_are_short_numbered_self_standing_and_complete(registry):
    checked = 0
    for scenario, answers in cases(registry):
        checklist = compute_checklist(scenario, registry.materials, answers)
        segments = sms_segments(checklist, to_dict(scenario), URL, limit=70)
        total = len(segments)
        for k, segment in enumerate(segments, 1):
            assert len(segment) <= 70, (scenario.id, segment)
            header = HEADER.match(segment)
            assert header, segment
            assert (int(header["k"]), int(header["n"])) == (k, total)
            assert scenario.name.startswith(header["name"]), "each segment names its matter"
        text = "\n".join(segments)
        to_submit = [i["name"] for i in checklist["items"] if i["status"] == "to_submit"]
        for name in to_submit:
            if len(f"需交：{name}（视情况）") <= 70 - len("【名称 9/9】"):
                assert name in text, f"{scenario.id}: {name} missing from the SMS"
            else:  # a guide's paragraph for a name (项目备案信息：1、…): its start, and the notice has it all
                assert f"需交：{name[:20]}" in text, f"{scenario.id}: {name} missing from the SMS"
        assert segments[-1].endswith(URL), "the full notice's link closes the SMS"
        assert f"还需交{checklist['summary']['to_submit']}项" in segments[0]
        checked += 1
    assert checked >= 40


def test_a_tighter_limit_still_keeps_every_material_whole(registry):
    scenario = registry.scenarios["restaurant_opening"]
    checklist = compute_checklist(scenario, registry.materials, {})
    segments = sms_segments(checklist, to_dict(scenario), URL, limit=67)
    assert all(len(s) <= 67 for s in segments)
    longest = max((i["name"] for i in checklist["items"]), key=len)
    assert any(longest in s for s in segments), "a 47-character material name is never cut"


def test_notice_words_list_every_material_once_with_the_checklists_status(registry):
    for scenario_id, answers in [
        ("newborn", {"parents_ethnicity": "different"}),
        ("newborn", {}),
        ("retirement", {}),
        ("new_home_purchase", {}),
    ]:
        scenario = registry.scenarios[scenario_id]
        checklist = compute_checklist(scenario, registry.materials, answers)
        words = notice_words(checklist, to_dict(scenario))
        listed = [(i["material"], i["status"]) for g in words["groups"] for i in g["items"]]
        assert sorted(listed) == sorted((i["material"], i["status"]) for i in checklist["items"])
        assert words["citation"]["url"] == scenario.source.official_url
        expected_days = f"{scenario.promised_days:g} 个工作日" if scenario.promised_days else "指南未写明"
        assert words["days"] == expected_days
    incomplete = notice_words(
        compute_checklist(registry.scenarios["new_home_purchase"], registry.materials, {}),
        to_dict(registry.scenarios["new_home_purchase"]),
    )
    assert incomplete["incomplete"], "a guide without its material list says so on the notice"


@pytest.mark.parametrize("scenario_id", ["newborn", "enterprise_deregistration"])
def test_unanswered_questions_are_named_on_the_notice(registry, scenario_id):
    scenario = registry.scenarios[scenario_id]
    words = notice_words(compute_checklist(scenario, registry.materials, {}), to_dict(scenario))
    asked = {q["question"] for q in words["unanswered"]}
    open_ones = {q["text"] for q in compute_checklist(scenario, registry.materials, {})["unanswered"]}
    assert asked == open_ones
