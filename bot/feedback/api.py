"""The registry service's ``/feedback`` routes (service token): record, list, summarise.

``PUT /feedback`` records a rating for one answer (conversation, scenario, registry
version), or updates it with a reason; what it stores is only what
:mod:`bot.feedback.model` allows. Scenario and material ids must be the registry's,
so a refused request writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, conint, constr

from bot.feedback.model import REASONS, conversation_ref
from bot.feedback.store import FeedbackStore
from bot.jsonapi import ApiError
from bot.registry.store import Store

CONVERSATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
REGISTRY_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"

if TYPE_CHECKING:  # mypy reads a constrained type as the type it validates into
    ConversationId = str
    RegistryId = str
    Channel = str
    VersionNumber = int
    Reason = str  # one of REASONS, which mypy cannot read as a Literal
else:
    ConversationId = constr(strict=True, regex=CONVERSATION_ID)
    RegistryId = constr(strict=True, regex=REGISTRY_ID)
    Channel = constr(strict=True, regex=r"^[a-z_]{1,32}$")
    VersionNumber = conint(strict=True, ge=1, le=1_000_000_000)
    Reason = Literal[tuple(REASONS)]


class FeedbackIn(BaseModel):
    conversation_id: ConversationId
    rating: Literal["helpful", "unhelpful"]
    scenario: RegistryId | None = None
    registry_version: VersionNumber | None = None
    reason: Reason | None = None
    material: RegistryId | None = None
    channel: Channel | None = None

    class Config:
        extra = "forbid"


def feedback_router(store: Callable[[], Store], secret: str) -> APIRouter:
    router = APIRouter()
    made: list[FeedbackStore] = []

    def feedback() -> FeedbackStore:
        if not made:
            made.append(FeedbackStore(store().engine))
        return made[0]

    @router.put("/feedback")
    def put(body: FeedbackIn) -> dict[str, Any]:
        if body.scenario is not None and store().scenario(body.scenario) is None:
            raise ApiError(422, "unknown_scenario", f"没有这个事项: {body.scenario}")
        if body.material is not None and body.material not in store().materials([body.material]):
            raise ApiError(422, "unknown_material", f"没有这项材料: {body.material}")
        row = body.dict() | {
            "conversation_ref": conversation_ref(body.conversation_id, secret),
            "scenario": body.scenario or "",
            "registry_version": body.registry_version or 0,
        }
        del row["conversation_id"]
        feedback_id, created = feedback().put(row)
        return {"id": feedback_id, "created": created, "conversation_ref": row["conversation_ref"]}

    @router.get("/feedback")
    def rows(
        days: float | None = Query(None, gt=0, le=3660), limit: int = Query(200, ge=1, le=5000)
    ) -> dict[str, Any]:
        return {"feedback": feedback().rows(days, limit)}

    @router.get("/feedback/summary")
    def summary(days: float | None = Query(None, gt=0, le=3660)) -> dict[str, Any]:
        return feedback().summary(days)

    @router.get("/feedback/conversations/{conversation_id}")
    def of_conversation(conversation_id: str = Path(..., pattern=CONVERSATION_ID)) -> dict[str, Any]:
        """The feedback given in one conversation, found by hashing its id (nothing stores the id)."""
        ref = conversation_ref(conversation_id, secret)
        return {"conversation_ref": ref, "feedback": feedback().rows(conversation_ref=ref)}

    return router
