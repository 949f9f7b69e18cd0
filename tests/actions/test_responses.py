"""The fixed replies the actions say are domain responses, and every one they name is there with
the variables it needs: a misspelt name would make Rasa say nothing at all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from tests.actions.conftest import responses

ACTIONS = Path(__file__).parent.parent.parent / "actions"
DOMAIN = Path(__file__).parent.parent.parent / "domain.yml"
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
NOT_VARIABLES = {"buttons", "json_message", "response", "text"}


def _response_calls() -> list[tuple[str, str, set[str]]]:
    """(where, response, variable names) of every ``utter_message(response=<constant>, ...)``."""
    found = []
    for path in sorted(ACTIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: n.value.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message"):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            value = keywords.get("response")
            if value is None:
                continue
            names: list[str] = []
            if isinstance(value, ast.Constant):
                names = [value.value]
            elif isinstance(value, ast.Name):
                names = [constants[value.id]]
            elif isinstance(value, ast.IfExp):
                names = [v.value for v in (value.body, value.orelse) if isinstance(v, ast.Constant)]
            assert names, f"{path.name}:{node.lineno}: response named by an expression this test cannot read"
            for name in names:
                found.append((f"{path.name}:{node.lineno}", name, set(keywords) - NOT_VARIABLES))
    return found


def test_every_response_an_action_says_is_in_the_domain_with_its_variables():
    domain = responses()
    slots = set(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["slots"])
    calls = _response_calls()
    assert len(calls) >= 15
    for where, name, variables in calls:
        assert name in domain, f"{where}: {name} is not a response in domain.yml"
        for variation in domain[name]:
            needed = set(PLACEHOLDER.findall(variation["text"]))
            assert needed <= variables | slots, f"{where}: {name} needs {needed - variables}"


def test_no_action_says_a_fixed_sentence_of_its_own():
    """Whole fixed replies belong in the domain; texts in code are built from registry data."""
    for path in sorted(ACTIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message":
                text = next((k.value for k in node.keywords if k.arg == "text"), None)
                assert not isinstance(text, ast.Constant), f"{path.name}:{node.lineno}: use a domain response"


def test_variations_are_written_out_in_full():
    for name, variations in responses().items():
        texts = [v["text"] for v in variations]
        assert all(texts) and len(set(texts)) == len(texts), name


# Words the end-to-end, channel and privacy tests find in these replies, whichever variation Rasa picks.
KEPT_WORDS = {
    "utter_feedback_thanks": "谢谢您的反馈",
    "utter_feedback_noted": "谢谢",
    "utter_feedback_ask_why": "哪里不对",
    "utter_feedback_which_material": "哪一项",
    "utter_registry_unavailable": "抱歉",
    "utter_handoff": "人工",
    "utter_data_deleted_with_file": "{deleted} 条材料记录也已删除",
    "utter_identified": "「{entry_name}」",
}


def test_every_variation_keeps_the_words_people_and_tests_rely_on():
    for name, words in KEPT_WORDS.items():
        assert all(words in v["text"] for v in responses()[name]), name
