"""Handing the conversation to a person: the staff console finds it by the ``handoff`` slot,
and speaks in it through ``action_staff_message``."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.callback.hours import parse_hours
from bot.callback.offer import callback_offer
from bot.render import STAFF_REPLY
from bot.settings import get_settings

# The handoff slot's value when 转人工 came outside office hours (the console's queue ignores it).
AFTER_HOURS = "after_hours"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        settings = get_settings()
        office_hours = parse_hours(settings.office.hours, settings.office.timezone)
        if not office_hours.is_open():
            # Nobody is in the console: say when they are back and offer a callback (bot/callback/).
            text, offer = callback_offer(
                settings, office_hours, tracker.sender_id, tracker.get_latest_input_channel()
            )
            dispatcher.utter_message(text=text, json_message=offer)
            return [SlotSet("handoff", AFTER_HOURS)]
        dispatcher.utter_message(response="utter_handoff", hotline=settings.contact.hotline)
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
