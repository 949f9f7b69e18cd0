"""Whole conversations of several turns, ours beside the stock bot's own multi-turn stories.

The one-message turns of :mod:`bot.bench.conversation` are each a new conversation: the
worst case for the stores (a new tracker every time) and not what a person does. Here a
conversation of ours is what the bot is for: the person describes their situation (a
held-out phrase of a scenario with two situation questions), answers the two questions the
bot asks (by typing one of the options offered), gets the checklist, and asks a follow-up
(which departments handle it). Every reply is checked: each question's options as the
registry words them, the checklist card equal to the one the registry's own checklist for
those answers renders to, and the follow-up's answer as the action words it from the
registry's guide. A stock conversation is its own "sad path" story (greet, unhappy, affirm)
and its rule for "are you a bot?", four turns too, each reply its domain's response.

Each conversation has a sender of its own; its turns follow each other, and conversations
run side by side at the chosen concurrency. Reported: latency per turn (by its place in the
conversation and over all turns), conversations per second, and the servers' CPU time per
conversation. Before timing, each conversation is tried once; one the model does not
follow (a description it resolves to another scenario, an answer it does not take) is left
out and listed, as a matter of NLU quality, not of speed.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import requests
import yaml

from bot.bench.conversation import HELDOUT, card_check
from bot.bench.footprint import CpuMeter
from bot.bench.load import Call, Check, latency_stats, timed_post
from bot.bench.progress import Progress
from bot.bench.servers import REGISTRY_TOKEN
from bot.ops.procs import Service
from bot.registry.files import load_registry
from bot.registry.model import Scenario
from bot.settings import ROOT

# The follow-up every conversation of ours ends with (intent ask_departments).
FOLLOW_UP = "要跑哪些部门"
# How many held-out descriptions of each scenario are tried (the rest would only repeat them).
DESCRIPTIONS_PER_SCENARIO = 8
# The stock bot's "sad path 1" story, then its rule for bot_challenge: (intent, responses).
STOCK_STORY = (
    ("greet", ("utter_greet",)),
    ("mood_unhappy", ("utter_cheer_up", "utter_did_that_help")),
    ("affirm", ("utter_happy",)),
    ("bot_challenge", ("utter_iamabot",)),
)


@dataclass(frozen=True)
class Turn:
    """One message of a conversation and the check of the bot's reply to it."""

    text: str
    check: Check


@dataclass(frozen=True)
class Script:
    """A whole conversation: what it is (for the list of those left out) and its turns in order."""

    name: str
    turns: tuple[Turn, ...]


@dataclass
class ConversationsResult:
    """One timed run of whole conversations; latencies in milliseconds, by turn position."""

    label: str
    concurrency: int
    conversations: int
    wall_s: float
    by_turn: list[list[float]]
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    cpu_ms_per_conversation: dict[str, float] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def turns(self) -> int:
        return sum(len(t) for t in self.by_turn)

    def summary(self) -> dict[str, Any]:
        every = [ms for turn in self.by_turn for ms in turn]
        return {
            "label": self.label,
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "turns": self.turns,
            "wall_s": round(self.wall_s, 3),
            "conversations_per_s": round(self.conversations / self.wall_s, 2) if self.wall_s else None,
            "turns_per_s": round(self.turns / self.wall_s, 2) if self.wall_s else None,
            **latency_stats(every),
            "by_turn": [{"turns": len(t), **latency_stats(t)} for t in self.by_turn],
            "errors": self.error_count,
            "errors_by_kind": dict(self.errors),
            "error_examples": self.error_examples,
            "cpu_ms_per_conversation": self.cpu_ms_per_conversation,
        }

    def to_json(self) -> dict[str, Any]:
        return self.summary() | {"latencies_ms": [[round(x, 3) for x in t] for t in self.by_turn]}


async def _converse(
    session: aiohttp.ClientSession, url: str, script: Script, sender: str, timeout: float
) -> tuple[list[float], str | None]:
    """Say each turn in order; stop at the first wrong or failed reply (the rest would not follow)."""
    latencies: list[float] = []
    for turn in script.turns:
        call = Call(url, {"sender": sender, "message": turn.text}, turn.check)
        elapsed, problem = await timed_post(session, call, timeout)
        latencies.append(elapsed)
        if problem is not None:
            return latencies, f"turn {len(latencies)} of {script.name}: {problem}"
    return latencies, None


async def _run(
    label: str,
    url: str,
    scripts: Sequence[Script],
    concurrency: int,
    timeout: float,
    progress: Progress | None,
) -> ConversationsResult:
    longest = max(len(s.turns) for s in scripts)
    by_turn: list[list[float]] = [[] for _ in range(longest)]
    errors: Counter[str] = Counter()
    examples: list[str] = []
    queue = iter(scripts)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for script in queue:  # shared: each conversation is had by exactly one worker
                sender = f"bench-multi-{uuid.uuid4().hex[:16]}"
                latencies, problem = await _converse(session, url, script, sender, timeout)
                for place, ms in enumerate(latencies):
                    by_turn[place].append(ms)
                if problem is not None:
                    errors[problem.split(": ", 1)[1].split(":")[0]] += 1
                    if len(examples) < 3:
                        examples.append(problem[:240])
                if progress is not None:
                    progress.step()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return ConversationsResult(label, concurrency, len(scripts), wall, by_turn, dict(errors), examples)


