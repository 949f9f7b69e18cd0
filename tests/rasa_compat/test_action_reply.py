"""The kept validator of action server replies: installed only by the launcher, and Rasa's answer."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_compat import action_reply
from bot.settings import ROOT

VALID = {
    "events": [{"event": "slot", "name": "scenario", "value": "newborn"}],
    "responses": [{"text": "好的", "buttons": [{"title": "转人工", "payload": "/human_handoff"}]}],
}
INVALID = [{"events": "not a list"}, {"events": [{"event": "slot"}]}, {"responses": "no"}, []]


@pytest.fixture
def rasas() -> Iterator[None]:
    action_reply.uninstall()
    yield
    action_reply.uninstall()


def test_rasa_still_checks_every_reply_through_the_method_replaced() -> None:
    """The override applies only while RemoteAction.run calls this method, with this signature."""
    assert "self._validate_action_result(" in inspect.getsource(RemoteAction.run)
    assert list(inspect.signature(action_reply.rasa_validate_action_result).parameters) == ["self", "result"]
    assert list(inspect.signature(action_reply.validate_action_result).parameters) == ["self", "result"]


def test_importing_the_modules_a_rasa_server_loads_installs_nothing() -> None:
    """Only the launcher installs it: endpoints.yml and credentials.yml name these modules."""
    code = (
        "import bot.ops.rasa_stores, bot.web.channel, bot.channels.telegram, bot.nlu.tokenizer\n"
        "from bot.rasa_compat import action_reply\n"
        "assert not action_reply.installed()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)


def test_the_launcher_installs_it_before_handing_over_to_rasas_command_line(
    rasas: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rasa.__main__

    from bot.rasa_compat import __main__ as launcher

    seen: list[bool] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(action_reply.installed()))
    launcher.main()
    assert seen == [True]


def test_install_is_idempotent(rasas: None) -> None:
    action_reply.install()
    action_reply.install()
    assert RemoteAction._validate_action_result is action_reply.validate_action_result
    action_reply.uninstall()
    assert RemoteAction._validate_action_result is action_reply.rasa_validate_action_result


def test_a_valid_reply_passes_as_with_rasas_check(rasas: None) -> None:
    action = RemoteAction("action_x", None)
    assert action._validate_action_result(VALID) is True
    action_reply.install()
    assert action._validate_action_result(VALID) is True


@pytest.mark.parametrize("reply", INVALID)
def test_an_invalid_reply_raises_rasas_own_error(rasas: None, reply: Any) -> None:
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as rasa_error:
        action._validate_action_result(reply)
    action_reply.install()
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(reply)
    assert ours.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_every_rasa_server_of_ours_starts_through_the_launcher(tmp_path: Path) -> None:
    from bot.ops.stack import Stack, settings_on_free_ports

    settings = settings_on_free_ports(tmp_path / "var")
    service = Stack(settings, tmp_path / "model.tar.gz", tmp_path / "logs").rasa_service("rasa", 5005)
    assert service.argv[1:4] == ["-m", "bot.rasa_compat", "run"]
