"""Which entry does the person mean? Answer outright (a scenario or a matter with its checklist, a
catalogue-only matter honestly), ask "您是想办理…", ask back which family of matters a vague
request means, or say honestly it is not ours and where to turn."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecutionRejected,
    ActiveLoop,
    EventType,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.checklist import answer_with_checklist
from actions.cited import say_cited
from actions.context import INTERRUPTIONS, apologise_unavailable, is_fresh_reply, registry, verified_citizen
from actions.entries import (
    CATALOGUE,
    MATERIAL_INTENTS,
    catalogue_answer,
    catalogue_citation,
    catalogue_entry,
    guide,
    identified,
    name_of,
    remember,
    resolve,
    where_to_ask,
)
from actions.followups import INFO_INTENTS, info_answer
from bot.nlu.intents import identify, leans_to, named_entry, scenario_of
from bot.nlu.options import infer_answers, match_option
from bot.registry.async_client import RegistryUnavailable
from bot.render import scenario_citation

NONE_CHOSEN = "none"
# chosen_scenario when the reply to "您是想办理…" was a request of its own (another matter, a
# vague request, a clearer description): action_identify_scenario decides from it afresh.
ASK_AGAIN = "again"
CHOICE_FORM = "choose_scenario_form"


def _reset(scenario: str | None = None, entry: dict[str, str] | None = None, **slots: Any) -> list[EventType]:
    values = {
        "scenario": scenario,
        "identified": entry,
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
        text = message.get("text") or ""
        try:
            chosen = tracker.get_slot("chosen_scenario")
            if chosen == NONE_CHOSEN:
                dispatcher.utter_message(response="utter_describe_again")
                return [*_reset(None), SlotSet("next_step", "wait")]
            if chosen and chosen != ASK_AGAIN:
                found = await resolve(chosen)
                if found is None:
                    return self._not_ours()
                return await self._answer(dispatcher, tracker, *found, tracker.get_slot("description") or "")
            decided = identify(message)
            if decided.decision == "identified" and decided.entry is not None:
                entry = decided.entry
                doc = await (catalogue_entry(entry.id) if entry.kind == CATALOGUE else guide(entry.id))
                if doc is None:
                    return self._not_ours()
                kind = CATALOGUE if entry.kind == CATALOGUE else doc.get("kind") or entry.kind
                return await self._answer(dispatcher, tracker, kind, doc, text)
            if decided.decision == "clarify" and decided.candidates:
                remember(decided.candidates)
                return [
                    *_reset(None),
                    SlotSet("candidates", [c.id for c in decided.candidates]),
                    SlotSet("description", text),
                    SlotSet("next_step", "clarify"),
                ]
            if decided.decision == "vague":
                buttons = [{"title": f["label"], "payload": f["text"]} for f in decided.families]
                dispatcher.utter_message(
                    response="utter_which_family" if buttons else "utter_say_more", buttons=buttons
                )
                return [*_reset(None), SlotSet("next_step", "wait")]
            return self._not_ours()
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [SlotSet("next_step", "wait")]

    @staticmethod
    def _not_ours() -> list[EventType]:
        """Not in any theme or matter: the rule then says so and where to turn (utter_out_of_scope);
        what was being discussed stays."""
        return [
            SlotSet("candidates", None),
            SlotSet("chosen_scenario", None),
            SlotSet("next_step", "not_ours"),
        ]

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kind: str, doc: dict[str, Any], text: str
    ) -> list[EventType]:
        """The answer for one entry: a catalogue-only one honestly; a scenario or matter with its
        checklist (after its situation questions, when it has some) and, for a matter that a
        scenario bundles, the offer of the whole scenario."""
        entry = identified(kind, doc["id"], doc["name"])
        if kind == CATALOGUE:
            say_cited(dispatcher, catalogue_answer(doc), catalogue_citation(doc))
            return [*_reset(None, entry), SlotSet("next_step", "wait")]
        entry_id = doc["id"]
        if not doc.get("requirements"):
            incomplete = doc.get("materials_incomplete")
            dispatcher.utter_message(
                text=(
                    f"您要办的是「{doc['name']}」。{incomplete + '。' if incomplete else ''}"
                    f"我不想给您一份不完整的清单：请看{where_to_ask(doc)}。"
                )
            )
            return [*_reset(entry_id, entry), SlotSet("next_step", "wait")]
        answers = infer_answers(doc.get("questions") or [], text)
        # An entry without situation questions never has one open: no need to ask the registry
        # (one HTTP round trip fewer in a turn; docs/benchmarks.md).
        unanswered = []
        if doc.get("questions"):
            unanswered = (await registry.checklist(entry_id, answers))["unanswered"]
        dispatcher.utter_message(response="utter_identified", entry_name=doc["name"])
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in INFO_INTENTS:
            # 开办餐饮店一件事办理时限多久: the question asked is answered too.
            say_cited(dispatcher, info_answer(doc, intent), scenario_citation(doc))
        if unanswered:
            return [*_reset(entry_id, entry, answers=answers), SlotSet("next_step", "ask_conditions")]
        # Nothing to ask: the answer comes in this same call.
        answered = await answer_with_checklist(
            dispatcher, entry_id, answers, verified_citizen(tracker), guide_doc=doc
        )
        return [*_reset(entry_id, entry, answers=answers), *answered, SlotSet("next_step", "answered")]


def _choices(candidates: list[str], names: dict[str, str]) -> dict[str, Any]:
    """The clarification as a question for ``match_option``: entries by name, plus 都不是."""
    options = [{"id": c, "label": names.get(c, c)} for c in candidates]
    return {"id": "scenario", "options": [*options, {"id": NONE_CHOSEN, "label": texts.NONE_OF_THESE}]}


async def _names(candidates: list[str]) -> dict[str, str]:
    return {c: await name_of(c) for c in candidates}


class ActionAskChosenScenario(Action):
    """您是想办理以下哪件事？ with one button per candidate (its name as the payload) and 都不是."""

    def name(self) -> str:
        return "action_ask_chosen_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        candidates = tracker.get_slot("candidates") or []
        try:
            names = await _names(candidates)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        buttons = [{"title": names[c], "payload": names[c]} for c in candidates]
        buttons.append({"title": texts.NONE_OF_THESE, "payload": "/deny"})
        dispatcher.utter_message(response="utter_which_one", buttons=buttons)
        return []


class ValidateChooseScenarioForm(Action):
    """Reads the choice: a button, a number (WeChat), a name, 是/都不是; or a request of its own
    (another matter, a vague request, a clearer description), which is then answered afresh."""

    def name(self) -> str:
        return "validate_choose_scenario_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if not is_fresh_reply(tracker, CHOICE_FORM):
            return []
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        candidates = tracker.get_slot("candidates") or []
        try:
            names = await _names(candidates)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return [ActionExecutionRejected(CHOICE_FORM)]
        chosen = scenario_of(intent) if scenario_of(intent) in candidates else None
        chosen = chosen or match_option(_choices(candidates, names), message.get("text") or "", intent)
        if chosen is None and leans_to(message, "affirm") and candidates:
            chosen = candidates[0]
        if chosen is None and leans_to(message, "deny"):
            chosen = NONE_CHOSEN
        if chosen is None and intent not in MATERIAL_INTENTS:
            named = named_entry(message)
            decided = identify(message)
            if named is not None and named.id in candidates:
                chosen = named.id
            elif decided.decision == "identified" and decided.entry is not None:
                chosen = decided.entry.id
            elif named is not None or decided.decision in ("clarify", "vague"):
                chosen = ASK_AGAIN
        if chosen is None:
            if intent in INTERRUPTIONS:
                return [ActionExecutionRejected(CHOICE_FORM)]
            dispatcher.utter_message(response="utter_pick_an_option")
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
        dispatcher.utter_message(response="utter_fallback")
        return [UserUtteranceReverted()]
