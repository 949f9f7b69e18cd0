"""`make bench-smoke` runs in seconds and writes well-formed results (no figure is checked: the
benchmark measures, it does not pass or fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.bench import report
from bot.registry.files import load_registry
from bot.settings import ROOT


def test_the_smoke_run_writes_the_report_its_json_and_figures(tmp_path: Path) -> None:
    out, work = tmp_path / "docs", tmp_path / "work"
    done = subprocess.run(
        [sys.executable, "-m", "bot.bench", "--smoke", "--out", str(out), "--work", str(work)],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].startswith("[bench] smoke run done in")

    run = json.loads((out / "benchmarks" / "run.json").read_text(encoding="utf-8"))
    assert run["mode"] == "smoke" and run["cores"] and len(run["load_average_start"]) == 3
    assert len(run["load_average_end"]) == 3 and run["date"]
    assert {t["target"] for t in run["targets"]} and all(
        t["met"] in (True, False, None) for t in run["targets"]
    )

    registry = json.loads((out / "benchmarks" / "registry.json").read_text(encoding="utf-8"))
    (measured,) = registry["runs"]
    real = load_registry(ROOT / "data" / "registry")
    assert measured["backend"] == "sqlite" and measured["factor"] == 1
    assert (measured["scenarios"], measured["matters"], measured["catalogue"]) == (
        len(real.scenarios),
        len(real.matters),
        len(real.catalogue),
    )
    assert measured["citizen_file_rows"] == 10_000 and measured["rss_mb"] > 0 and measured["load_s"] > 0
    (load,) = measured["loads"]
    assert load["errors"] == 0, load["error_examples"]
    # Checklists are asked for scenarios and matters alike, and reported apart.
    kinds = {"scenario", "matter"} if real.matters else {"scenario"}
    assert set(load["by_kind"]) == kinds == set(measured["data_path"]["by_kind"])
    assert sum(k["requests"] for k in load["by_kind"].values()) == load["requests"]
    assert len(load["latencies_ms"]) == load["requests"] > 0
    assert 0 < load["p50_ms"] <= load["p95_ms"] <= load["p99_ms"] <= load["max_ms"]
    assert measured["data_path"]["requests"] == load["requests"] and measured["data_path"]["p99_ms"] > 0

    assert (out / "benchmarks" / "registry_scale.png").read_bytes().startswith(b"\x89PNG")
    md = (out / "benchmarks.md").read_text(encoding="utf-8")
    assert report.BEGIN in md and report.END in md
    assert "Load average" in md and "POST /checklist" in md
    assert "Identification at the real size" in md and "Not measured in this run" in md


def test_a_new_report_keeps_what_people_wrote_outside_the_markers(tmp_path: Path) -> None:
    md = tmp_path / "benchmarks.md"
    md.write_text(
        f"# Benchmarks\n\nmethod notes\n\n{report.BEGIN}\nold figures\n{report.END}\n\n## Reading\n\nwhy\n"
    )
    run = {
        "date": "2026-01-01T00:00:00+00:00",
        "mode": "smoke",
        "duration_s": 1.0,
        "command": "make bench-smoke",
        "cpu": "cpu",
        "cores": 2,
        "memory_gb": 1.0,
        "os": "Linux",
        "python": "3.10",
        "packages": {"rasa": "3.6.21", "rasa-sdk": "3.6.2"},
        "load_average_start": [1.0, 1.0, 1.0],
        "load_average_end": [2.0, 2.0, 2.0],
    }
    report.write({"run": run}, tmp_path)
    text = md.read_text(encoding="utf-8")
    assert "method notes" in text and "## Reading\n\nwhy" in text
    assert "old figures" not in text and "2.0, 2.0, 2.0" in text


def _load(p50: float, p99: float, requests: int = 100) -> dict:
    return {
        "concurrency": 1,
        "requests": requests,
        "throughput_rps": 50.0,
        "p50_ms": p50,
        "p95_ms": p99,
        "p99_ms": p99,
        "errors": 0,
        "cpu_ms_per_request": {"ours": 5.0},
    }


def test_the_report_compares_parses_with_todays_model_and_checklists_across_sizes(tmp_path: Path) -> None:
    """Figures made up for the test: the verdicts and sentences are computed from them."""
    run = {
        "date": "2026-01-01T00:00:00+00:00",
        "mode": "quick",
        "duration_s": 1.0,
        "command": "python -m bot.bench --quick",
        "cpu": "cpu",
        "cores": 2,
        "memory_gb": 1.0,
        "os": "Linux",
        "python": "3.10",
        "packages": {"rasa": "3.6.21", "rasa-sdk": "3.6.2"},
        "load_average_start": [1.0, 1.0, 1.0],
        "load_average_end": [1.0, 1.0, 1.0],
    }
    identification = {
        "requests_per_model": 100,
        "concurrency": 1,
        "messages": 90,
        "today": {"commit": "abc", "how": "the project at commit abc", "model": "t.tar.gz", "model_mb": 20.0},
        "ours": {
            "model": "o.tar.gz",
            "model_mb": 30.0,
            "entries_ranked": {"scenarios": 52, "matters": 328, "catalogue_only": 2807, "total": 3187},
        },
        "nlu": {"ours": {"1": _load(9.0, 30.0)}, "today": {"1": _load(6.0, 10.0)}},
        "rss_mb": {"ours": 900.0, "today": 800.0},
        "peak_rss_mb": {"ours": 950.0, "today": 820.0},
    }
    size = {"scenarios": 52, "matters": 328, "catalogue": 3135, "materials": 1090, "requirements": 1769}
    runs = [
        {
            "backend": "sqlite",
            "factor": factor,
            **{k: v * factor for k, v in size.items()},
            "citizen_file_rows": 10_000 * factor,
            "load_s": 1.0 * factor,
            "startup_s": 2.0 * factor,
            "rss_mb": 100.0,
            "peak_rss_mb": 120.0,
            "loads": [
                _load(2.0, 4.0) | {"by_kind": {"matter": _load(2.0, 4.0), "scenario": _load(2.0, 4.0)}}
            ],
            "data_path": _load(p50, 2.0) | {"by_kind": {"matter": _load(p50, 2.0)}},
        }
        for factor, p50 in ((1, 1.0), (10, 1.2))
    ]
    results = {
        "run": run,
        "identification": identification,
        "registry": {"runs": runs, "skipped": {}},
        "footprint": {"training": {"ours": {"seconds": 150.0}, "today": {"seconds": 90.0}}},
    }
    report.write(results, tmp_path)
    verdicts = {t["target"]: (t["measured"], t["met"]) for t in results["run"]["targets"]}
    assert verdicts["/model/parse p50 at the real size, ours/today's model ≤ 2 (one client)"] == (1.5, True)
    assert verdicts["/model/parse p99 at the real size, ours/today's model ≤ 2 (one client)"] == (3.0, False)
    growth = "checklist path does not grow: data-path median at 10× / at 1× on sqlite ≤ 1.5"
    assert verdicts[growth] == (1.2, True)
    assert verdicts["full training ≤ 3 min"] == ("150 s", True)
    assert verdicts["Rasa server RSS ≤ 1.2 GB (parse-only server)"] == ("900 MB", True)
    md = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "Ours takes 1.5 times today's median" in md and "3,187 entries" in md
    assert "| sqlite | 10× | 520 | 3,280 | 31,350 |" in md
    assert json.loads((tmp_path / "benchmarks" / "identification.json").read_text())["messages"] == 90


def test_a_ratio_with_nothing_to_compare_against_is_not_measured_rather_than_a_crash() -> None:
    """A stock bot that answered nothing at some concurrency: its ratio is None, and so is the verdict."""

    def bot(throughput: float) -> dict:
        return {c: _load(10.0, 20.0) | {"throughput_rps": throughput} for c in ("1", "4")}

    conversation = {"turn": {"ours": bot(40.0), "stock": bot(0.0)}, "nlu": {"ours": {}, "stock": {}}}
    verdicts = {
        t["target"]: (t["measured"], t["met"]) for t in report.targets({"conversation": conversation})
    }
    assert verdicts["whole turn median at concurrency 1, ours/stock ≤ 1.0"] == (1.0, True)
    assert verdicts["turn throughput at concurrency 4, ours/stock ≥ 1.0"] == (None, None)
