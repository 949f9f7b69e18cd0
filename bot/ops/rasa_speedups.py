"""One cost taken out of Rasa 3.6's custom-action calls, without changing what they do.

After every call to the action server, Rasa checks the reply with
``jsonschema.validate(reply, schema)``, and that function first checks the schema
itself against JSON Schema's meta-schema, on every call. The schema (Rasa's event
schema, a large ``oneOf``) never changes, so that check was pure cost: most of the
CPU time of each custom action in the Rasa server, two of them in a turn of ours
(docs/benchmarks.md). Here the schema is checked once and its validator kept. A
valid reply passes as before; an invalid one goes through Rasa's own method, which
raises exactly the error it always raised.

The Rasa server imports this through bot/ops/rasa_stores.py, which every stack's
endpoints.yml names; :func:`install` is idempotent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction

_rasa_check = RemoteAction._validate_action_result


@cache
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if exceptions.best_match(_validator().iter_errors(result)) is None:
        return True
    return _rasa_check(self, result)  # raises Rasa's ValidationError, with Rasa's message


def install() -> None:
    """Use the kept validator for every action server reply in this process."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
