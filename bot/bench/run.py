"""One benchmark run from start to end: train, serve, load, profile, identify, scale, report.

Everything a figure needs is started here on free ports and stopped after (never the
ports ``make run`` uses); nothing is read from a previous run, so anyone can repeat it.
The smoke plan does the same with a registry of the real size and a few requests, in
seconds, so the test suite can check that the harness runs and writes what it should.
``--parts`` runs some parts only (for working on one of them; the report says which ran).
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.bench import machine, report
from bot.bench.conversation import Bot, compare, our_probes, stock_probes
from bot.bench.footprint import peak_rss_mb, service_rss_mb
from bot.bench.identification import run_identification
from bot.bench.load import run_load
from bot.bench.multiturn import Talker, our_scripts, run_multiturn, stock_scripts
from bot.bench.profile import breakdown, sampling
from bot.bench.progress import stage
from bot.bench.registry_bench import run_registry_bench
from bot.bench.scaled import run_scaled
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
    # /model/parse requests per model, ours and today's, at one client (0: not measured).
    ident_requests: int = 0
    # Whole multi-turn conversations per concurrency, for each bot (bot/bench/multiturn.py).
    multiturn_counts: dict[int, int] = field(default_factory=dict)
    # Multi-turn conversations per concurrency on the embedded and the scaled stack (bot/bench/scaled.py),
    # and how many distinct ones are tried first on both (0: all).
    scaled_counts: dict[int, int] = field(default_factory=dict)
    scaled_scripts: int = 0

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
    ident_requests=1000,
    multiturn_counts={1: 100, 8: 200},
    scaled_counts={1: 100, 8: 200},
    scaled_scripts=60,
)
# Everything a full run does, with few requests: for trying the harness, not for the docs.
QUICK = Plan(
    name="quick",
    nlu_counts={1: 40, 8: 80},
    turn_counts={1: 40, 8: 80},
    warmup=8,
    profile_turns=40,
    registry_requests=100,
    ident_requests=100,
    multiturn_counts={1: 10, 8: 16},
    scaled_counts={1: 8, 8: 16},
    scaled_scripts=12,
)
SMOKE = Plan(name="smoke")
PLANS = {p.name: p for p in (FULL, QUICK, SMOKE)}
PARTS = ("conversation", "multiturn", "identification", "registry", "scaled")


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


def _conversation(
    plan: Plan,
    work: Path,
    results: dict[str, Any],
    reuse: bool = False,
    parts: tuple[str, ...] = PARTS,
) -> None:
    """Train both bots, serve both, then NLU, turns, profile and memory (part ``conversation``) and
    multi-turn conversations (part ``multiturn``), into ``results``.

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
        if "multiturn" in parts and plan.multiturn_counts:
            with stage("multi-turn conversations: ours and stock"):
                results["multiturn"] = run_multiturn(
                    Talker(
                        "ours", stack.service("rasa").url, our_scripts(stack.service("registry").url), served
                    ),
                    Talker("stock", stock.url, stock_scripts(stock_project), [stock]),
                    plan.multiturn_counts,
                    plan.warmup,
                )
        if "conversation" not in parts:
            return
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


def _our_model(work: Path, results: dict[str, Any], reuse: bool) -> Path:
    """Our model for identification: the one this run trained, the last run's (``reuse``),
    or one trained now (and its training reported, as the conversation part reports it)."""
    trained_now = "ours" in (results.get("footprint") or {}).get("training", {})
    if trained_now or reuse:
        return newest_model(work / "models")
    shutil.rmtree(work / "models", ignore_errors=True)
    trained = train_ours(work / "models", work / "logs" / "train-ours.log")
    if trained.returncode:
        raise RuntimeError(f"training our model failed; see {trained.log}")
    model = newest_model(work / "models")
    results.setdefault("footprint", {}).setdefault("training", {})["ours"] = _training(trained, model)
    return model


def _identification(plan: Plan, work: Path, results: dict[str, Any], reuse: bool = False) -> None:
    """``/model/parse`` of our model against today's 40-scenario model, and both servers' memory."""
    our_model = _our_model(work, results, reuse)
    results["identification"] = run_identification(work, our_model, plan.ident_requests, plan.warmup, reuse)
    training = results["identification"].get("training_today")
    if training:
        results.setdefault("footprint", {}).setdefault("training", {})["today"] = training


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


