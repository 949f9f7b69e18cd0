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


# Events as Rasa itself writes them (one of each kind the schema names), and replies that break
# the schema in each way it can be broken: the kept check must agree with jsonschema.validate.
def _rasa_events() -> list[dict[str, Any]]:
    from rasa.shared.core import events as ev

    parse = {
        "text": "出生",
        "intent": {"name": "scenario_newborn", "confidence": 0.9},
        "intent_ranking": [{"name": "scenario_newborn", "confidence": 0.9}],
        "entities": [{"start": 0, "end": 2, "entity": "material", "value": "出生证明", "extractor": None}],
    }
    made = [
        ev.UserUttered("出生", parse_data=parse, input_channel="rest", message_id="m1"),
        ev.ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
        ev.SlotSet("scenario", "newborn"),
        ev.SlotSet("answers", {"a": [1, None]}),
        ev.EntitiesAdded([{"entity": "material", "value": "x", "start": 0, "end": 1}]),
        ev.DefinePrevUserUtteredFeaturization(False),
        ev.ReminderCancelled(name="r"),
        ev.ActionExecutionRejected("action_x"),
        ev.LoopInterrupted(True),
        ev.ActiveLoop("conditions_form"),
        ev.AllSlotsReset(),
        ev.ConversationResumed(),
        ev.ConversationPaused(),
        ev.FollowupAction("action_listen"),
        ev.StoryExported(),
        ev.Restarted(),
        ev.UserUtteranceReverted(),
        ev.ActionReverted(),
        ev.BotUttered("好的", {"custom": {"card": [1, 2]}, "buttons": [{"title": "a", "payload": "/b"}]}),
        ev.SessionStarted(),
        ev.AgentUttered("x"),
    ]
    return [e.as_dict() for e in made] + [
        {"event": "form", "name": "conditions_form"},
        {"event": "form_validation", "validate": False},
        {"event": "reminder", "intent": "x", "date_time": "2026-12-03T00:00:00"},
    ]


def _broken(event: dict[str, Any]) -> list[Any]:
    """Variants of a valid event that the schema may reject (wrong types, names, shapes)."""
    out: list[Any] = [
        {k: v for k, v in event.items() if k != "event"},
        {**event, "event": "no_such_event"},
        {**event, "event": 7},
        {**event, "timestamp": "yesterday"},
        {**event, "metadata": []},
        [event],
        "user",
    ]
    for key in event:
        if key != "event":
            out += [{**event, key: 12345}, {**event, key: "text"}, {**event, key: None}, {**event, key: [{}]}]
    return out


def _replies() -> list[Any]:
    valid = _rasa_events()
    replies: list[Any] = [{}, {"events": []}, {"events": valid}, VALID, *INVALID, None, "x", {"events": None}]
    replies += [{"events": [e]} for e in valid]
    replies += [{"events": [*valid[:2], b]} for e in valid for b in _broken(e)]
    responses: list[Any] = [[{"text": "a"}], [1], [{"custom": {}}], {}, None]
    replies += [{"responses": r} for r in responses]
    return replies


def test_the_schema_still_splits_into_one_branch_per_event_name() -> None:
    """The premise of the fast path, on the installed Rasa's schema: without it every reply
    would still be checked right (by the whole schema), only slowly."""
    split = action_reply.split_event_branches(RemoteAction.action_response_format_spec())
    assert split is not None
    _, branches = split
    assert {e["event"] for e in _rasa_events()} == set(branches)


def test_a_schema_whose_branches_do_not_name_their_event_is_not_split() -> None:
    schema = RemoteAction.action_response_format_spec()
    items = schema["properties"]["events"]["items"]
    for broken in (
        {**items, "oneOf": [*items["oneOf"], {"properties": {"name": {"type": "string"}}}]},
        {**items, "oneOf": [*items["oneOf"], items["oneOf"][0]]},
        {**items, "required": []},
        {**items, "oneOf": [{"$ref": "#/x"}]},
    ):
        changed = {
            **schema,
            "properties": {**schema["properties"], "events": {"type": "array", "items": broken}},
        }
        assert action_reply.split_event_branches(changed) is None


def test_the_kept_check_accepts_and_rejects_exactly_what_jsonschema_validate_does() -> None:
    import jsonschema

    schema = RemoteAction.action_response_format_spec()
    check = action_reply.reply_is_valid()
    verdicts = {True: 0, False: 0}
    for reply in _replies():
        try:
            jsonschema.validate(reply, schema)
            rasas = True
        except ValidationError:
            rasas = False
        assert check(reply) is rasas, reply
        verdicts[rasas] += 1
    assert verdicts[True] > 20 and verdicts[False] > 100  # both kinds really exercised
