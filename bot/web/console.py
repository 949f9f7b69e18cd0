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
        self.handoffs = HandoffIndex(settings.events_db_url)
        self.audit = AuditLog(settings.console_store_url)
        # After-hours callback requests (bot/callback/): they wait in the same queue.
        self.callbacks = CallbackBook(settings.console_store_url, settings.data_secret)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._names: dict[str, str] = {}
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

    def scenario_names(self) -> dict[str, str]:
        if time.monotonic() - self._names_at > 60 or not self._names:
            listed = self._call(self.registry.search_scenarios, None, 500)
            self._names, self._names_at = {s["id"]: s["name"] for s in listed}, time.monotonic()
        return self._names

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
            tracker, self._scenario(slots.get("scenario")), self.settings.citizen_token_secret, messages
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
            if scenario_id not in self.scenario_names():
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

    def assist(
        self, text: str, scenario_id: str | None = None, answers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """What the bot would make of the caller's words, and the answer for the matter settled on."""
        names = self.scenario_names()
        if scenario_id is not None and scenario_id not in names:
            raise ApiError(404, "unknown_scenario", f"没有事项 {scenario_id!r}")
        result: dict[str, Any] = {
            "decision": None,
            "intent": None,
            "confidence": None,
            "ranking": [],
            "scenario": None,
            "answers": {},
            "inferred": {},
            "questions": [],
            "checklist": None,
        }
        if text.strip():
            found = identify(self._call(self.rasa.parse, text), known=set(names))
            result |= {
                "decision": found.decision,
                "intent": found.intent,
                "confidence": found.confidence,
                "ranking": [
                    {
                        "id": r["scenario"],
                        "name": names.get(r["scenario"], r["scenario"]),
                        "confidence": r["confidence"],
                    }
                    for r in found.ranking
                ],
            }
            scenario_id = scenario_id or found.scenario
        if scenario_id is None:
            return result
        scenario = self._scenario(scenario_id) or {}
        inferred = infer_answers(scenario.get("questions") or [], text)
        checklist = self._call(self.registry.checklist, scenario_id, {**inferred, **(answers or {})})
        result |= {
            "scenario": {"id": scenario_id, "name": names[scenario_id]},
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
            if scenario_id not in self.scenario_names():
                raise ApiError(404, "unknown_scenario", f"没有事项 {scenario_id!r}")
            self._call(self.registry.checklist, scenario_id, answers or {})  # bad answers: 422, nothing read
        audit_id = self.audit.record(staff, citizen_id, reason, conversation_id)
        entries = self._call(self.registry.citizen_file, citizen_id)
        card = None
        if scenario_id:
            card = checklist_card(self._call(self.registry.checklist, scenario_id, answers or {}, citizen_id))
        return {"citizen_id": citizen_id, "file": entries, "checklist": card, "audit_id": audit_id}
