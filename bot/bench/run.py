"""One benchmark run from start to end: train, serve, load, profile, scale, write the report.

Everything a figure needs is started here on free ports and stopped after (never the
ports ``make run`` uses); nothing is read from a previous run, so anyone can repeat it.
The smoke plan does the same with a registry of the real size and a few requests, in
seconds, so the test suite can check that the harness runs and writes what it should.
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.bench import machine, report
from bot.bench.conversation import Bot, compare, our_probes, stock_probes
from bot.bench.footprint import peak_rss_mb, service_rss_mb
from bot.bench.load import run_load
from bot.bench.profile import breakdown, sampling
from bot.bench.progress import stage
from bot.bench.registry_bench import run_registry_bench
from bot.bench.servers import (
    Timed,
    check_configuration,
    init_stock,
    newest_model,
    our_settings,
    stock_server,
    train_ours,
)
from bot.ops.stack import Stack


@dataclass(frozen=True)
class Plan:
    """How much to measure: request counts per concurrency, registry sizes and databases."""

    name: str
    nlu_counts: dict[int, int] = field(default_factory=dict)
    turn_counts: dict[int, int] = field(default_factory=dict)
    warmup: int = 20
    profile_turns: int = 0
    registry_factors: tuple[int, ...] = (1,)
    registry_backends: tuple[str, ...] = ("sqlite",)
    registry_requests: int = 60
    registry_concurrencies: tuple[int, ...] = (1,)

    @property
    def conversation(self) -> bool:
        return bool(self.turn_counts)


FULL = Plan(
    name="full",
    nlu_counts={1: 400, 8: 800, 32: 1600},
    turn_counts={1: 400, 8: 800, 32: 1200},
    warmup=20,
    profile_turns=200,
    registry_factors=(1, 10, 100),
    registry_backends=("sqlite", "postgresql"),
    registry_requests=1000,
    registry_concurrencies=(1, 8),
)
# Everything a full run does, with few requests: for trying the harness, not for the docs.
QUICK = Plan(
    name="quick",
    nlu_counts={1: 40, 8: 80},
    turn_counts={1: 40, 8: 80},
    warmup=8,
    profile_turns=40,
    registry_requests=100,
)
SMOKE = Plan(name="smoke")


def _model_mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def _training(timed: Timed, model: Path) -> dict[str, Any]:
    return {
        "seconds": round(timed.seconds, 1),
        "cpu_seconds": round(timed.cpu_seconds, 1),
        "model": model.name,
        "model_mb": _model_mb(model),
    }


def _train_both(work: Path, results: dict[str, Any]) -> tuple[Path, Path, Path]:
    """Train our model and create the stock bot afresh: (our model, stock project, stock model)."""
    ours_models, stock_project = work / "models", work / "stock"
    shutil.rmtree(ours_models, ignore_errors=True)
    shutil.rmtree(stock_project, ignore_errors=True)
    trained = train_ours(ours_models, work / "logs" / "train-ours.log")
    if trained.returncode:
        raise RuntimeError(f"training our model failed; see {trained.log}")
    initialised = init_stock(stock_project, work / "logs" / "init-stock.log")
    if initialised.returncode:
        raise RuntimeError(f"rasa init failed; see {initialised.log}")
    our_model, stock_model = newest_model(ours_models), newest_model(stock_project / "models")
    results.setdefault("footprint", {})["training"] = {
        "ours": _training(trained, our_model),
        "stock": _training(initialised, stock_model),
    }
    return our_model, stock_project, stock_model


def _conversation(plan: Plan, work: Path, results: dict[str, Any], reuse: bool = False) -> None:
    """Train both bots, serve both, then NLU, turns, profile and memory, into ``results``.

    ``reuse`` (for working on the harness) serves the models a previous run left in ``work``
    instead of training, and reports no training figures.
    """
    if reuse:
        our_model, stock_project = newest_model(work / "models"), work / "stock"
        stock_model = newest_model(stock_project / "models")
    else:
        our_model, stock_project, stock_model = _train_both(work, results)
    footprint = results.setdefault("footprint", {})

    stack = Stack(our_settings(work / "var"), our_model, work / "logs")
    stock = stock_server(stock_project, stock_model, work / "logs")
    with stage("starting our stack and the stock bot"):
        stock.start()
        try:
            stack.start()
            stock.wait_ready(240)
        except Exception:
            stock.stop()
            raise
    try:
        check_configuration(stack.service("rasa"))
        served = [stack.service(n) for n in ("rasa", "actions", "registry")]
        ours = Bot("ours", stack.service("rasa").url, our_probes(stack.service("registry").url), served)
        baseline = Bot("stock", stock.url, stock_probes(stock_project), [stock])
        with stage("trying every message once (warm-up)"):
            ours.qualify()
            baseline.qualify()
        runs: dict[str, Any] = {}
        for kind, counts in (("nlu", plan.nlu_counts), ("turn", plan.turn_counts)):
            with stage(f"{kind}: ours and stock at concurrency {', '.join(map(str, counts))}"):
                measured = compare(ours, baseline, kind, counts, plan.warmup)
            runs[kind] = {
                bot: {str(c): r.to_json() for c, r in by_c.items()} for bot, by_c in measured.items()
            }
        results["conversation"] = {
            "bots": {
                bot.name: {"model": model.name, "messages": len(bot.probes), "excluded": bot.excluded}
                for bot, model in ((ours, our_model), (baseline, stock_model))
            },
            **runs,
        }
        footprint["rss_mb_after_load"] = {
            "ours": {s.name: service_rss_mb(s) for s in stack.services},
            "stock": {"rasa": service_rss_mb(stock)},
        }
        footprint["peak_rss_mb"] = {
            "ours": {s.name: peak_rss_mb(s) for s in stack.services},
            "stock": {"rasa": peak_rss_mb(stock)},
        }
        if plan.profile_turns:
            results["profile"] = _profile(plan, work, [ours, baseline], runs["turn"])
    finally:
        stack.stop()
        stock.stop()


def _profile(plan: Plan, work: Path, bots: list[Bot], turns: dict[str, Any]) -> dict[str, Any]:
    """py-spy's proportions for each bot's servers, applied to the CPU time per turn of the timed
    run at concurrency 1 (``turns``: the turn results by bot and concurrency)."""
    out: dict[str, Any] = {}
    for bot in bots:
        what = f"profiling {plan.profile_turns} turns of {bot.name} with py-spy"
        with stage(what), sampling(bot.services, work / "profile" / bot.name) as outputs:
            result = run_load(f"profile {bot.name}", bot.calls("turn", plan.profile_turns, "prof"), 1)
        cpu = turns[bot.name]["1"]["cpu_ms_per_request"]
        out[bot.name] = breakdown(outputs, plan.profile_turns, cpu) | {"sampled_latency": result.summary()}
    return out


def run(plan: Plan, out: Path, work: Path, reuse: bool = False) -> dict[str, Any]:
    """Measure everything the plan asks for and write the report under ``out``."""
    started = time.monotonic()
    # Nothing from an earlier run: no logs (Rasa's warnings are read from them), no databases.
    for scratch in ("logs", "var", "profile", "registry"):
        shutil.rmtree(work / scratch, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"run": machine.describe() | {"mode": plan.name, "command": _command(plan)}}
    print(
        f"[bench] {plan.name} run on {results['run']['cpu']} ({results['run']['cores']} cores), "
        f"load average {results['run']['load_average_start']}",
        flush=True,
    )
    if plan.conversation:
        _conversation(plan, work, results, reuse)
    with stage("registry scale"):
        results["registry"] = run_registry_bench(
            work / "registry",
            plan.registry_factors,
            plan.registry_backends,
            plan.registry_requests,
            plan.registry_concurrencies,
        )
    results["run"]["load_average_end"] = machine.load_average()
    results["run"]["duration_s"] = round(time.monotonic() - started, 1)
    md = report.write(results, out)
    print(f"[bench] {summary_line(results)} → {md}", flush=True)
    return results


def _command(plan: Plan) -> str:
    commands = {"full": "make bench", "smoke": "make bench-smoke"}
    return commands.get(plan.name, f"python -m bot.bench --{plan.name}")


def summary_line(results: dict[str, Any]) -> str:
    """The run in one line: targets met, the headline ratios, how long it took."""
    targets = results["run"]["targets"]
    measured = [t for t in targets if t["met"] is not None]
    line = f"{results['run']['mode']} run done in {results['run']['duration_s']:.0f}s: "
    line += f"{sum(t['met'] for t in measured)}/{len(measured)} targets met"
    conv = results.get("conversation") or {}
    if conv.get("turn"):
        r = report.ratios(conv, "turn")
        line += f"; turn median ours/stock {r['1']['p50']} at 1 client"
        line += "".join(f", throughput ratio {v['throughput']} at {c}" for c, v in r.items() if c != "1")
    load_end = results["run"]["load_average_end"]
    return line + f"; load average {load_end[0]} at the end"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import argparse

    from bot.settings import ROOT

    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="a few seconds: the registry only, few requests")
    mode.add_argument("--quick", action="store_true", help="every part with few requests (about 6 minutes)")
    parser.add_argument(
        "--reuse-models",
        action="store_true",
        help="serve the models the last run left in the work directory instead of training (no training figures)",
    )
    parser.add_argument(
        "--out", type=Path, help="where benchmarks.md goes (default: docs/, or var/bench-smoke/)"
    )
    parser.add_argument("--work", type=Path, help="scratch directory (default: var/bench/)")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL
    # Only a full run writes the docs; the others write under var/ unless told otherwise.
    out = args.out or (ROOT / "docs" if plan is FULL else ROOT / "var" / f"bench-{plan.name}")
    work = args.work or ROOT / "var" / ("bench" if plan is FULL else f"bench-{plan.name}-work")
    # A stop request (Ctrl-C, or SIGTERM from a CI timeout) unwinds like an error, so every
    # server the run started is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        run(plan, out, work, args.reuse_models)
    except KeyboardInterrupt:
        print("[bench] interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0
