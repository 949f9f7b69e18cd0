"""``make load``: a bounded load test on loopback, one Rasa replica against two, every reply checked.

Each virtual user holds whole conversations (bot/scale/script.py: life event →
situation answer with the registry's checklist card → two follow-ups), one turn
after the other, for a fixed time; turns of different users run side by side.
Every reply is checked against the registry; a wrong answer counts as an error
like a failed request. The same scaled stack (PostgreSQL, Redis, nginx) runs with
1 Rasa server + 1 action server, then with 2 + 2, at each concurrency.

Figures (turns/s, p50/p95/p99, errors, the machine's load average before and after)
go to ``docs/scale/load.md``, ``load.json`` and ``load.png``. They are measurements
on a shared 2-core machine, not pass/fail criteria; the tests only run the small mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.bench.load import LoadResult
from bot.bench.machine import describe, load_average
from bot.scale.script import Conversation, Registry, newborn
from bot.settings import ROOT

OUT = ROOT / "docs" / "scale"
REGISTRY_TOKEN = "load-registry-token"


@dataclass(frozen=True)
class Plan:
    """How hard and how long: the concurrency levels and seconds of load at each."""

    concurrency: tuple[int, ...]
    seconds: float
    warmup_seconds: float


FULL = Plan(concurrency=(4, 12), seconds=60.0, warmup_seconds=10.0)
SMALL = Plan(concurrency=(2,), seconds=6.0, warmup_seconds=0.0)


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    registry: Registry,
    user: int,
    deadline: float,
    result: LoadResult,
) -> None:
    n = 0
    while time.monotonic() < deadline:
        conversation: Conversation = newborn(registry, f"load-u{user}-c{n}", variant=user + n)
        n += 1
        for turn in conversation.turns:
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            problem: str | None
            try:
                async with session.post(
                    url,
                    json={"sender": conversation.sender, "message": turn.text},
                    timeout=aiohttp.ClientTimeout(total=90),
                ) as response:
                    if response.status == 200:
                        problem = turn.check(await response.json(content_type=None))
                    else:
                        problem = f"http {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                problem = f"http {type(exc).__name__}"
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if problem is not None:
                kind = problem.split(":")[0]
                result.errors[kind] = result.errors.get(kind, 0) + 1
                if len(result.error_examples) < 3:
                    result.error_examples.append(problem[:160])
                break  # a conversation that went wrong is not continued


async def _drive(url: str, registry: Registry, users: int, seconds: float, label: str) -> LoadResult:
    result = LoadResult(label, users, 0, 0.0, [])
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(_user(session, url, registry, u, deadline, result) for u in range(users)))
        result.wall_s = time.monotonic() - started
    result.requests = len(result.latencies_ms)
    return result


def measure(rasa_url: str, registry: Registry, users: int, seconds: float, label: str) -> dict[str, Any]:
    """``users`` users for ``seconds`` against ``rasa_url``: the figures of that run."""
    registry.expected("newborn", {"parents_ethnicity": "same"})  # asked before the clock starts
    registry.expected("newborn", {"parents_ethnicity": "different"})
    before = load_average()
    result = asyncio.run(_drive(rasa_url + "/webhooks/rest/webhook", registry, users, seconds, label))
    summary = result.summary()
    summary["turns_per_s"] = summary.pop("throughput_rps")
    summary["turns"] = summary.pop("requests")
    summary |= {"load_average_before": before, "load_average_after": load_average()}
    print(
        f"[load] {label:<24} users {users:<3} {summary['turns']:>5} turns  {summary['turns_per_s'] or 0:6.2f}/s  "
        f"p50 {summary['p50_ms'] or 0:7.0f} ms  p99 {summary['p99_ms'] or 0:7.0f} ms  errors {summary['errors']}",
        flush=True,
    )
    return summary


def run_configuration(replicas: int, plan: Plan, work: Path) -> list[dict[str, Any]]:
    """Start the scaled stack with ``replicas`` Rasa and action servers, load it, stop it."""
    from bot.nlu.cli import latest_model
    from bot.ops.scaled import Infrastructure, ScaledStack
    from bot.ops.stack import settings_on_free_ports

    model = latest_model()
    if model is None:
        raise SystemExit("no trained model: run 'python -m bot train'")
    infrastructure = Infrastructure(work / f"r{replicas}" / "infra")
    settings = settings_on_free_ports(work / f"r{replicas}" / "var", registry_token=REGISTRY_TOKEN)
    settings = infrastructure.start(settings).replace(rasa_replicas=replicas, action_replicas=replicas)
    stack = ScaledStack(settings, model, work / f"r{replicas}" / "logs")
    print(
        f"[load] starting {replicas} Rasa server(s) and {replicas} action server(s) behind nginx …",
        flush=True,
    )
    try:
        stack.start()
        url = f"http://127.0.0.1:{settings.rasa.port}"
        registry = Registry(stack.service("registry").url, REGISTRY_TOKEN)
        label = f"{replicas} replica{'s' if replicas > 1 else ''}"
        if plan.warmup_seconds:
            measure(url, registry, max(plan.concurrency), plan.warmup_seconds, label + " (warm-up)")
        return [
            measure(url, registry, users, plan.seconds, label) | {"replicas": replicas}
            for users in plan.concurrency
        ]
    finally:
        stack.stop()
        infrastructure.stop()


def chart(runs: list[dict[str, Any]], path: Path) -> None:
    """Turns per second and p50/p99 latency against concurrency, one line per replica count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for replicas in sorted({r["replicas"] for r in runs}):
        mine = sorted((r for r in runs if r["replicas"] == replicas), key=lambda r: r["concurrency"])
        users = [r["concurrency"] for r in mine]
        name = f"{replicas} Rasa + {replicas} action server{'s' if replicas > 1 else ''}"
        left.plot(users, [r["turns_per_s"] for r in mine], marker="o", label=name)
        right.plot(users, [r["p50_ms"] for r in mine], marker="o", label=f"p50, {name}")
        right.plot(users, [r["p99_ms"] for r in mine], marker="x", linestyle="--", label=f"p99, {name}")
    left.set(title="Throughput (checked turns/s)", xlabel="concurrent conversations", ylabel="turns/s")
    right.set(title="Latency of a turn", xlabel="concurrent conversations", ylabel="ms")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(machine: dict[str, Any], plan: Plan, runs: list[dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(
        json.dumps({"machine": machine, "plan": plan.__dict__, "runs": runs}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    chart(runs, out / "load.png")
    rows = "\n".join(
        f"| {r['replicas']} + {r['replicas']} | {r['concurrency']} | {r['turns']} | {r['turns_per_s']} | "
        f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} | "
        f"{r['load_average_before'][0]} → {r['load_average_after'][0]} |"
        for r in runs
        if r["p50_ms"] is not None
    )
    (out / "load.md").write_text(
        f"""# Load test: one replica against two

Generated by `make load` (`python -m bot.scale.load`) on {machine["date"]}; do not edit by hand.

Each concurrent conversation is a person who says a life event (我老婆刚生了孩子…), answers
the situation question, gets the checklist card and asks two follow-ups, then starts again, for
{plan.seconds:.0f} s at each concurrency after a {plan.warmup_seconds:.0f} s warm-up. **Every reply is
checked** (the card must list exactly the registry's materials); a wrong or missing answer is an
error like a failed request, and ends that conversation. Everything runs on loopback on this
machine: the scaled stack (PostgreSQL, Redis, nginx) with N Rasa servers and N action servers.

Machine: {machine["cpu"]}, {machine["cores"]} cores, {machine["memory_gb"]} GB, {machine["os"]},
Python {machine["python"]}, Rasa {machine["packages"].get("rasa")}. The machine is shared with other
engineers' servers and tests: the load average (1 min) before and after each run is in the table,
and every absolute figure moves with it.

| Rasa + action servers | concurrent conversations | turns | turns/s | p50 ms | p95 ms | p99 ms | errors | load avg |
|---|---|---|---|---|---|---|---|---|
{rows}

![throughput and latency, one replica against two](load.png)

Raw figures: [load.json](load.json). What they mean for a deployment: [kubernetes.md](kubernetes.md).
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.scale.load", description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few seconds at 2 users (what the tests run)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the report goes (default docs/scale)")
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    machine = describe()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="onceonly-load-") as work:
        for replicas in (1, 2):
            runs += run_configuration(replicas, plan, Path(work))
    report(machine, plan, runs, args.out)
    print(f"[load] report: {args.out / 'load.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
