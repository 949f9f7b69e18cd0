"""Request bodies the registry's routes share: a guide and the person's answers to its questions.

Strict (no extra fields, strings are strings, sizes bounded), so bad input is a 422 that
changes nothing, whichever route receives it (``/checklist``, ``/notices``). The guide is
named by ``scenario`` (a one-thing scenario's or a matter's id) or, as a synonym, by
``matter``: exactly one of the two; after validation it is always in ``scenario``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, constr, root_validator, validator

if TYPE_CHECKING:  # mypy reads a constrained type as the type it validates into
    ShortText = str
else:
    ShortText = constr(strict=True, min_length=1, max_length=128)


def answers_object(value: Any) -> Any:
    """The person's answers as sent: a JSON object, bounded. Checked before pydantic's own
    coercion, which would take a list of pairs (even an empty list) for a dict."""
    if not isinstance(value, dict):
        raise ValueError("answers must be a JSON object of question id → option id")
    if len(value) > 64:
        raise ValueError("too many answers (at most 64)")
    return value


class ScenarioAnswers(BaseModel):
    scenario: ShortText | None = None
    matter: ShortText | None = None
    answers: dict[ShortText, ShortText] = {}

    class Config:
        extra = "forbid"

        @staticmethod
        def schema_extra(schema: dict[str, Any]) -> None:
            # Exactly one of the two names the guide (the schema says so, for clients and fuzzers).
            schema["oneOf"] = [{"required": ["scenario"]}, {"required": ["matter"]}]

    @validator("scenario", "matter", pre=True)
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be a string (the id of a scenario or a matter)")
        return value

    _answers = validator("answers", pre=True, allow_reuse=True)(answers_object)

    @root_validator(skip_on_failure=True)
    def _one_guide(cls, values: dict[str, Any]) -> dict[str, Any]:
        scenario, matter = values.get("scenario"), values.get("matter")
        if (scenario is None) == (matter is None):
            raise ValueError("give the guide's id as 'scenario' or as 'matter' (one of the two)")
        values["scenario"], values["matter"] = scenario or matter, None
        return values

    @property
    def guide_id(self) -> str:
        """The guide's id, whichever name the client gave it under (validation put it in ``scenario``)."""
        assert self.scenario is not None, "validated bodies always name their guide"
        return self.scenario
