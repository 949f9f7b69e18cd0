"""Which matter does the person mean? Answer outright, ask "您是想办理…", or say honestly it is not ours."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.checklist import answer_with_checklist
from actions.context import (
    INTERRUPTIONS,
    apologise_unavailable,
    is_fresh_reply,
    registry,
    scenario_names,
    settings,
    verified_citizen,
)
from bot.nlu.intents import identify, intent_of, leans_to, scenario_of
from bot.nlu.options import infer_answers, match_option
from bot.registry.client import RegistryUnavailable

NONE_CHOSEN = "none"
CHOICE_FORM = "choose_scenario_form"


def _reset(scenario: str | None = None, **slots: Any) -> list[EventType]:
    values = {
        "scenario": scenario,
        "answers": {},
        "candidates": None,
        "chosen_scenario": None,
        "description": None,
        "current_question": None,
        "condition_answer": None,
        **slots,
    }
    return [SlotSet(k, v) for k, v in values.items()]


class ActionIdentifyScenario(Action):
    """Decides from the latest message, or from the choice made in ``choose_scenario_form``."""

    def name(self) -> str:
        return "action_identify_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        message = tracker.latest_message
        try:
            names = await scenario_names.get()
            chosen = tracker.get_slot("chosen_scenario")
            if chosen:
                if chosen == NONE_CHOSEN:
                    dispatcher.utter_message(text=texts.ASK_WHAT_ELSE)
                    return [*_reset(None), SlotSet("next_step", "wait")]
                return await self._identified(
                    dispatcher, tracker, chosen, tracker.get_slot("description") or "", names
                )
            found = identify(message, known=set(names))
            if found.decision == "identified":
                return await self._identified(
                    dispatcher, tracker, found.scenario, message.get("text") or "", names
                )
            if found.decision == "clarify" and found.ranking:
                return [
                    *_reset(None),
                    SlotSet("candidates", [r["scenario"] for r in found.ranking]),
                    SlotSet("description", message.get("text")),
                    SlotSet("next_step", "clarify"),
                ]
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("candidates", None), SlotSet("next_step", "wait")]
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [SlotSet("next_step", "wait")]

    async def _identified(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        scenario_id: str,
        text: str,
        names: dict[str, str],
    ) -> list[EventType]:
        scenario = await registry.call(registry.scenario, scenario_id) if scenario_id in names else None
        if scenario is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("next_step", "wait")]
        if not scenario.get("requirements"):
            dispatcher.utter_message(
                text=(
                    f"您要办的是「{scenario['name']}」。{scenario.get('materials_incomplete') or ''}。"
                    f"我不想给您一份不完整的清单：请到网上办理页 {scenario.get('contact', {}).get('online_url') or settings.portal_url}"
                    f" 查看，或拨打 {scenario.get('contact', {}).get('consult_phone') or settings.hotline} 咨询。"
                )
            )
            return [*_reset(scenario_id), SlotSet("next_step", "wait")]
        answers = infer_answers(scenario.get("questions") or [], text)
        # A matter without situation questions never has one open: no need to ask the registry
        # (one HTTP round trip fewer in a turn; docs/benchmarks.md).
        unanswered = []
        if scenario.get("questions"):
            unanswered = (await registry.call(registry.checklist, scenario_id, answers))["unanswered"]
        dispatcher.utter_message(text=f"好的，您要办的是「{scenario['name']}」。")
        if unanswered:
            return [*_reset(scenario_id, answers=answers), SlotSet("next_step", "ask_conditions")]
        # Nothing to ask: the answer comes in this same call.
        answered = await answer_with_checklist(dispatcher, scenario_id, answers, verified_citizen(tracker))
        return [*_reset(scenario_id, answers=answers), *answered, SlotSet("next_step", "answered")]


def _choices(candidates: list[str], names: dict[str, str]) -> dict[str, Any]:
    """The clarification as a question for ``match_option``: scenarios by name, plus 都不是."""
    options = [{"id": s, "label": names.get(s, s)} for s in candidates]
    return {"id": "scenario", "options": [*options, {"id": NONE_CHOSEN, "label": texts.NONE_OF_THESE}]}


class ActionAskChosenScenario(Action):
    """您是想办理以下哪件事？ with one button per candidate and 都不是."""

    def name(self) -> str:
        return "action_ask_chosen_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            names = await scenario_names.get()
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        candidates = tracker.get_slot("candidates") or []
        buttons = [{"title": names.get(s, s), "payload": "/" + intent_of(s)} for s in candidates]
        buttons.append({"title": texts.NONE_OF_THESE, "payload": "/deny"})
        dispatcher.utter_message(text=texts.WHICH_ONE, buttons=buttons)
        return []


class ValidateChooseScenarioForm(Action):
    """Reads the choice: a button, a number (WeChat), a name, 是/不是, or a clearer description."""

    def name(self) -> str:
        return "validate_choose_scenario_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if not is_fresh_reply(tracker, CHOICE_FORM):
            return []
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        candidates = tracker.get_slot("candidates") or []
        try:
            names = await scenario_names.get()
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActionExecutionRejected(CHOICE_FORM)]
        chosen = scenario_of(intent) if scenario_of(intent) in candidates else None
        chosen = chosen or match_option(_choices(candidates, names), message.get("text") or "", intent)
        if chosen is None and leans_to(message, "affirm") and candidates:
            chosen = candidates[0]
        if chosen is None and leans_to(message, "deny"):
            chosen = NONE_CHOSEN
        if chosen is None:
            found = identify(message, known=set(names))
            if found.decision == "identified":
                chosen = found.scenario
            elif intent in INTERRUPTIONS:
                return [ActionExecutionRejected(CHOICE_FORM)]
            else:
                dispatcher.utter_message(text=texts.PICK_AN_OPTION)
                return [SlotSet("chosen_scenario", None)]
        return [SlotSet("chosen_scenario", chosen)]


class ActionSwitchScenario(Action):
    """Forget the current matter; the rule then asks what the person wants to do."""

    def name(self) -> str:
        return "action_switch_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return _reset(None)


class ActionFallback(Action):
    """When no rule fits the turn: say so plainly, never guess."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text=texts.FALLBACK)
        return [UserUtteranceReverted()]
