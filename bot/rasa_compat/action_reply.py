"""One cost taken out of Rasa 3.6's custom-action calls, without changing what they do.

After every call to the action server, Rasa checks the reply in
``RemoteAction._validate_action_result`` with ``jsonschema.validate(reply, schema)``,
and that function first checks the schema itself against JSON Schema's meta-schema,
on every call. The schema (Rasa's event schema, a large ``oneOf``) never changes, so
that check was pure cost: most of the CPU time of each custom action in the Rasa
server, two of them in a turn of ours (docs/benchmarks.md). Here the schema is
checked once and its validator kept. A valid reply passes as before; an invalid one
goes through Rasa's own method, which raises exactly the error it always raised.

Rasa has no hook for this, so :func:`install` replaces the private method for the
whole process. Nothing installs it on import: the Rasa server's launcher
(``python -m bot.rasa_compat``, bot/rasa_compat/__main__.py) calls it once before
Rasa starts. Contract: tests/rasa_compat/test_action_reply.py.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction

rasa_validate_action_result = RemoteAction._validate_action_result


@cache
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server reply, with the schema's validator kept."""
    if exceptions.best_match(_validator().iter_errors(result)) is None:
        return True
    return rasa_validate_action_result(self, result)  # raises Rasa's ValidationError, with Rasa's message


def install() -> None:
    """Use the kept validator for every action server reply in this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result


def uninstall() -> None:
    """Rasa's own check again (tests)."""
    RemoteAction._validate_action_result = rasa_validate_action_result


def installed() -> bool:
    return RemoteAction._validate_action_result is validate_action_result
