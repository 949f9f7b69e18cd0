"""The answer: what this person still has to bring, from the registry, with their file if signed in."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.context import FOLLOWUP_BUTTONS, apologise_unavailable, registry, verified_citizen
from bot.registry.client import RegistryUnavailable
from bot.render import checklist_card, checklist_text


class ActionChecklist(Action):
    def name(self) -> str:
        return "action_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        scenario = tracker.get_slot("scenario")
        if not scenario:
            dispatcher.utter_message(response="utter_ask_scenario")
            return []
        citizen = verified_citizen(tracker)
        try:
            checklist = await registry.call(
                registry.checklist, scenario, tracker.get_slot("answers") or {}, citizen
            )
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return []
        text = checklist_text(checklist)
        if citizen is None:
            text += "\n" + texts.SIGN_IN_HINT
        source = (checklist.get("source") or {}).get("official_url")
        if source:
            text += f"\n来源：湖南省政务服务网办事指南 {source}"
        dispatcher.utter_message(text=text, buttons=FOLLOWUP_BUTTONS, json_message=checklist_card(checklist))
        return [SlotSet("condition_answer", None), SlotSet("current_question", None)]
