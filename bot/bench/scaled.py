"""The scaled stack per replica against the embedded stack, in one run (issue 12).

docs/scale/load.md measured the scaled stack (PostgreSQL tracker store and registry, Redis
lock store, nginx in front) alone, and docs/benchmarks.md the embedded one alone, on different
days: their ratio mixed two machines' moods. Here both run side by side from the same trained
model, each with one Rasa server and one action server, and have the same multi-turn
conversations of :mod:`bot.bench.multiturn` (every reply checked) in interleaved halves
(embedded, scaled, scaled, embedded), so a drift in the machine's load weighs on both alike.

Where the difference goes is read from CPU time, which other people's load disturbs least:
CPU milliseconds per turn of each process the turns pass through, the embedded stack's Rasa
(with its SQLite tracker store in-process), action server and registry, and the scaled
stack's Rasa, action server, registry, PostgreSQL (every backend of the cluster: tracker
store, event broker and registry queries), Redis and nginx.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bench.footprint import CpuMeter, children_cpu_s
from bot.bench.multiturn import ConversationsResult, Script, Talker, _merge, our_scripts, run_conversations
from bot.bench.progress import stage
from bot.bench.servers import our_settings
from bot.ops.local_postgres import LocalPostgres
from bot.ops.procs import Service
from bot.ops.scaled import Infrastructure, ScaledStack
from bot.ops.stack import Stack
from bot.settings import ROOT

STACKS = ("embedded", "scaled")


def postgres_cpu_s(postmaster: int) -> dict[str, float]:
    """CPU seconds so far of a PostgreSQL cluster's processes, by database: a backend's title names
    it (``postgres: <user> <database> <client> <state>``); the postmaster and its helpers (checkpointer,
    WAL writer, …) count as ``server``. Pooled connections live as long as their server, so a stretch
    of turns is charged to the database whose queries it ran."""
    out: dict[str, float] = {}
    for pid, seconds in children_cpu_s(postmaster).items():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().split()
        except OSError:
            continue
        backend = pid != postmaster and len(title) > 3 and ("(" in title[3] or title[3] == "[local]")
        database = title[2] if backend else "server"
        out[database] = out.get(database, 0.0) + seconds
    return out


class StackMeter(CpuMeter):
    """:class:`CpuMeter` plus a PostgreSQL cluster that ``pg_ctl`` started (not a :class:`Service`; the
    postmaster's id, or None): its CPU as ``postgres``, and by database as ``postgres:<database>``."""

    def __init__(self, services: list[Service], postmaster: int | None) -> None:
        super().__init__(services)
        self.postmaster = postmaster
        self._postgres_before: dict[str, float] = {}

    def start(self) -> StackMeter:
        super().start()
        self._postgres_before = postgres_cpu_s(self.postmaster) if self.postmaster else {}
        return self

    def per_request(self, requests: int) -> dict[str, float]:
        out = super().per_request(requests)
        if self.postmaster is None:
            return out
        now = postgres_cpu_s(self.postmaster)
        spent = {
            db: now.get(db, 0.0) - self._postgres_before.get(db, 0.0) for db in {*now, *self._postgres_before}
        }
        out["postgres"] = round(sum(spent.values()) * 1000 / max(requests, 1), 2)
        for db, seconds in sorted(spent.items()):
            out[f"postgres:{db}"] = round(seconds * 1000 / max(requests, 1), 2)
        return out


def postmaster_pid(postgres: LocalPostgres) -> int:
    """The postmaster's process id, from the first line of its pid file."""
    return int((postgres.data_dir / "postmaster.pid").read_text().split()[0])


def _role(name: str) -> str:
    """``rasa-1`` → ``rasa``: with one replica of each, the scaled stack's processes are named as the
    embedded stack's, so the table lines them up."""
    head, _, tail = name.rpartition("-")
    return head if head and tail.isdigit() else name


@dataclass
class Measured:
    """One stack under test: where to talk to it and what to meter."""

    name: str
    talker: Talker
    services: list[Service]
    postmaster: int | None

    def meter(self) -> StackMeter:
        return StackMeter(self.services, self.postmaster)


@contextmanager
def _stacks(model: Path, work: Path) -> Iterator[tuple[Stack, Stack, Infrastructure]]:
    """The embedded stack as the bench starts it, and the scaled one (1 Rasa + 1 action server behind
    nginx, PostgreSQL, Redis) from the same model; both stopped on every way out."""
    with ExitStack() as running:
        embedded = Stack(our_settings(work / "embedded" / "var"), model, work / "embedded" / "logs")
        infrastructure = Infrastructure(work / "scaled" / "infra")
        running.callback(infrastructure.stop)
        settings = infrastructure.start(our_settings(work / "scaled" / "var"))
        settings = settings.replace(rasa_replicas=1, action_replicas=1)
        scaled = ScaledStack(settings, model, work / "scaled" / "logs")
        running.callback(embedded.stop)
        running.callback(scaled.stop)
        # One after the other: two Rasa servers loading a model at once on two cores take longer together.
        embedded.start(240)
        scaled.start(240)
        yield embedded, scaled, infrastructure


def _spread(scripts: list[Script], most: int) -> list[Script]:
    """At most ``most`` scripts, taken evenly over the list (which is ordered by scenario)."""
    if most <= 0 or len(scripts) <= most:
        return scripts
    return scripts[:: math.ceil(len(scripts) / most)]


def _qualify(embedded: Talker, scaled: Talker) -> None:
    """Both stacks have the same conversations: those each follows to the end, answered right."""
    embedded.qualify()
    scaled.scripts = list(embedded.scripts)
    scaled.qualify()
    kept = {s.name for s in scaled.scripts}
    embedded.scripts = [s for s in embedded.scripts if s.name in kept]


def compare_stacks(
    stacks: tuple[Measured, Measured], counts: dict[int, int], warmup: int
) -> dict[str, dict[int, ConversationsResult]]:
    """Each concurrency in halves ordered embedded, scaled, scaled, embedded; an untimed warm-up
    before each stack's first half."""
    results: dict[str, dict[int, ConversationsResult]] = {s.name: {} for s in stacks}
    first, second = stacks
    for concurrency, n in counts.items():
        halves: dict[str, list[ConversationsResult]] = {s.name: [] for s in stacks}
        for half, stack in enumerate((first, second, second, first)):
            talker = stack.talker
            if warmup and half < 2:
                run_conversations("warm-up", talker.webhook, talker.picked(warmup), concurrency, quiet=True)
            halves[stack.name].append(
                run_conversations(
                    f"{stack.name} stack", talker.webhook, talker.picked(n // 2), concurrency, stack.meter()
                )
            )
        for name, parts in halves.items():
            results[name][concurrency] = _merge(f"{name} stack", parts)
    return results


def _summary(result: ConversationsResult) -> dict[str, Any]:
    """What the report shows of one stack at one concurrency: turns/s, per-turn latency, errors, and
    CPU ms per turn of each process (and all together; PostgreSQL's also by database)."""
    s = result.summary()
    per_turn = {
        _role(name): round(ms * result.conversations / max(result.turns, 1), 2)
        for name, ms in result.cpu_ms_per_conversation.items()
    }
    by_database = {k.split(":", 1)[1]: per_turn.pop(k) for k in list(per_turn) if k.startswith("postgres:")}
    return {
        "conversations": s["conversations"],
        "turns": s["turns"],
        "wall_s": s["wall_s"],
        "turns_per_s": s["turns_per_s"],
        "p50_ms": s["p50_ms"],
        "p95_ms": s["p95_ms"],
        "p99_ms": s["p99_ms"],
        "errors": s["errors"],
        "error_examples": s["error_examples"],
        "cpu_ms_per_turn": per_turn,
        "cpu_ms_per_turn_total": round(sum(per_turn.values()), 2),
        **({"postgres_cpu_ms_per_turn_by_database": by_database} if by_database else {}),
        "latencies_ms": [round(x, 3) for turn in result.by_turn for x in turn],
    }


def run_scaled(
    model: Path,
    work: Path,
    counts: dict[int, int],
    warmup: int,
    most_scripts: int,
    registry_dir: Path = ROOT / "data" / "registry",
) -> dict[str, Any]:
    """Start both stacks, qualify the conversations (at most ``most_scripts`` of them), time them at
    each concurrency of ``counts`` (conversations), stop both; the results as the JSON keeps them."""
    with _stacks(model, work) as (embedded, scaled, infrastructure):
        # Started here (the settings name none), so they can be metered: a deployment's own are elsewhere.
        assert infrastructure.postgres is not None and infrastructure.redis is not None
        scripts = _spread(our_scripts(embedded.service("registry").url, registry_dir), most_scripts)
        stacks = (
            Measured(
                "embedded",
                Talker("embedded", embedded.service("rasa").url, scripts),
                [embedded.service(n) for n in ("rasa", "actions", "registry")],
                None,
            ),
            Measured(
                "scaled",
                Talker("scaled", f"http://127.0.0.1:{scaled.settings.rasa.port}", list(scripts)),
                [s for s in scaled.services if s.name != "web"] + [infrastructure.redis],
                postmaster_pid(infrastructure.postgres),
            ),
        )
        with stage("scaled stack: qualifying the conversations on both stacks"):
            _qualify(stacks[0].talker, stacks[1].talker)
        with stage(f"scaled stack against embedded at concurrency {', '.join(map(str, counts))}"):
            measured = compare_stacks(stacks, counts, warmup)
    runs = {name: {str(c): _summary(r) for c, r in by_c.items()} for name, by_c in measured.items()}
    return {
        "replicas": {"rasa": 1, "actions": 1},
        "conversations": len(stacks[1].talker.scripts),
        "turns_per_conversation": max(len(s.turns) for s in stacks[1].talker.scripts),
        "excluded": {m.name: m.talker.excluded for m in stacks},
        "runs": runs,
        "ratios": scaled_ratios(runs),
    }


def scaled_ratios(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Scaled over embedded at each concurrency: turns/s (higher is better), median and p99, and CPU
    per turn of all processes together (lower is better)."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    embedded, scaled = runs.get("embedded") or {}, runs.get("scaled") or {}
    return {
        c: {
            "turns_per_s": ratio(scaled[c]["turns_per_s"], embedded[c]["turns_per_s"]),
            "p50": ratio(scaled[c]["p50_ms"], embedded[c]["p50_ms"]),
            "p99": ratio(scaled[c]["p99_ms"], embedded[c]["p99_ms"]),
            "cpu": ratio(scaled[c]["cpu_ms_per_turn_total"], embedded[c]["cpu_ms_per_turn_total"]),
        }
        for c in embedded
        if c in scaled
    }
