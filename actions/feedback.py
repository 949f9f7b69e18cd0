"""有帮助 / 没帮助 after an answer, and (optionally) why: recorded through the registry, no personal data.

The rating is about the latest answer: the scenario (slot ``scenario``) and the registry
version it was read from (slot ``answer_version``, set by action_checklist). After 没帮助
the bot offers a few reasons as buttons; a typed reason is mapped onto one by keywords
(bot/feedback/model.py) and the words themselves are not kept. "The materials are wrong"
asks which one, with the checklist's materials as buttons, so the report can say which
material of which matter people find wrong.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.context import registry, verified_citizen
from bot.feedback.model import HELPFUL, REASONS, UNHELPFUL, reason_of, reason_payload
from bot.registry.client import RegistryRejected, RegistryUnavailable

THANKS = "谢谢您的反馈！还有别的事需要办吗？"
SORRY = "抱歉没帮上您。能告诉我哪里不对吗？（可以不答）"
WHICH_MATERIAL = "是清单里的哪一项材料不对？（可以不答）"
NOTED = "谢谢，已记下，我们会据此改进材料库和回答。需要的话可以说“转人工”。"
NOT_SAVED = "谢谢您的反馈。反馈暂时没能保存（材料库连不上），不影响您继续咨询。"
INTENT_RATING = {"feedback_helpful": HELPFUL, "feedback_unhelpful": UNHELPFUL}


def _entity(tracker: Tracker, name: str) -> str | None:
    return next(iter(tracker.get_latest_entity_values(name)), None)


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in INTENT_RATING and intent != "feedback_reason" and not _asked_why(tracker):
            # Words after a thank-you or a "noted" (data/rules.yml): a new request, not a reason.
            return [FollowupAction("action_identify_scenario")]
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
            await registry.call(registry.put_feedback, **fields)
        except RegistryRejected:
            # A material the registry does not know (a typed name matched loosely): keep the reason.
            fields["material"] = None
            try:
                await registry.call(registry.put_feedback, **fields)
            except (RegistryRejected, RegistryUnavailable):
                dispatcher.utter_message(text=NOT_SAVED)
                return []
        except RegistryUnavailable:
            dispatcher.utter_message(text=NOT_SAVED)
            return []
        if rating == HELPFUL:
            dispatcher.utter_message(text=THANKS)
        elif intent == "feedback_unhelpful":
            buttons = [{"title": label, "payload": reason_payload(r)} for r, label in REASONS.items()]
            dispatcher.utter_message(text=SORRY, buttons=buttons)
        elif reason == "wrong_materials" and not material and fields["scenario"]:
            await self._ask_material(dispatcher, tracker, fields["scenario"])
        else:
            dispatcher.utter_message(text=NOTED)
        return []

    @staticmethod
    async def _ask_material(dispatcher: CollectingDispatcher, tracker: Tracker, scenario: str) -> None:
        """Which material: the ones this person's checklist listed, as buttons."""
        try:
            checklist = await registry.call(
                registry.checklist, scenario, tracker.get_slot("answers") or {}, verified_citizen(tracker)
            )
        except (RegistryUnavailable, RegistryRejected):
            dispatcher.utter_message(text=NOTED)
            return
        buttons = [
            {"title": item["name"], "payload": reason_payload("wrong_materials", item["material"])}
            for item in checklist["items"]
            if item["status"] != "not_applicable"
        ]
        dispatcher.utter_message(text=WHICH_MATERIAL, buttons=buttons)


def _asked_why(tracker: Tracker) -> bool:
    """Whether the bot's last words before the person's latest message asked why it did not help."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return event.get("text") == SORRY
    return False


def _version(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value >= 1 else None
