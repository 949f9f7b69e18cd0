"""RulePolicy's rules parsed once: the same possible rules for every conversation state as Rasa's
own parsing, on the rules of the model the bot serves (bot/rasa_compat/rule_states.py)."""

from __future__ import annotations

import copy
import inspect
import json
import re
import tarfile
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from bot.nlu.cli import latest_model
from bot.rasa_compat import rule_states


@pytest.fixture
def rasas() -> Iterator[None]:
    rule_states.uninstall()
    yield
    rule_states.uninstall()


@pytest.fixture(scope="module")
def lookup() -> dict[str, Any]:
    """The rules the trained model's RulePolicy learned (its lookup, as Rasa stores it)."""
    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    with tarfile.open(model) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("train_RulePolicy0/rule_policy.json"))
        handle = tar.extractfile(member)
        assert handle is not None
        data: dict[str, Any] = json.load(handle)
    return data.get("lookup", data)


def conversations(rules: dict[str, str]) -> list[list[dict[str, Any]]]:
    """Conversation states to predict from: every rule's own states, each shortened from the start
    (a rule matched later in a conversation), and each with its last user turn swapped for another
    rule's (a turn no rule of that shape covers)."""
    states = [json.loads(key) for key in rules]
    out = []
    for i, rule in enumerate(states):
        for start in range(len(rule)):
            out.append(rule[start:])
        other = states[(i * 7 + 3) % len(states)]
        out.append([*rule[:-1], other[-1]])
    return out


def possible_keys(rules: dict[str, str], states: list[dict[str, Any]]) -> set[str]:
    policy = RulePolicy.__new__(RulePolicy)  # the methods used read no constructor state
    return policy._get_possible_keys(rules, states)


def test_the_same_rules_apply_to_every_state_as_with_rasas_own_parsing(rasas: None, lookup: dict) -> None:
    rules = lookup["rules"]
    assert len(rules) > 100, "the generated rules are in the model"
    cases = conversations(rules)
    expected = [possible_keys(rules, states) for states in cases]
    assert any(expected) and not all(expected), "the cases include states some rules fit and some none do"
    rule_states.install()
    assert [possible_keys(rules, states) for states in cases] == expected
    # …and again from the parsed rules, which nothing changed while predicting.
    assert [possible_keys(rules, states) for states in cases] == expected
    assert all(rule_states.parsed_rule(key) == json.loads(key) for key in rules)


def test_rasa_only_reads_the_states_it_gets() -> None:
    """Every use of ``_rule_key_to_state`` in Rasa reads the parsed states (reversed into a new
    list, or its last state's loop name); a use that changed them would corrupt the cache."""
    source = inspect.getsource(RulePolicy)
    uses = [
        line.strip() for line in source.splitlines() if "_rule_key_to_state(" in line and "def " not in line
    ]
    assert uses == [
        "reversed_rule_states = list(reversed(self._rule_key_to_state(rule_key)))",
        "and not get_active_loop_name(self._rule_key_to_state(best_rule_key)[-1])",
    ]
    applicable = inspect.getsource(RulePolicy._is_rule_applicable) + inspect.getsource(
        RulePolicy._does_rule_match_state
    )
    assert not re.search(
        r"reversed_rule_states\[[^\]]*\]\s*=|rule_state\[[^\]]*\]\s*=|\.pop\(|\.update\(", applicable
    )


def test_install_is_undone_by_uninstall(rasas: None) -> None:
    key = json.dumps([{"prev_action": {"action_name": "action_listen"}}])
    rule_states.install()
    first = RulePolicy._rule_key_to_state(key)
    assert RulePolicy._rule_key_to_state(key) is first, "parsed once"
    rule_states.uninstall()
    again = RulePolicy._rule_key_to_state(key)
    assert again == first and again is not first
    assert copy.deepcopy(first) == json.loads(key)


def test_the_launcher_installs_it(rasas: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.__main__

    from bot.rasa_compat import __main__ as launcher
    from bot.rasa_compat import action_reply, kept_sessions

    seen: list[bool] = []

    def installed() -> bool:
        return RulePolicy.__dict__["_rule_key_to_state"].__func__ is rule_states.parsed_rule

    assert not installed()
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(installed()))
    try:
        launcher.main()
    finally:
        action_reply.uninstall()
        kept_sessions.uninstall()
    assert seen == [True]
