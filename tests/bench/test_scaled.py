"""The "scaled" part of the benchmark: the embedded stack and the scaled one (1 Rasa + 1 action server
behind nginx, PostgreSQL, Redis) started for real from one model, the same checked conversations had on
both at concurrency 1 and 8, and the figures landing in the report, its JSON and its targets."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.bench import report
from bot.bench.run import QUICK, run
from bot.bench.scaled import scaled_ratios

SCALED_PROCESSES = {"rasa", "actions", "registry", "postgres", "redis", "nginx"}


@pytest.fixture(scope="module")
def measured() -> Iterator[tuple[dict[str, Any], Path]]:
    """One small run of the part alone, serving the newest trained model (as ``--reuse-models`` does)."""
    from bot.nlu.cli import latest_model

    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    # Not under pytest's temporary directory: PostgreSQL (as ``postgres``) and nginx's workers (as
    # ``nobody``) must reach their directories (tests/scaled_stack.py).
    tmp = Path(tempfile.mkdtemp(prefix="onceonly-bench-scaled-"))
    (tmp / "work" / "models").mkdir(parents=True)
    (tmp / "work" / "models" / model.name).symlink_to(model)
    plan = replace(QUICK, warmup=0, scaled_counts={1: 2, 8: 8}, scaled_scripts=4)
    try:
        results = run(plan, tmp / "out", tmp / "work", reuse=True, parts=("scaled",))
        yield results, tmp / "out"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_both_stacks_have_the_same_checked_conversations_at_1_and_8_clients(
    measured: tuple[dict[str, Any], Path],
) -> None:
    scaled = measured[0]["scaled"]
    assert scaled["replicas"] == {"rasa": 1, "actions": 1} and scaled["conversations"] >= 1
    for stack in ("embedded", "scaled"):
        runs = scaled["runs"][stack]
        assert set(runs) == {"1", "8"}
        assert [runs[c]["conversations"] for c in ("1", "8")] == [2, 8]
        for run_ in runs.values():
            # A wrong reply ends its conversation (test_every_reply_was_right_on_both_stacks).
            assert (
                run_["conversations"]
                <= run_["turns"]
                <= run_["conversations"] * scaled["turns_per_conversation"]
            )
            assert 0 < run_["p50_ms"] <= run_["p99_ms"] and run_["turns_per_s"] > 0
            assert len(run_["latencies_ms"]) == run_["turns"]
    # CPU per turn of every process a turn passes through; PostgreSQL's backends are counted.
    assert set(scaled["runs"]["embedded"]["1"]["cpu_ms_per_turn"]) == {"rasa", "actions", "registry"}
    assert set(scaled["runs"]["scaled"]["1"]["cpu_ms_per_turn"]) == SCALED_PROCESSES
    assert sum(r["cpu_ms_per_turn"]["postgres"] for r in scaled["runs"]["scaled"].values()) > 0
    assert scaled["ratios"]["8"]["turns_per_s"] > 0


def test_every_reply_was_right_on_both_stacks(measured: tuple[dict[str, Any], Path]) -> None:
    scaled = measured[0]["scaled"]
    for stack in ("embedded", "scaled"):
        for run_ in scaled["runs"][stack].values():
            assert run_["errors"] == 0, run_["error_examples"]
            assert run_["turns"] == run_["conversations"] * scaled["turns_per_conversation"]


def test_the_figures_land_in_the_report_its_json_and_targets(measured: tuple[dict[str, Any], Path]) -> None:
    results, out = measured
    md = (out / "benchmarks.md").read_text(encoding="utf-8")
    assert "## Scaled stack per replica" in md and "| 8 | **scaled/embedded** |" in md
    assert "Where the difference goes" in md
    written = json.loads((out / "benchmarks" / "scaled.json").read_text(encoding="utf-8"))
    assert written["ratios"] == results["scaled"]["ratios"]
    targets = json.loads((out / "benchmarks" / "run.json").read_text(encoding="utf-8"))["targets"]
    verdicts = {t["target"]: t for t in targets}
    per_replica = next(t for name, t in verdicts.items() if name.startswith("scaled stack: turns/s"))
    assert per_replica["measured"] == results["scaled"]["ratios"]["8"]["turns_per_s"]
    assert per_replica["met"] is (per_replica["measured"] >= report.SCALED_TARGET)
    errors = sum(r["errors"] for stack in results["scaled"]["runs"].values() for r in stack.values())
    assert verdicts["scaled stack: errors (wrong answers included) = 0"]["met"] is (errors == 0)


def _stack(turns_per_s: float, p50: float, cpu: dict[str, float], errors: int = 0) -> dict[str, Any]:
    return {
        "conversations": 4,
        "turns": 16,
        "turns_per_s": turns_per_s,
        "p50_ms": p50,
        "p99_ms": p50 * 2,
        "errors": errors,
        "cpu_ms_per_turn": cpu,
        "cpu_ms_per_turn_total": round(sum(cpu.values()), 2),
    }


def test_the_section_shows_where_the_difference_goes_and_the_verdict() -> None:
    embedded = {"rasa": 60.0, "actions": 10.0, "registry": 15.0}
    scaled_cpu = {
        "rasa": 70.0,
        "actions": 10.0,
        "registry": 18.0,
        "postgres": 9.0,
        "redis": 1.0,
        "nginx": 2.0,
    }
    runs = {
        "embedded": {"1": _stack(20.0, 40.0, embedded), "8": _stack(25.0, 300.0, embedded)},
        "scaled": {"1": _stack(15.0, 55.0, scaled_cpu), "8": _stack(18.0, 420.0, scaled_cpu, errors=1)},
    }
    for run_ in runs["scaled"].values():
        run_["postgres_cpu_ms_per_turn_by_database"] = {"registry": 4.0, "rasa_tracker": 5.0}
    ratios = scaled_ratios(runs)
    assert ratios["1"] == {"turns_per_s": 0.75, "p50": 1.38, "p99": 1.38, "cpu": 1.29}
    scaled = {"conversations": 4, "turns_per_conversation": 4, "runs": runs, "ratios": ratios}
    verdicts = {t["target"]: t["met"] for t in report.scaled_targets(scaled)}
    assert verdicts["scaled stack: turns/s per replica at concurrency 8, scaled/embedded ≥ 0.8"] is False
    assert verdicts["scaled stack: errors (wrong answers included) = 0"] is False
    assert report.scaled_targets({})[0]["met"] is None
    lines = "\n".join(report._scaled_lines(scaled))
    assert "| 8 | **scaled/embedded** | | | **0.72** |" in lines
    assert (
        "scaled − embedded): +25 in all: rasa +10, postgres +9, registry +3, nginx +2, redis +1, actions +0"
        in lines
    )
    assert "PostgreSQL's by database (ms per turn): rasa_tracker 5, registry 4." in lines
    assert "Not measured" in report._scaled_lines({})[0]
