"""有帮助 / 没帮助 after an answer, and (optionally) why: recorded through the registry, no personal data.

The rating is about the latest answer: the scenario (slot ``scenario``) and the registry
version it was read from (slot ``answer_version``, set by action_checklist). After 没帮助
the bot offers a few reasons as buttons; a typed reason is mapped onto one by keywords
(bot/feedback/model.py) and the words themselves are not kept. "The materials are wrong"
asks which one, with the checklist's materials as buttons, so the report can say which
material of which matter people find wrong.

What it last asked is kept in slot ``feedback_question`` ("why", "which_material" or None),
set on every run: the rule that sends words the model could not place back here fires only
right after this action, so the slot then says what those words answer.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import registry, verified_citizen
from bot.feedback.model import HELPFUL, REASONS, UNHELPFUL, reason_of, reason_payload
from bot.registry.async_client import RegistryRejected, RegistryUnavailable

THANKS = "utter_feedback_thanks"
ASK_WHY = "utter_feedback_ask_why"
WHICH_MATERIAL = "utter_feedback_which_material"
NOTED = "utter_feedback_noted"
NOT_SAVED = "utter_feedback_not_saved"
# Slot feedback_question: what this action asked last.
QUESTION_SLOT = "feedback_question"
ASKED_WHY = "why"
ASKED_WHICH_MATERIAL = "which_material"
INTENT_RATING = {"feedback_helpful": HELPFUL, "feedback_unhelpful": UNHELPFUL}


def _entity(tracker: Tracker, name: str) -> str | None:
    return next(iter(tracker.get_latest_entity_values(name)), None)


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        asked_why = tracker.get_slot(QUESTION_SLOT) == ASKED_WHY
        if intent not in INTENT_RATING and intent != "feedback_reason" and not asked_why:
            # Words after a thank-you or a "noted" (data/rules.yml): a new request, not a reason.
            return [SlotSet(QUESTION_SLOT, None), FollowupAction("action_identify_scenario")]
        rating = INTENT_RATING.get(intent or "", UNHELPFUL)
        reason = None
        material = None
        if intent not in INTENT_RATING:
            # A reason: a button (feedback_reason with its entity), or typed words the rules sent
            # here because they answer "哪里不对" (mapped onto a reason by keywords, then forgotten).
            reason = _entity(tracker, "feedback_reason") or reason_of(
                tracker.latest_message.get("text") or ""
            )
            reason = reason if reason in REASONS else "other"
            material = _entity(tracker, "material")
        fields: dict[str, Any] = {
            "conversation_id": tracker.sender_id,
            "rating": rating,
            "scenario": tracker.get_slot("scenario"),
            "registry_version": _version(tracker.get_slot("answer_version")),
            "reason": reason,
            "material": material,
            "channel": tracker.get_latest_input_channel(),
        }
        try:
            await registry.put_feedback(**fields)
        except RegistryRejected:
            # A material the registry does not know (a typed name matched loosely): keep the reason.
            fields["material"] = None
            try:
                await registry.put_feedback(**fields)
            except (RegistryRejected, RegistryUnavailable):
                dispatcher.utter_message(response=NOT_SAVED)
                return [SlotSet(QUESTION_SLOT, None)]
        except RegistryUnavailable:
            dispatcher.utter_message(response=NOT_SAVED)
            return [SlotSet(QUESTION_SLOT, None)]
        asked = None
        if rating == HELPFUL:
            dispatcher.utter_message(response=THANKS)
        elif intent == "feedback_unhelpful":
            buttons = [{"title": label, "payload": reason_payload(r)} for r, label in REASONS.items()]
            dispatcher.utter_message(response=ASK_WHY, buttons=buttons)
            asked = ASKED_WHY
        elif reason == "wrong_materials" and not material and fields["scenario"]:
            asked = await self._ask_material(dispatcher, tracker, fields["scenario"])
        else:
            dispatcher.utter_message(response=NOTED)
        return [SlotSet(QUESTION_SLOT, asked)]

    @staticmethod
    async def _ask_material(dispatcher: CollectingDispatcher, tracker: Tracker, scenario: str) -> str | None:
        """Which material: the ones this person's checklist listed, as buttons; what was asked."""
        try:
            checklist = await registry.checklist(
                scenario, tracker.get_slot("answers") or {}, verified_citizen(tracker)
            )
        except (RegistryUnavailable, RegistryRejected):
            dispatcher.utter_message(response=NOTED)
            return None
        buttons = [
            {"title": item["name"], "payload": reason_payload("wrong_materials", item["material"])}
            for item in checklist["items"]
            if item["status"] != "not_applicable"
        ]
        dispatcher.utter_message(response=WHICH_MATERIAL, buttons=buttons)
        return ASKED_WHICH_MATERIAL


def _version(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value >= 1 else None