def run(
    plan: Plan, out: Path, work: Path, reuse: bool = False, parts: tuple[str, ...] = PARTS
) -> dict[str, Any]:
    """Measure everything the plan asks for (of ``parts``) and write the report under ``out``."""
    started = time.monotonic()
    # Nothing from an earlier run: no logs (Rasa's warnings are read from them), no databases.
    for scratch in ("logs", "var", "profile", "registry", "ident", "scaled"):
        shutil.rmtree(work / scratch, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    command = _command(plan) + ("" if set(parts) == set(PARTS) else f" --parts {','.join(parts)}")
    if plan.registry_factors != PLANS[plan.name].registry_factors:
        command += f" --registry-factors {','.join(map(str, plan.registry_factors))}"
    results: dict[str, Any] = {"run": machine.describe() | {"mode": plan.name, "command": command}}
    results["run"]["parts"] = list(parts)
    print(
        f"[bench] {plan.name} run on {results['run']['cpu']} ({results['run']['cores']} cores), "
        f"load average {results['run']['load_average_start']}",
        flush=True,
    )
    if plan.conversation and {"conversation", "multiturn"} & set(parts):
        _conversation(plan, work, results, reuse, parts)
    if plan.ident_requests and "identification" in parts:
        _identification(plan, work, results, reuse)
    if plan.scaled_counts and "scaled" in parts:
        with stage("scaled stack (1 Rasa + 1 action server) against the embedded stack"):
            results["scaled"] = run_scaled(
                _our_model(work, results, reuse),
                work / "scaled",
                plan.scaled_counts,
                plan.warmup,
                plan.scaled_scripts,
            )
    if "registry" in parts:
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
    multiturn = results.get("multiturn") or {}
    if multiturn.get("runs"):
        m = report.multiturn_ratios(multiturn)
        line += f"; multi-turn median ours/stock {m.get('1', {}).get('p50')} at 1 client"
    scaled = results.get("scaled") or {}
    if scaled.get("runs"):
        line += (
            f"; scaled/embedded turns/s {(scaled['ratios'].get('8') or {}).get('turns_per_s')} at 8 clients"
        )
    ident = results.get("identification") or {}
    if ident.get("nlu"):
        parse = report.ident_ratios(ident)
        line += f"; parse median ours/today's model {parse['p50']}, p99 {parse['p99']}"
    load_end = results["run"]["load_average_end"]
    return line + f"; load average {load_end[0]} at the end"


def _parts(text: str) -> tuple[str, ...]:
    import argparse

    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"parts are {', '.join(PARTS)}; not {', '.join(unknown) or text!r}")
    return parts


def _factors(text: str) -> tuple[int, ...]:
    import argparse

    try:
        factors = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers like 1,10,100; not {text!r}") from None
    if not factors or min(factors) < 1:
        raise argparse.ArgumentTypeError("sizes are 1 or more")
    return factors


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import argparse

    from bot.settings import ROOT

    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="a few seconds: the registry only, few requests")
    mode.add_argument("--quick", action="store_true", help="every part with few requests (about 10 minutes)")
    parser.add_argument(
        "--reuse-models",
        action="store_true",
        help="serve the models the last run left in the work directory instead of training (no training figures)",
    )
    parser.add_argument(
        "--out", type=Path, help="where benchmarks.md goes (default: docs/, or var/bench-smoke/)"
    )
    parser.add_argument("--work", type=Path, help="scratch directory (default: var/bench/)")
    parser.add_argument(
        "--parts",
        type=_parts,
        default=PARTS,
        help=f"comma-separated parts to run (default: all of {', '.join(PARTS)})",
    )
    parser.add_argument(
        "--registry-factors",
        type=_factors,
        help="registry sizes to measure, as multiples of the real one (e.g. 1,10; default: the plan's)",
    )
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL
    if args.registry_factors:
        plan = replace(plan, registry_factors=args.registry_factors)
    # Only a full run writes the docs; the others write under var/ unless told otherwise.
    out = args.out or (ROOT / "docs" if plan is FULL else ROOT / "var" / f"bench-{plan.name}")
    work = args.work or ROOT / "var" / ("bench" if plan is FULL else f"bench-{plan.name}-work")
    # A stop request (Ctrl-C, or SIGTERM from a CI timeout) unwinds like an error, so every
    # server the run started is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        run(plan, out.resolve(), work.resolve(), args.reuse_models, args.parts)
    except KeyboardInterrupt:
        print("[bench] interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0
