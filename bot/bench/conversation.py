"""NLU and whole turns, ours beside the stock ``rasa init`` bot, each answer checked.

A turn of ours is one message that names a matter without situation questions
(held-out phrases, never training ones), so the reply must carry the checklist card:
NLU, the rules, two actions and two registry calls (the guide; its checklist with the
one-time notice) are all in the path, and the card must equal the one rendered from the
registry's own checklist. A stock turn is a
greeting, a goodbye or "are you a bot?", whose reply must be the domain's response.
Every request uses a new sender id, so every turn starts a conversation.

Before timing, each message is tried once (this also warms the servers); a message
the model does not resolve to its answer is left out of the timed set and listed in
the results: that is a matter of NLU quality (docs/eval/), not of speed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.bench.footprint import CpuMeter
from bot.bench.load import Call, LoadResult, run_load
from bot.bench.servers import API_TOKEN, REGISTRY_TOKEN
from bot.nlu.intents import intent_of
from bot.ops.procs import Service
from bot.registry.files import load_registry
from bot.render import CHECKLIST_CARD, checklist_card
from bot.settings import ROOT

HELDOUT = ROOT / "tests" / "eval" / "heldout.jsonl"
# The stock bot's intents whose first-turn reply is fixed (its rules and its happy path).
STOCK_REPLIES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "bot_challenge": "utter_iamabot"}


@dataclass(frozen=True)
class Probe:
    """A message, the intent it must be parsed as, and the check of a whole turn's reply."""

    text: str
    intent: str
    check_turn: Callable[[Any], str | None]


@dataclass
class Bot:
    """One Rasa server under test and the messages it is measured with."""

    name: str
    url: str
    probes: list[Probe]
    # The servers a request of this bot passes through, whose CPU time is measured.
    services: list[Service] = field(default_factory=list)
    excluded: list[dict[str, str]] = field(default_factory=list)

    def nlu_call(self, probe: Probe) -> Call:
        def check(payload: Any) -> str | None:
            got = ((payload or {}).get("intent") or {}).get("name")
            return None if got == probe.intent else f"intent {got} instead of {probe.intent}"

        return Call(f"{self.url}/model/parse?token={API_TOKEN}", {"text": probe.text}, check)

    def turn_call(self, probe: Probe, tag: str) -> Call:
        sender = f"bench-{self.name}-{tag}-{uuid.uuid4().hex[:12]}"
        return Call(
            f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": probe.text}, probe.check_turn
        )

    def calls(self, kind: str, n: int, tag: str) -> list[Call]:
        """``n`` calls cycling through the probes; turns each with a sender of their own."""
        picked = [self.probes[i % len(self.probes)] for i in range(n)]
        if kind == "nlu":
            return [self.nlu_call(p) for p in picked]
        return [self.turn_call(p, f"{tag}-{i}") for i, p in enumerate(picked)]

    def qualify(self) -> None:
        """Keep the probes whose turn and parse are answered right; list the others."""
        kept = []
        for probe in self.probes:
            result = run_load("qualify", [self.turn_call(probe, "q"), self.nlu_call(probe)], 1, quiet=True)
            if result.error_count:
                self.excluded.append({"text": probe.text, "why": "; ".join(result.error_examples)})
            else:
                kept.append(probe)
        print(
            f"[bench] {self.name}: {len(kept)} of {len(self.probes)} messages answered right, used for timing",
            flush=True,
        )
        if not kept:
            raise RuntimeError(f"{self.name}: no message was answered right: {self.excluded[:3]}")
        self.probes = kept


def _cards(payload: Any) -> list[dict[str, Any]]:
    messages = payload if isinstance(payload, list) else []
    return [
        m["custom"]
        for m in messages
        if isinstance(m, dict) and (m.get("custom") or {}).get("type") == CHECKLIST_CARD
    ]


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data, ensure_ascii=False))


def card_check(scenario: str, checklist: dict[str, Any]) -> Callable[[Any], str | None]:
    """The reply must hold one card, the one the registry's checklist renders to (with whatever
    one-time notice link the bot issued for it: each turn gets its own)."""

    def check(payload: Any) -> str | None:
        cards = _cards(payload)
        if not cards:
            texts = " ".join(m.get("text", "") for m in payload if isinstance(m, dict))[:80]
            return f"no checklist for {scenario}: {texts}"
        expected = _plain(checklist_card(checklist, cards[0].get("notice")))
        return None if cards == [expected] else f"checklist for {scenario} is not the registry's"

    return check


