"""Costs taken out of Rasa 3.6's check of custom-action replies, without changing what it accepts.

After every call to the action server, Rasa checks the reply in
``RemoteAction._validate_action_result`` with ``jsonschema.validate(reply, schema)``.
Two things made that most of the CPU time of a custom action in the Rasa server
(docs/benchmarks.md):

- ``jsonschema.validate`` first checks the schema itself against JSON Schema's
  meta-schema, on every call. The schema (Rasa's event schema) never changes, so here it
  is checked once and its validators kept;
- each event of a reply must match exactly one of the schema's ``oneOf`` branches, one
  per event type (23), and jsonschema tries every branch, collecting every error of each
  branch that fails. Each branch fixes ``event`` to its own constant and the item schema
  requires ``event``, so the one branch an event can match is the one named by its
  ``event``: an event is valid exactly when the item schema without ``oneOf`` and that
  one branch accept it, and invalid when no branch has its name. That is what
  :func:`reply_is_valid` checks. :func:`split_event_branches` verifies those premises on
  the schema of the installed Rasa; when they do not hold, the whole schema is used.

A valid reply passes as before; an invalid one goes through Rasa's own method, which
raises exactly the error it always raised.

Rasa has no hook for this, so :func:`install` replaces the private method for the
whole process. Nothing installs it on import: the Rasa server's launcher
(``python -m bot.rasa_compat``, bot/rasa_compat/__main__.py) calls it once before
Rasa starts. Contract: tests/rasa_compat/test_action_reply.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import validators
from rasa.core.actions.action import RemoteAction

from bot.rasa_compat.override import Override

rasa_validate_action_result = RemoteAction._validate_action_result

ReplyCheck = Callable[[Any], bool]


def split_event_branches(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """Rasa's reply schema without the events' ``oneOf``, and its branches by event name.

    None unless the premises of the split hold: the schema has no ``$ref`` (a branch checked
    on its own resolves nothing), an event is an object that requires a string ``event``,
    and every branch fixes ``event`` to a constant of its own.
    """
    if "$ref" in json.dumps(schema):
        return None
    items = schema.get("properties", {}).get("events", {}).get("items")
    if not isinstance(items, dict) or not isinstance(items.get("oneOf"), list):
        return None
    if items.get("type") != "object" or "event" not in items.get("required", []):
        return None
    if items.get("properties", {}).get("event") != {"type": "string"}:
        return None
    branches: dict[str, dict[str, Any]] = {}
    for branch in items["oneOf"]:
        name = (
            branch.get("properties", {}).get("event", {}).get("const") if isinstance(branch, dict) else None
        )
        if not isinstance(name, str) or name in branches:
            return None
        branches[name] = branch
    without_one_of = copy.deepcopy(schema)
    del without_one_of["properties"]["events"]["items"]["oneOf"]
    return without_one_of, branches


def _check(schema: dict[str, Any]) -> ReplyCheck:
    """A function telling whether a reply is valid under ``schema``, as ``jsonschema.validate`` would."""
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    split = split_event_branches(schema)
    if split is None:
        return cls(schema).is_valid
    without_one_of, branches = split
    outer = cls(without_one_of)
    by_event = {name: cls(branch) for name, branch in branches.items()}

    def valid(reply: Any) -> bool:
        if not outer.is_valid(reply):
            return False
        for event in reply.get("events") or ():  # objects with a string "event" (checked above)
            branch = by_event.get(event["event"])
            if branch is None or not branch.is_valid(event):
                return False
        return True

    return valid


@cache
def reply_is_valid() -> ReplyCheck:
    """The kept check of Rasa's reply schema (built once per process)."""
    return _check(RemoteAction.action_response_format_spec())


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server reply, with the schema's validators kept."""
    if reply_is_valid()(result):
        return True
    return rasa_validate_action_result(self, result)  # raises Rasa's ValidationError, with Rasa's message


OVERRIDE = Override(RemoteAction, "_validate_action_result", validate_action_result)
install, uninstall, installed = OVERRIDE.install, OVERRIDE.uninstall, OVERRIDE.installed
