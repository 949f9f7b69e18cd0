"""The situation questions (情形), asked by `conditions_form` one at a time, each with buttons.

The form has one slot, ``condition_answer``; its answers collect in ``answers``
and it is "done" when the registry reports no unanswered question that would
change the list. A reply that is not an answer but another request is not met
with "please choose": 转人工 or 身份证要交吗 is handed back to the rules, which
deal with it and resume the questions; a change of subject (another scenario or
matter, a vague request) leaves the questions and is answered or clarified by
action_identify_scenario: through the rules that deactivate the form for the
intents such requests come with, else straight after the form.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.context import INTERRUPTIONS, apologise_unavailable, is_fresh_reply, registry
from actions.entries import another_entry
from bot.nlu.intents import FALLBACK_INTENT, identify, leans_to, scenario_of
from bot.nlu.interruptions import load_interruptions
from bot.nlu.options import match_option
from bot.registry.async_client import RegistryUnavailable

FORM = "conditions_form"
# Intents whose rules (generated from data/interruptions.yml, and the scenario rules generated
# from the registry) leave the questions for action_identify_scenario when the form hands such a
# reply back.
LEAVE_BY_RULE = frozenset(load_interruptions().new_request_intents)


def _question_buttons(question: dict) -> list[dict[str, str]]:
    return [{"title": o["label"], "payload": o["label"]} for o in question["options"]]


class ActionAskConditionAnswer(Action):
    def name(self) -> str:
        return "action_ask_condition_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        scenario = tracker.get_slot("scenario")
        answers = tracker.get_slot("answers") or {}
        try:
            checklist = await registry.checklist(scenario, answers)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        question = checklist["unanswered"][0] if checklist["unanswered"] else None
        if question is None:
            # Nothing (left) to ask, e.g. the conversation moved to a matter without questions:
            # the form ends now and the rules give the checklist, rather than wait in silence.
            return [SlotSet("condition_answer", "done"), SlotSet("requested_slot", None)]
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
            scenario = await registry.scenario(scenario_id) if scenario_id else None
            question = next((q for q in (scenario or {}).get("questions", []) if q["id"] == qid), None)
            if question is None:
                return [SlotSet("condition_answer", "done")]
            polar = next((i for i in ("affirm", "deny") if leans_to(message, i)), intent)
            choice = match_option(question, message.get("text") or "", polar)
            if choice is None:
                if self._changes_subject(tracker, intent, scenario_id):
                    if intent in LEAVE_BY_RULE or scenario_of(intent):
                        return [ActionExecutionRejected(FORM)]
                    # Any other intent's rule would resume the questions: end the form here (a slot
                    # must be set, or Rasa takes the reply for no answer) and decide afresh.
                    return [
                        SlotSet("current_question", None),
                        SlotSet("requested_slot", None),
                        FollowupAction("action_identify_scenario"),
                    ]
                if intent in INTERRUPTIONS:
                    return [ActionExecutionRejected(FORM)]
                dispatcher.utter_message(response="utter_pick_an_option")
                return [SlotSet("condition_answer", None)]
            answers[qid] = choice
            checklist = await registry.checklist(scenario_id, answers)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActionExecutionRejected(FORM)]
        done = "done" if not checklist["unanswered"] else None
        return [SlotSet("answers", answers), SlotSet("condition_answer", done)]

    @staticmethod
    def _changes_subject(tracker: Tracker, intent: str | None, current: str | None) -> bool:
        """Another entry named or identified, or (for a request of its own, not a question about
        this one) a vague request or a few other candidates: a new subject, not an answer."""
        if another_entry(tracker) is not None:
            return True
        if intent in INTERRUPTIONS:
            return False
        decided = identify(tracker.latest_message)
        if decided.decision == "vague":
            return True
        # A reply the model cannot place ("我们俩不一样") may rank a few entries loosely: only a
        # reply the model reads as a request of its own asks which of them it means.
        return (
            decided.decision == "clarify"
            and intent != FALLBACK_INTENT
            and current not in {c.id for c in decided.candidates}
        )
