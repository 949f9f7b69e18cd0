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

from actions.context import registry, settings, verified_citizen
from bot.privacy.erase import ERASE_SLOT
from bot.registry.client import RegistryRejected, RegistryUnavailable

log = logging.getLogger(__name__)

DELETED = "已删除本次对话的全部记录。"
FILE_DELETED = "您个人材料库中的 {n} 条材料记录也已删除。"
FILE_NOT_DELETED = "您的个人材料库暂时无法删除（材料库连不上），对话记录已删除；请稍后再说一次“删除我的数据”，或拨打 {hotline}。"
NOT_SIGNED_IN = "您没有登录，我们没有保存您的个人材料库。"


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:

        citizen = verified_citizen(tracker)
        lines = [DELETED]
        if citizen is None:
            lines.append(NOT_SIGNED_IN)
        else:
            try:
                deleted = await registry.call(registry.delete_citizen_file, citizen)
                lines.append(FILE_DELETED.format(n=deleted))
            except (RegistryUnavailable, RegistryRejected) as exc:
                log.warning("deleting a citizen's file failed: %s", type(exc).__name__)
                lines.append(FILE_NOT_DELETED.format(hotline=settings.hotline))
        dispatcher.utter_message(text="".join(lines))
        return [SlotSet(ERASE_SLOT, {"by": "citizen", "citizen_id": citizen})]