def run_conversations(
    label: str,
    url: str,
    scripts: Sequence[Script],
    concurrency: int,
    meter: CpuMeter | None = None,
    timeout: float = 60.0,
    quiet: bool = False,
) -> ConversationsResult:
    """Have every conversation of ``scripts`` at ``concurrency``, with the servers' CPU per conversation."""
    progress = None if quiet else Progress(f"{label} c={concurrency}", len(scripts))
    if meter is not None:
        meter.start()
    result = asyncio.run(_run(label, url, scripts, concurrency, timeout, progress))
    if meter is not None:
        result.cpu_ms_per_conversation = meter.per_request(len(scripts))
    if not quiet:
        s = result.summary()
        print(
            f"[bench] {label:<22} c={concurrency:<3} n={len(scripts):<4} turn p50 {s['p50_ms']:8.2f} ms  "
            f"p99 {s['p99_ms']:8.2f} ms  {s['conversations_per_s']:6.1f} conv/s  errors {result.error_count}"
            + "".join(f"  {k} {v:g}" for k, v in result.cpu_ms_per_conversation.items()),
            flush=True,
        )
    return result


@dataclass
class Talker:
    """One bot under test, with the conversations it is measured with."""

    name: str
    url: str
    scripts: list[Script]
    services: list[Service] = field(default_factory=list)
    excluded: list[dict[str, str]] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def qualify(self) -> None:
        """Keep the conversations the bot follows to the end, answered right; list the others."""
        kept = []
        for script in self.scripts:
            tried = run_conversations("qualify", self.webhook, [script], 1, quiet=True)
            if tried.error_count:
                self.excluded.append({"conversation": script.name, "why": "; ".join(tried.error_examples)})
            else:
                kept.append(script)
        print(
            f"[bench] {self.name}: {len(kept)} of {len(self.scripts)} conversations followed to the end",
            flush=True,
        )
        if not kept:
            raise RuntimeError(f"{self.name}: no conversation was followed to the end: {self.excluded[:3]}")
        self.scripts = kept

    def picked(self, n: int) -> list[Script]:
        """``n`` conversations cycling through the qualified ones."""
        return [self.scripts[i % len(self.scripts)] for i in range(n)]


def _texts(payload: Any) -> list[str]:
    messages = payload if isinstance(payload, list) else []
    return [m["text"] for m in messages if isinstance(m, dict) and m.get("text")]


def _buttons(payload: Any) -> list[str]:
    messages = payload if isinstance(payload, list) else []
    return [b.get("title") for m in messages if isinstance(m, dict) for b in m.get("buttons") or []]


def _asks(options: list[str]) -> Check:
    """The reply asks the question whose options are ``options`` (as buttons, in the registry's order)."""

    def check(payload: Any) -> str | None:
        got = _buttons(payload)
        if got == options:
            return None
        # What was said instead (an apology, another question) is what tells a cause from another.
        said = (
            [m.get("text") for m in payload if isinstance(m, dict)] if isinstance(payload, list) else payload
        )
        return f"offered {got!r} instead of {options!r}, saying {str(said)[:200]!r}"

    return check


def _says(expected: str) -> Check:
    def check(payload: Any) -> str | None:
        text = "\n".join(_texts(payload))
        return None if expected in text else f"replied {text[:80]!r}"

    return check


def _two_question_scenarios(registry_dir: Path) -> list[Scenario]:
    registry = load_registry(registry_dir)
    return [s for s in registry.scenarios.values() if s.requirements and len(s.questions) == 2]


