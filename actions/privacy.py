"""A person's "delete my data", once confirmed: their file entries in the registry, then the conversation.

The registry deletes a signed-in citizen's file (the service token is the action
server's); the conversation, and the citizen's other conversations, are erased by
our tracker store when it sees the ``erase_request`` slot this action sets
(bot/privacy/erase.py), so nothing of this turn is saved either. Only a verified
identity's file is deleted: a bare id in the metadata deletes nothing.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import registry, verified_citizen
from bot.privacy.erase import ERASE_SLOT
from bot.registry.async_client import RegistryRejected, RegistryUnavailable
from bot.settings import get_settings

log = logging.getLogger(__name__)


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:

        citizen = verified_citizen(tracker)
        if citizen is None:
            dispatcher.utter_message(response="utter_data_deleted")
        else:
            try:
                deleted = await registry.delete_citizen_file(citizen)
                dispatcher.utter_message(response="utter_data_deleted_with_file", deleted=deleted)
            except (RegistryUnavailable, RegistryRejected) as exc:
                log.warning("deleting a citizen's file failed: %s", type(exc).__name__)
                dispatcher.utter_message(
                    response="utter_data_deleted_file_kept", hotline=get_settings().contact.hotline
                )
        return [SlotSet(ERASE_SLOT, {"by": "citizen", "citizen_id": citizen})]
