"""The answer: what this person still has to bring, from the registry, with their file if signed in."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.context import FOLLOWUP_BUTTONS, apologise_unavailable, registry, verified_citizen
from actions.entries import MATTER, bundling_offer, guide
from bot.notice.links import notice_links
from bot.registry.async_client import RegistryRejected, RegistryUnavailable
from bot.render import answer_footer, checklist_card, checklist_text
from bot.settings import get_settings


class ActionChecklist(Action):
    def name(self) -> str:
        return "action_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        scenario = tracker.get_slot("scenario")
        if not scenario:
            dispatcher.utter_message(response="utter_ask_scenario")
            return []
        kind = (tracker.get_slot("identified") or {}).get("kind")
        return await answer_with_checklist(
            dispatcher, scenario, tracker.get_slot("answers") or {}, verified_citizen(tracker), kind=kind
        )


async def answer_with_checklist(
    dispatcher: CollectingDispatcher,
    scenario: str,
    answers: dict,
    citizen: str | None,
    guide_doc: dict | None = None,
    kind: str | None = None,
) -> list[EventType]:
    """The checklist answer, for a scenario or a matter alike. action_identify_scenario gives it in
    the same call when nothing needs asking (one action a turn, not two: docs/benchmarks.md);
    action_checklist after the questions. A matter that a one-thing scenario bundles is followed
    by the offer of the whole scenario (``guide_doc``, or read when ``kind`` says it is a matter)."""
    try:
        # The answer and its one-time notice in one request.
        checklist = await registry.checklist(scenario, answers, citizen, notice=True)
    except RegistryUnavailable:
        apologise_unavailable(dispatcher)
        return []
    issued = checklist.pop("notice", None)
    notice = notice_links(get_settings(), issued["code"], citizen) if issued else None
    text = checklist_text(checklist)
    if citizen is None:
        text += "\n" + texts.SIGN_IN_HINT
    text += "\n" + "\n".join(answer_footer(checklist, notice))
    dispatcher.utter_message(
        text=text, buttons=FOLLOWUP_BUTTONS, json_message=checklist_card(checklist, notice)
    )
    await _offer_bundle(dispatcher, scenario, checklist, guide_doc, kind)
    version = (checklist.get("registry_version") or {}).get("number")
    return [
        SlotSet("condition_answer", None),
        SlotSet("current_question", None),
        SlotSet("answer_version", version),
    ]


async def _offer_bundle(
    dispatcher: CollectingDispatcher, scenario: str, checklist: dict, doc: dict | None, kind: str | None
) -> None:
    """ "这件事可以和另外 N 件一起办": the reform's point; the checklist stands without it."""
    try:
        if doc is None and MATTER in (kind, checklist["scenario"].get("kind")):
            doc = await guide(scenario)
        offer = await bundling_offer(doc) if doc else None
    except (RegistryUnavailable, RegistryRejected):
        return
    if offer:
        dispatcher.utter_message(text=offer[0], buttons=offer[1])
