"""The situation questions (情形), asked by `conditions_form` one at a time, each with buttons.

The form has one slot, ``condition_answer``; its answers collect in ``answers``
and it is "done" when the registry reports no unanswered question that would
change the list. A reply that is not an answer but another request (转人工, a
different matter, 身份证要交吗) is handed back to the rules, which deal with it.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.context import INTERRUPTIONS, apologise_unavailable, is_fresh_reply, registry, scenario_names
from bot.nlu.intents import identify, leans_to, scenario_of
from bot.nlu.options import match_option
from bot.registry.client import RegistryUnavailable

FORM = "conditions_form"


def _question_buttons(question: dict) -> list[dict[str, str]]:
    return [{"title": o["label"], "payload": o["label"]} for o in question["options"]]


class ActionAskConditionAnswer(Action):
    def name(self) -> str:
        return "action_ask_condition_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        scenario = tracker.get_slot("scenario")
        answers = tracker.get_slot("answers") or {}
        try:
            checklist = await registry.call(registry.checklist, scenario, answers)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        question = checklist["unanswered"][0] if checklist["unanswered"] else None
        if question is None:
            return [SlotSet("condition_answer", "done")]
        lead = texts.FIRST_QUESTION_LEAD if not answers else ""
        dispatcher.utter_message(text=lead + question["text"], buttons=_question_buttons(question))
        return [SlotSet("current_question", question["id"])]


class ValidateConditionsForm(Action):
    def name(self) -> str:
        return "validate_conditions_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        scenario_id = tracker.get_slot("scenario")
        qid = tracker.get_slot("current_question")
        answers = dict(tracker.get_slot("answers") or {})
        if qid is None or not is_fresh_reply(tracker, FORM):
            # The form is starting, or resuming after an interruption: no new reply to read.
            return []
        try:
            scenario = await registry.call(registry.scenario, scenario_id) if scenario_id else None
            question = next((q for q in (scenario or {}).get("questions", []) if q["id"] == qid), None)
            if question is None:
                return [SlotSet("condition_answer", "done")]
            polar = next((i for i in ("affirm", "deny") if leans_to(message, i)), intent)
            choice = match_option(question, message.get("text") or "", polar)
            if choice is None:
                if await self._is_interruption(tracker, intent, scenario_id):
                    return [ActionExecutionRejected(FORM)]
                dispatcher.utter_message(text=texts.PICK_AN_OPTION)
                return [SlotSet("condition_answer", None)]
            answers[qid] = choice
            checklist = await registry.call(registry.checklist, scenario_id, answers)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActionExecutionRejected(FORM)]
        done = "done" if not checklist["unanswered"] else None
        return [SlotSet("answers", answers), SlotSet("condition_answer", done)]

    @staticmethod
    async def _is_interruption(tracker: Tracker, intent: str | None, current: str | None) -> bool:
        if intent in INTERRUPTIONS:
            return True
        if scenario_of(intent):
            names = await scenario_names.get()
            found = identify(tracker.latest_message, known=set(names))
            return found.decision == "identified" and found.scenario != current
        return False
