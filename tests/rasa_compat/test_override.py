"""The one mechanism every Rasa override uses (bot/rasa_compat/override.py): ours in, Rasa's back."""

from __future__ import annotations

import pytest

from bot.rasa_compat import action_reply, kept_sessions, rule_states
from bot.rasa_compat.override import Override


class Owner:
    @staticmethod
    def parse(text: str) -> str:
        return "theirs " + text

    def greet(self) -> str:
        return "theirs"


def test_ours_goes_in_and_theirs_comes_back_as_it_was():
    forgotten: list[bool] = []
    parse = Override(
        Owner, "parse", staticmethod(lambda text: "ours " + text), lambda: forgotten.append(True)
    )
    greet = Override(Owner, "greet", lambda self: "ours")
    theirs = dict(Owner.__dict__)
    for override in (parse, greet):
        override.install()
        override.install()  # idempotent
        assert override.installed()
    assert (Owner.parse("x"), Owner().greet()) == ("ours x", "ours")
    for override in (parse, greet):
        override.uninstall()
        assert not override.installed()
    assert Owner.__dict__["parse"] is theirs["parse"]  # the very staticmethod, not a re-wrapped one
    assert (Owner.parse("x"), Owner().greet()) == ("theirs x", "theirs")
    assert forgotten == [True]


def test_an_override_declared_over_one_already_installed_is_refused():
    ours = staticmethod(lambda text: text)
    first = Override(Owner, "parse", ours)
    first.install()
    try:
        with pytest.raises(RuntimeError, match="already ours"):
            Override(Owner, "parse", ours)
    finally:
        first.uninstall()


@pytest.mark.parametrize("module", [action_reply, kept_sessions, rule_states])
def test_each_rasa_override_goes_in_and_out_through_the_one_mechanism(module):
    was_installed = module.installed()  # other tests of this process may have installed it
    try:
        module.uninstall()
        assert not module.installed()
        module.install()
        assert module.installed()
    finally:
        (module.install if was_installed else module.uninstall)()