def our_scripts(registry_url: str, registry_dir: Path = ROOT / "data" / "registry") -> list[Script]:
    """Describe, answer both questions (options varied from one conversation to the next, among those
    after which the bot still asks the second), get the registry's checklist, ask which departments:
    for every scenario with two situation questions."""
    from actions.followups import info_answer

    scenarios = {s.id: s for s in _two_question_scenarios(registry_dir)}
    descriptions: dict[str, list[str]] = {s: [] for s in scenarios}
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        record: dict[str, Any] = json.loads(line) if line.strip() else {}
        mine = descriptions.get(record.get("scenario", ""))
        if mine is not None and len(mine) < DESCRIPTIONS_PER_SCENARIO:
            mine.append(record["text"])
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {REGISTRY_TOKEN}"

    def checklist(scenario_id: str, answers: dict[str, str]) -> dict[str, Any]:
        response = session.post(
            f"{registry_url}/checklist", json={"scenario": scenario_id, "answers": answers}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    scripts = []
    for scenario_id, texts in sorted(descriptions.items()):
        scenario = scenarios[scenario_id]
        doc = session.get(f"{registry_url}/scenarios/{scenario_id}", timeout=30).json()
        departments = info_answer(doc, "ask_departments")
        first, second = scenario.questions
        # The bot asks only what would still change the list: the answers to the first question
        # after which the registry still needs the second.
        leading = [
            o
            for o in first.options
            if second.id in {q["id"] for q in checklist(scenario_id, {first.id: o.id})["unanswered"]}
        ]
        for i, text in enumerate(texts if leading else []):
            a, b = leading[i % len(leading)], second.options[i % len(second.options)]
            turns = (
                Turn(text, _asks([o.label for o in first.options])),
                Turn(a.label, _asks([o.label for o in second.options])),
                Turn(
                    b.label,
                    card_check(scenario_id, checklist(scenario_id, {first.id: a.id, second.id: b.id})),
                ),
                Turn(FOLLOW_UP, _says(departments)),
            )
            scripts.append(Script(f"{scenario_id} #{i + 1}", turns))
    return scripts


def stock_scripts(project: Path) -> list[Script]:
    """The stock bot's story and rule, with its own examples of each intent (varied), checked against
    its domain's responses."""
    domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8"))
    nlu = yaml.safe_load((project / "data" / "nlu.yml").read_text(encoding="utf-8"))
    examples: dict[str, list[str]] = {}
    for block in nlu["nlu"]:
        if "intent" in block:
            lines = (e.strip().removeprefix("- ").strip() for e in block["examples"].splitlines())
            examples[block["intent"]] = [e for e in lines if e]
    longest = max(len(examples[intent]) for intent, _ in STOCK_STORY)
    scripts = []
    for i in range(longest):
        turns = []
        for intent, responses in STOCK_STORY:
            said = examples[intent][i % len(examples[intent])]
            replies = [domain["responses"][r][0]["text"] for r in responses]
            turns.append(Turn(said, _replies(replies)))
        scripts.append(Script(f"stock story #{i + 1}", tuple(turns)))
    return scripts


def _replies(expected: list[str]) -> Check:
    def check(payload: Any) -> str | None:
        got = _texts(payload)
        return None if got == expected else f"replied {got!r} instead of {expected!r}"

    return check


def _merge(label: str, parts: list[ConversationsResult]) -> ConversationsResult:
    """One result from halves run apart (latencies pooled turn by turn, wall times added)."""
    errors: Counter[str] = Counter()
    for part in parts:
        errors.update(part.errors)
    conversations = sum(p.conversations for p in parts)
    longest = max(len(p.by_turn) for p in parts)
    by_turn = [
        [ms for p in parts if place < len(p.by_turn) for ms in p.by_turn[place]] for place in range(longest)
    ]
    cpu = {
        name: round(
            sum(p.cpu_ms_per_conversation.get(name, 0.0) * p.conversations for p in parts) / conversations, 2
        )
        for name in parts[0].cpu_ms_per_conversation
    }
    return ConversationsResult(
        label,
        parts[0].concurrency,
        conversations,
        sum(p.wall_s for p in parts),
        by_turn,
        dict(errors),
        [e for p in parts for e in p.error_examples][:3],
        cpu,
    )


def compare_conversations(
    ours: Talker, stock: Talker, counts: dict[int, int], warmup: int
) -> dict[str, dict[int, ConversationsResult]]:
    """Each concurrency in halves ordered ours, stock, stock, ours (as the one-turn comparison), so a
    drift in the machine's load weighs on both bots alike; an untimed warm-up before the first two."""
    results: dict[str, dict[int, ConversationsResult]] = {ours.name: {}, stock.name: {}}
    for concurrency, n in counts.items():
        halves: dict[str, list[ConversationsResult]] = {ours.name: [], stock.name: []}
        for half, talker in enumerate((ours, stock, stock, ours)):
            if warmup and half < 2:
                run_conversations("warm-up", talker.webhook, talker.picked(warmup), concurrency, quiet=True)
            meter = CpuMeter(talker.services)
            halves[talker.name].append(
                run_conversations(
                    f"multi-turn {talker.name}", talker.webhook, talker.picked(n // 2), concurrency, meter
                )
            )
        for name, parts in halves.items():
            results[name][concurrency] = _merge(f"multi-turn {name}", parts)
    return results


def run_multiturn(ours: Talker, stock: Talker, counts: dict[int, int], warmup: int) -> dict[str, Any]:
    """Qualify both bots' conversations, then time them; the results as the JSON keeps them."""
    ours.qualify()
    stock.qualify()
    measured = compare_conversations(ours, stock, counts, warmup)
    return {
        "bots": {
            t.name: {
                "conversations": len(t.scripts),
                "turns_per_conversation": max(len(s.turns) for s in t.scripts),
                "excluded": t.excluded,
            }
            for t in (ours, stock)
        },
        "runs": {bot: {str(c): r.to_json() for c, r in by_c.items()} for bot, by_c in measured.items()},
    }
