"""The staff console's deletion: a conversation, or everything of a citizen, on their request.

``POST /console/api/privacy/erase`` with ``{"conversation_id"?, "citizen_id"?}`` (at
least one). Like everything under ``/console`` it needs the staff login. The
conversation is erased by Rasa itself: the request appends the ``erase_request``
slot through Rasa's HTTP API, under the conversation's lock, and our tracker store
deletes instead of saving (bot/privacy/erase.py), with every other conversation of
the citizen when a citizen id is given. The citizen's file is deleted by the
registry. Nothing here touches a database.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import root_validator

from bot.jsonapi import JsonObject
from bot.privacy.erase import ERASE_SLOT
from bot.web.console import Console
from bot.web.console_api import CitizenId, ConversationId
from bot.web.staff_auth import StaffAuth

log = logging.getLogger(__name__)


class EraseIn(JsonObject):
    conversation_id: ConversationId | None = None
    citizen_id: CitizenId | None = None

    @root_validator(skip_on_failure=True)
    def _something(cls, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("conversation_id") and not values.get("citizen_id"):
            raise ValueError("give conversation_id, citizen_id or both")
        return values


def erase(
    console: Console, staff: str, conversation_id: str | None, citizen_id: str | None
) -> dict[str, Any]:
    """Delete the citizen's file (registry), then the conversation(s) (Rasa, through our tracker store)."""
    deleted_entries = None
    if citizen_id:
        deleted_entries = console._call(console.registry.delete_citizen_file, citizen_id)
    # Without a conversation, a throwaway one carries the request (it is erased with the rest).
    target = conversation_id or f"erase-{uuid.uuid4().hex}"
    request = {"event": "slot", "name": ERASE_SLOT, "value": {"by": "staff", "citizen_id": citizen_id}}
    console._call(console.rasa.append_events, target, [request])
    log.info("staff %s erased data on request", staff)
    return {"erased": True, "file_entries_deleted": deleted_entries}


def privacy_router(console: Console, auth: StaffAuth) -> APIRouter:
    router = APIRouter()

    @router.post("/privacy/erase")
    def erase_route(body: EraseIn, request: Request) -> dict[str, Any]:
        staff = auth.staff_of(request) or "?"  # the /console gate has let only staff through
        return erase(console, staff, body.conversation_id, body.citizen_id)

    return router
