"""The answer: what this person still has to bring, from the registry, with their file if signed in."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.context import FOLLOWUP_BUTTONS, apologise_unavailable, registry, settings, verified_citizen
from bot.notice.links import notice_links
from bot.registry.client import RegistryRejected, RegistryUnavailable
from bot.render import answer_footer, checklist_card, checklist_text


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
        notice = await self._notice(scenario, checklist, citizen)
        text = checklist_text(checklist)
        if citizen is None:
            text += "\n" + texts.SIGN_IN_HINT
        text += "\n" + "\n".join(answer_footer(checklist, notice))
        dispatcher.utter_message(
            text=text, buttons=FOLLOWUP_BUTTONS, json_message=checklist_card(checklist, notice)
        )
        version = (checklist.get("registry_version") or {}).get("number")
        return [
            SlotSet("condition_answer", None),
            SlotSet("current_question", None),
            SlotSet("answer_version", version),
        ]

    @staticmethod
    async def _notice(scenario: str, checklist: dict, citizen: str | None) -> dict | None:
        """The one-time notice of this answer (bot/notice/links.py); the answer stands without it."""
        try:
            issued = await registry.call(registry.issue_notice, scenario, checklist["answers"])
        except (RegistryUnavailable, RegistryRejected):
            return None
        return notice_links(settings, issued["code"], citizen)
