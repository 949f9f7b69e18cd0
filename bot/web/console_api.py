"""The console's JSON API (under ``/console/api``): every route needs the staff login.

Request bodies are strict (no extra fields, strings are strings, sizes bounded) so
bad input is a 422 that changes nothing; ids are checked against their form before
anything is looked up; unknown conversations and scenarios are 404.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import constr, validator

from bot.identity import CITIZEN_ID_PATTERN
from bot.jsonapi import ApiError, JsonObject
from bot.registry.api_models import answers_object
from bot.web.console import Console
from bot.web.staff_auth import StaffAuth

# Socket.IO session ids are 32 hex characters; other channels' sender ids are similar tokens.
CONVERSATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
SCENARIO_ID = r"^[a-z0-9][a-z0-9_]{0,63}$"
# Any registry entry: a scenario or matter id, or a catalogue entry's service id (base64-like).
ENTRY_ID = r"^[A-Za-z0-9_-]{1,64}$"
if TYPE_CHECKING:  # mypy reads a constrained type as the type it validates into
    ShortText = str
    ReplyText = str
    AssistText = str
    Reason = str
    ScenarioId = str
    EntryId = str
    CitizenId = str
    ConversationId = str
else:
    ShortText = constr(strict=True, min_length=1, max_length=128)
    ReplyText = constr(strict=True, min_length=1, max_length=2000)
    AssistText = constr(strict=True, max_length=500)
    Reason = constr(strict=True, max_length=200)
    ScenarioId = constr(strict=True, regex=SCENARIO_ID)
    EntryId = constr(strict=True, regex=ENTRY_ID)
    CitizenId = constr(strict=True, regex=CITIZEN_ID_PATTERN)
    ConversationId = constr(strict=True, regex=CONVERSATION_ID)
# Control characters other than line breaks and tabs never belong in a message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Strict(JsonObject):
    pass


class ReplyIn(_Strict):
    text: ReplyText

    @validator("text")
    def _readable(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("text contains control characters")
        if not value.strip():
            raise ValueError("text is blank")
        return value.strip()


class ChecklistIn(_Strict):
    scenario: ScenarioId
    answers: dict[ShortText, ShortText] = {}

    _answers = validator("answers", pre=True, allow_reuse=True)(answers_object)


class AssistIn(_Strict):
    text: AssistText = ""
    # The entry staff settled on, of any kind (a catalogue-only one gets its catalogue answer).
    scenario: EntryId | None = None
    answers: dict[ShortText, ShortText] = {}

    _answers = validator("answers", pre=True, allow_reuse=True)(answers_object)


class CitizenFileIn(_Strict):
    citizen_id: CitizenId
    reason: Reason = ""
    conversation_id: ConversationId | None = None
    scenario: ScenarioId | None = None
    answers: dict[ShortText, ShortText] = {}

    _answers = validator("answers", pre=True, allow_reuse=True)(answers_object)

    @validator("reason")
    def _readable(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("reason contains control characters")
        return value.strip()


def console_router(console: Console, auth: StaffAuth) -> APIRouter:
    def staff(request: Request) -> str:
        who = auth.staff_of(request)
        if who is None:
            raise ApiError(
                401, "unauthorized", "需要坐席登录（会话 Cookie，或 Authorization: Bearer 与 X-Staff-Name）"
            )
        return who

    router = APIRouter(dependencies=[Depends(staff)])
    conversation = Path(..., regex=CONVERSATION_ID)

    @router.get("/me")
    def me(who: str = Depends(staff)) -> dict[str, str]:
        return {"staff": who}

    @router.get("/queue")
    def queue() -> dict[str, Any]:
        return {"conversations": console.queue()}

    @router.get("/conversations/{conversation_id}")
    def get_conversation(conversation_id: str = conversation) -> dict[str, Any]:
        return console.conversation(conversation_id)

    @router.post("/conversations/{conversation_id}/take")
    def take(conversation_id: str = conversation, who: str = Depends(staff)) -> dict[str, Any]:
        return console.take(conversation_id, who)

    @router.post("/conversations/{conversation_id}/reply")
    def reply(
        body: ReplyIn, conversation_id: str = conversation, who: str = Depends(staff)
    ) -> dict[str, Any]:
        return console.reply(conversation_id, who, body.text)

    @router.post("/conversations/{conversation_id}/checklist")
    def send_checklist(
        body: ChecklistIn, conversation_id: str = conversation, who: str = Depends(staff)
    ) -> dict[str, Any]:
        return console.send_checklist(conversation_id, who, body.scenario, dict(body.answers))

    @router.post("/conversations/{conversation_id}/release")
    def release(conversation_id: str = conversation, who: str = Depends(staff)) -> dict[str, Any]:
        return console.release(conversation_id, who)

    @router.post("/assist")
    def assist(body: AssistIn) -> dict[str, Any]:
        return console.assist(body.text, body.scenario, dict(body.answers))

    @router.get("/scenarios")
    def scenarios() -> dict[str, Any]:
        """Every guide with a material list, scenarios and matters (the workspace's picker)."""
        names = console.guide_names()
        return {
            "scenarios": [
                {"id": k, "name": v, "kind": console.guide_kind(k)}
                for k, v in sorted(names.items(), key=lambda kv: kv[1])
            ]
        }

    @router.get("/registry-search")
    def registry_search(
        q: str = Query(..., min_length=1, max_length=64), limit: int = Query(20, ge=1, le=100)
    ) -> dict[str, Any]:
        """The whole registry by name (the registry's GET /scenarios?q= and GET /matters?q=)."""
        text = _CONTROL.sub("", q).strip()
        if not text:
            raise ApiError(422, "invalid_request", "请输入要搜索的事项名称")
        return {"q": text, **console.search_registry(text, limit)}

    @router.post("/citizen-file")
    def citizen_file(body: CitizenFileIn, who: str = Depends(staff)) -> dict[str, Any]:
        return console.citizen_file(
            who, body.citizen_id, body.reason, body.conversation_id, body.scenario, dict(body.answers)
        )

    @router.get("/audit")
    def audit(
        citizen_id: str | None = Query(None, regex=CITIZEN_ID_PATTERN),
        limit: int = Query(100, ge=1, le=500),
    ) -> dict[str, Any]:
        return {"entries": console.audit.entries(citizen_id, limit)}

    return router
