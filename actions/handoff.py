"""Handing the conversation to a person: the staff console finds it by the ``handoff`` slot,
and speaks in it through ``action_staff_message``."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from bot.render import STAFF_REPLY


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text=texts.HANDOFF)
        return [SlotSet("handoff", "requested")]


class ActionStaffMessage(Action):
    """Says what a staff member typed in the console (slot ``staff_message``), marked as from a person.

    The console sets the slot and runs this action through Rasa's HTTP API, so the reply
    reaches the person's own channel and stays in the conversation's history.
    """

    def name(self) -> str:
        return "action_staff_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        text = tracker.get_slot("staff_message")
        if text:
            dispatcher.utter_message(text=text, json_message={"type": STAFF_REPLY})
        return [SlotSet("staff_message", None)]