def our_probes(registry_url: str) -> list[Probe]:
    """Held-out phrases of every matter answered in one turn (it has requirements and no
    situation questions), each with the registry's own checklist for it."""
    registry = load_registry(ROOT / "data" / "registry")
    one_turn = {s.id for s in registry.scenarios.values() if s.requirements and not s.questions}
    session = requests.Session()
    expected: dict[str, dict[str, Any]] = {}
    for scenario in sorted(one_turn):
        response = session.post(
            registry_url + "/checklist",
            json={"scenario": scenario, "answers": {}},
            headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
            timeout=30,
        )
        response.raise_for_status()
        expected[scenario] = response.json()
    probes = []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        record: dict[str, Any] = json.loads(line) if line.strip() else {}
        scenario = record.get("scenario", "")
        if scenario in one_turn:
            probes.append(
                Probe(record["text"], intent_of(scenario), card_check(scenario, expected[scenario]))
            )
    return probes


def _text_check(expected: str) -> Callable[[Any], str | None]:
    def check(payload: Any) -> str | None:
        texts = [m.get("text") for m in payload if isinstance(m, dict)] if isinstance(payload, list) else []
        return None if texts == [expected] else f"replied {texts!r} instead of {expected!r}"

    return check


def stock_probes(project: Path) -> list[Probe]:
    """The stock project's own examples of greet, goodbye and bot_challenge, with their replies."""
    domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8"))
    nlu = yaml.safe_load((project / "data" / "nlu.yml").read_text(encoding="utf-8"))
    probes = []
    for block in nlu["nlu"]:
        response = STOCK_REPLIES.get(block.get("intent"))
        if response is None:
            continue
        reply = domain["responses"][response][0]["text"]
        for example in block["examples"].splitlines():
            text = example.strip().removeprefix("- ").strip()
            if text:
                probes.append(Probe(text, block["intent"], _text_check(reply)))
    return probes


def _merge(label: str, parts: list[LoadResult]) -> LoadResult:
    """One result from halves run apart (their latencies pooled, their wall times added)."""
    errors: dict[str, int] = {}
    for part in parts:
        for kind, n in part.errors.items():
            errors[kind] = errors.get(kind, 0) + n
    requests = sum(p.requests for p in parts)
    cpu = {
        name: round(sum(p.cpu_ms_per_request.get(name, 0.0) * p.requests for p in parts) / requests, 2)
        for name in parts[0].cpu_ms_per_request
    }
    return LoadResult(
        label,
        parts[0].concurrency,
        requests,
        sum(p.wall_s for p in parts),
        [x for p in parts for x in p.latencies_ms],
        errors,
        [e for p in parts for e in p.error_examples][:3],
        cpu,
    )


def timed(bot: Bot, kind: str, n: int, concurrency: int, tag: str, warmup: int) -> LoadResult:
    """One timed run of ``bot``, after an untimed warm-up, with its servers' CPU time per request."""
    if warmup:
        run_load("warm-up", bot.calls(kind, warmup, tag + "w"), concurrency, quiet=True)
    meter = CpuMeter(bot.services).start()
    result = run_load(f"{kind} {bot.name}", bot.calls(kind, n, tag), concurrency)
    result.cpu_ms_per_request = meter.per_request(n)
    return result


def compare(
    ours: Bot, stock: Bot, kind: str, counts: dict[int, int], warmup: int
) -> dict[str, dict[int, LoadResult]]:
    """Each concurrency in halves ordered ours, stock, stock, ours, so a drift in the
    machine's load during the run weighs on both bots alike."""
    results: dict[str, dict[int, LoadResult]] = {ours.name: {}, stock.name: {}}
    for concurrency, n in counts.items():
        halves: dict[str, list[LoadResult]] = {ours.name: [], stock.name: []}
        for half, bot in enumerate((ours, stock, stock, ours)):
            tag = f"{kind}{concurrency}h{half}"
            halves[bot.name].append(timed(bot, kind, n // 2, concurrency, tag, warmup if half < 2 else 0))
        for name, parts in halves.items():
            results[name][concurrency] = _merge(f"{kind} {name}", parts)
    return results
