"""Request bodies the registry's routes share: a scenario and the person's answers to its questions.

Strict (no extra fields, strings are strings, sizes bounded), so bad input is a 422 that
changes nothing, whichever route receives it (``/checklist``, ``/notices``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, constr, validator

ShortText = constr(strict=True, min_length=1, max_length=128)


class ScenarioAnswers(BaseModel):
    scenario: ShortText  # type: ignore[valid-type]
    answers: dict[ShortText, ShortText] = {}  # type: ignore[valid-type]

    class Config:
        extra = "forbid"

    @validator("answers", pre=True)
    def _answers_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("answers must be a JSON object of question id → option id")
        if len(value) > 64:
            raise ValueError("too many answers (at most 64)")
        return value
