"""What hotline staff can do in the console, over Rasa's HTTP API and the registry's API.

- the queue: conversations that asked for a person (found through the event broker,
  checked against their trackers), with the bot's summary of each;
- take one (Rasa's ``pause`` event: the bot stops answering there), reply in it (the
  ``staff_message`` slot, then ``action_staff_message`` through ``/execute`` with
  ``output_channel=latest``, so the words reach the person's widget), send the
  checklist (``action_checklist``, the bot's own answer), and hand it back (``resume``);
- assist with a caller: what the model makes of their words (``/model/parse`` and the
  bot's own :func:`bot.nlu.intents.identify`), the situation questions still open and
  the checklist (the registry's ``/checklist``); the citizen's file only by id, audited.

Nothing here decides what the bot would: it calls the same functions and actions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from bot.callback.queue import queue_items
from bot.callback.store import CallbackBook
from bot.jsonapi import ApiError
from bot.nlu.intents import identify
from bot.nlu.options import infer_answers
from bot.registry.client import RegistryClient, RegistryRejected, RegistryUnavailable
from bot.render import checklist_card
from bot.settings import Settings
from bot.web.audit import AuditLog
from bot.web.conversations import REPLYABLE_CHANNELS, summary, transcript
from bot.web.handoffs import REQUESTED, RETURNED, TAKEN, HandoffIndex
from bot.web.rasa_api import RasaClient, RasaUnavailable

T = TypeVar("T")

GREETING = "您好，我是 12345 热线的人工客服，已接入本次对话。请问有什么可以帮您？"
HANDED_BACK = "本次人工服务已结束，接下来由智能助手继续为您服务。您可以接着描述要办的事。"
STAFF_MESSAGE_ACTION = "action_staff_message"
CHECKLIST_ACTION = "action_checklist"
ALL_MATTERS = 500  # the registry's /matters without q lists the matters with a list first (328)
CATALOGUE_NOTE = "本事项的材料清单不在我们的材料库中：请查看官方办事指南，或拨打 {hotline} 咨询。"


def _slot(name: str, value: Any, **metadata: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"event": "slot", "name": name, "value": value}
    if metadata:
        event["metadata"] = metadata
    return event


class Console:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rasa = RasaClient.from_settings(settings)
        self.registry = RegistryClient.from_settings(settings)
        self.handoffs = HandoffIndex(settings.events_store_url)
        self.audit = AuditLog(settings.console_store_url)
        # After-hours callback requests (bot/callback/): they wait in the same queue.
        self.callbacks = CallbackBook(settings.console_store_url, settings.secrets.data_secret)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._names: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        self._names_at = 0.0

    # -- plumbing -------------------------------------------------------------

    @staticmethod
    def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One upstream call, its failures as the console's API errors."""
        try:
            return fn(*args, **kwargs)
        except RegistryRejected as exc:
            status = exc.status if exc.status in (404, 422) else 422
            raise ApiError(status, exc.code or "rejected", str(exc)) from exc
        except RegistryUnavailable as exc:
            raise ApiError(503, "registry_unavailable", "材料库暂时连不上，请稍后再试") from exc
        except RasaUnavailable as exc:
            raise ApiError(503, "rasa_unavailable", "对话服务暂时连不上，请稍后再试") from exc

    @contextmanager
    def _conversation_lock(self, conversation_id: str) -> Iterator[None]:
        # Two staff pressing 接入 at once: one wins, the other sees it taken.
        with self._locks_guard:
            lock = self._locks.setdefault(conversation_id, threading.Lock())
        with lock:
            yield

    def guide_names(self) -> dict[str, str]:
        """Every guide with a material list (scenarios, then matters): id → name, kept a minute."""
        if time.monotonic() - self._names_at > 60 or not self._names:
            listed = self._call(self.registry.search_scenarios, None, 500)
            names = {s["id"]: s["name"] for s in listed}
            self._kinds = {s["id"]: "scenario" for s in listed}
            for m in self._call(self.registry.search_matters, None, ALL_MATTERS):
                if m.get("kind") == "matter":
                    names[m["id"]], self._kinds[m["id"]] = m["name"], "matter"
            self._names, self._names_at = names, time.monotonic()
        return self._names

    def guide_kind(self, guide_id: str) -> str:
        return self._kinds.get(guide_id, "scenario") if guide_id in self.guide_names() else "scenario"

    def search_registry(self, q: str, limit: int = 20) -> dict[str, Any]:
        """Staff's search of the whole registry by name: scenarios, matters and catalogue entries."""
        return {
            "scenarios": [
                {"id": s["id"], "name": s["name"], "kind": "scenario", "materials_known": True}
                for s in self._call(self.registry.search_scenarios, q, limit)
            ],
            "matters": self._call(self.registry.search_matters, q, limit),
        }

    def _scenario(self, scenario_id: str | None) -> dict[str, Any] | None:
        return self._call(self.registry.scenario, scenario_id) if scenario_id else None

    # -- the queue ------------------------------------------------------------

    def _handed_off_tracker(self, conversation_id: str) -> dict[str, Any]:
        """The tracker of a conversation that asked for a person; 404 for any other id, so a
        request about an unknown conversation writes nothing to the Rasa server."""
        handoff = self.handoffs.get(conversation_id)
        if handoff is None:
            raise ApiError(404, "unknown_conversation", "没有这个转人工的对话")
        return self._call(self.rasa.tracker, conversation_id)

    def _summary(self, tracker: dict[str, Any], messages: int = 6) -> dict[str, Any]:
        slots = tracker.get("slots") or {}
        found = summary(
            tracker,
            self._scenario(slots.get("scenario")),
            self.settings.secrets.citizen_token_secret,
            messages,
        )
        handoff = self.handoffs.get(found["id"])
        found["requested_at"] = handoff.requested_at if handoff else None
        found["taken_by"] = handoff.staff if handoff and found["handoff"] == TAKEN else None
        return found

    def queue(self) -> list[dict[str, Any]]:
        """Web conversations waiting for a person or being served by one, longest waiting first;
        then the callback requests left outside office hours (``kind: callback``)."""
        waiting = []
        for handoff in self.handoffs.waiting():
            tracker = self._call(self.rasa.tracker, handoff.conversation_id)
            if (tracker.get("slots") or {}).get("handoff") not in (REQUESTED, TAKEN):
                continue  # the broker's last word is not the tracker's (a restart reset the slots)
            item = self._summary(tracker)
            if item["can_reply"]:
                waiting.append({"kind": "web_chat", **item})
        return waiting + queue_items(self.callbacks)

    def conversation(self, conversation_id: str, messages: int = 50) -> dict[str, Any]:
        tracker = self._handed_off_tracker(conversation_id)
        return self._summary(tracker, messages) | {
            "messages": transcript(tracker.get("events") or [], messages)
        }

    # -- taking part ----------------------------------------------------------

    def _run(self, conversation_id: str, action: str) -> None:
        """Run one action, then listen: the conversation continues from a listening state, so the
        person's next message is read by the rules exactly as after any turn of the bot."""
        self._call(self.rasa.execute, conversation_id, action)
        self._call(self.rasa.append_events, conversation_id, [{"event": "action", "name": "action_listen"}])

    def _say(self, conversation_id: str, text: str) -> None:
        self._call(self.rasa.append_events, conversation_id, [_slot("staff_message", text)])
        self._run(conversation_id, STAFF_MESSAGE_ACTION)

    def _taken_by(self, conversation_id: str, staff: str) -> dict[str, Any]:
        tracker = self._handed_off_tracker(conversation_id)
        handoff = self.handoffs.get(conversation_id)
        if (tracker.get("slots") or {}).get("handoff") != TAKEN or handoff is None:
            raise ApiError(409, "not_taken", "请先接入这个对话")
        if handoff.staff != staff:
            raise ApiError(409, "taken_by_other", f"这个对话已由 {handoff.staff} 接入")
        return tracker

    def take(self, conversation_id: str, staff: str) -> dict[str, Any]:
        with self._conversation_lock(conversation_id):
            tracker = self._handed_off_tracker(conversation_id)
            state = (tracker.get("slots") or {}).get("handoff")
            handoff = self.handoffs.get(conversation_id)
            if state == TAKEN and handoff is not None and handoff.staff == staff:
                return self.conversation(conversation_id)
            if state != REQUESTED:
                who = handoff.staff if handoff and state == TAKEN else None
                raise ApiError(
                    409, "not_waiting", f"这个对话已由 {who} 接入" if who else "这个对话没有在等人工"
                )
            if tracker.get("latest_input_channel") not in REPLYABLE_CHANNELS:
                raise ApiError(409, "not_replyable", "这个对话不是网页对话，无法在此回复")
            self._call(
                self.rasa.append_events,
                conversation_id,
                [{"event": "pause"}, _slot("handoff", TAKEN, staff=staff)],
            )
            self._say(conversation_id, GREETING)
        return self.conversation(conversation_id)

    def reply(self, conversation_id: str, staff: str, text: str) -> dict[str, Any]:
        with self._conversation_lock(conversation_id):
            self._taken_by(conversation_id, staff)
            self._say(conversation_id, text)
        return self.conversation(conversation_id)

    def send_checklist(
        self, conversation_id: str, staff: str, scenario_id: str, answers: dict[str, str]
    ) -> dict[str, Any]:
        """The bot's own checklist answer, for the matter and answers staff settled with the person;
        it reads the person's file only if they are signed in, exactly as the bot does."""
        with self._conversation_lock(conversation_id):
            self._taken_by(conversation_id, staff)
            if scenario_id not in self.guide_names():
                raise ApiError(404, "unknown_scenario", f"没有事项 {scenario_id!r}")
            checked = self._call(self.registry.checklist, scenario_id, answers)  # validates the answers
            events = [_slot("scenario", scenario_id), _slot("answers", checked["answers"])]
            self._call(self.rasa.append_events, conversation_id, events)
            self._run(conversation_id, CHECKLIST_ACTION)
        return self.conversation(conversation_id)

    def release(self, conversation_id: str, staff: str) -> dict[str, Any]:
        with self._conversation_lock(conversation_id):
            self._taken_by(conversation_id, staff)
            self._say(conversation_id, HANDED_BACK)
            self._call(
                self.rasa.append_events,
                conversation_id,
                [{"event": "resume"}, _slot("handoff", RETURNED, staff=staff)],
            )
        return self.conversation(conversation_id)

    # -- assisting a caller ---------------------------------------------------

    def _catalogue(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A matter known only from the catalogue: what the bot says of it (never a material)."""
        return {
            "id": entry["id"],
            "name": entry.get("name") or entry["id"],
            "department": entry.get("department"),
            "matter_type": entry.get("matter_type"),
            "audience": entry.get("audience"),
            "categories": entry.get("categories") or [],
            "official_url": entry.get("official_url"),
            "hotline": self.settings.contact.hotline,
            "note": CATALOGUE_NOTE.format(hotline=self.settings.contact.hotline),
        }

    def _picked(self, entry_id: str) -> tuple[str | None, dict[str, Any] | None]:
        """What staff chose: a guide with a list (its id), or a catalogue-only entry; 404 otherwise."""
        if entry_id in self.guide_names():
            return entry_id, None
        found = self._call(self.registry.matter, entry_id)
        if found is None:
            raise ApiError(404, "unknown_scenario", f"没有事项 {entry_id!r}")
        if found.get("kind") == "catalogue":
            return None, self._catalogue(found)
        return str(found["id"]), None  # a detailed matter asked for by its service id

    def _ranking(self, found: Any, parse: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
        """The candidates staff may choose from, any kind, best first (at most five)."""
        listed = [
            {"id": c.id, "kind": c.kind, "name": c.name, "confidence": c.confidence}
            for c in getattr(found, "candidates", None) or []
        ]
        if not listed:
            listed = [
                {
                    "id": r["id"],
                    "kind": r.get("kind"),
                    "name": r.get("name"),
                    "confidence": r.get("score", 0.0),
                }
                for r in ((parse.get("registry") or {}).get("ranking") or [])[:5]
                if isinstance(r, dict) and r.get("id")
            ]
        if not listed:  # the model's intents alone (a model without the registry matcher)
            listed = [
                {"id": r["scenario"], "kind": "scenario", "name": None, "confidence": r["confidence"]}
                for r in getattr(found, "ranking", None) or []
                if isinstance(r, dict) and r.get("scenario")
            ]
        for r in listed:
            r["name"] = r["name"] or names.get(r["id"], r["id"])
            r["kind"] = r["kind"] or self.guide_kind(r["id"])
            r["confidence"] = round(float(r["confidence"] or 0.0), 4)
        return listed[:5]

    @staticmethod
    def _entry(found: Any, names: dict[str, str]) -> dict[str, Any] | None:
        """The identified entry, any kind (an Identification with ``entry``, or an older one)."""
        entry = getattr(found, "entry", None)
        if entry is not None:
            return {"id": entry.id, "kind": entry.kind, "name": entry.name, "confidence": entry.confidence}
        scenario = getattr(found, "scenario", None)
        if scenario:
            return {
                "id": scenario,
                "kind": "scenario",
                "name": names.get(scenario, scenario),
                "confidence": found.confidence,
            }
        return None

    def assist(
        self, text: str, scenario_id: str | None = None, answers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """What the bot would make of the caller's words, and the answer for the entry settled on:
        a scenario's or a matter's checklist, or a catalogue-only matter's honest answer.
        ``scenario_id`` (staff's choice) may name any entry: a scenario, a matter, a catalogue id."""
        names = self.guide_names()
        catalogue = None
        if scenario_id is not None:
            scenario_id, catalogue = self._picked(scenario_id)
        result: dict[str, Any] = {
            "decision": None,
            "intent": None,
            "confidence": None,
            "ranking": [],
            "entry": None,
            "families": [],
            "scenario": None,
            "catalogue": None,
            "related": [],
            "answers": {},
            "inferred": {},
            "questions": [],
            "checklist": None,
        }
        if text.strip():
            parse = self._call(self.rasa.parse, text)
            found = identify(parse, known=set(names))
            entry = self._entry(found, names)
            result |= {
                "decision": found.decision,
                "intent": found.intent,
                "confidence": found.confidence,
                "ranking": self._ranking(found, parse, names),
                "entry": entry,
                "families": list(getattr(found, "families", None) or []),
            }
            if scenario_id is None and catalogue is None and entry is not None:
                if entry["kind"] == "catalogue":
                    listed = self._call(self.registry.matter, entry["id"])
                    catalogue = self._catalogue(listed) if listed else None
                elif entry["id"] in names:
                    scenario_id = entry["id"]
        if catalogue is not None:
            result["catalogue"] = catalogue
            return result
        if scenario_id is None:
            return result
        scenario = self._scenario(scenario_id) or {}
        inferred = infer_answers(scenario.get("questions") or [], text)
        checklist = self._call(self.registry.checklist, scenario_id, {**inferred, **(answers or {})})
        result |= {
            "scenario": {
                "id": scenario_id,
                "name": names[scenario_id],
                "kind": scenario.get("kind") or self.guide_kind(scenario_id),
            },
            "related": [{"id": r, "name": names.get(r, r)} for r in scenario.get("related_scenarios") or []],
            "answers": checklist["answers"],
            "inferred": inferred,
            "questions": checklist["unanswered"],
            "checklist": checklist_card(checklist),
        }
        return result

    def citizen_file(
        self,
        staff: str,
        citizen_id: str,
        reason: str = "",
        conversation_id: str | None = None,
        scenario_id: str | None = None,
        answers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A citizen's file (and their checklist for a matter): recorded in the audit log first."""
        if scenario_id is not None:
            if scenario_id not in self.guide_names():
                raise ApiError(404, "unknown_scenario", f"没有事项 {scenario_id!r}")
            self._call(self.registry.checklist, scenario_id, answers or {})  # bad answers: 422, nothing read
        audit_id = self.audit.record(staff, citizen_id, reason, conversation_id)
        entries = self._call(self.registry.citizen_file, citizen_id)
        card = None
        if scenario_id:
            card = checklist_card(self._call(self.registry.checklist, scenario_id, answers or {}, citizen_id))
        return {"citizen_id": citizen_id, "file": entries, "checklist": card, "audit_id": audit_id}
