"""`make bench-smoke` runs in seconds and writes well-formed results (no figure is checked: the
benchmark measures, it does not pass or fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.bench import report
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
    assert measured["backend"] == "sqlite" and measured["scenarios"] == 40
    assert measured["citizen_file_rows"] == 10_000 and measured["rss_mb"] > 0
    (load,) = measured["loads"]
    assert load["errors"] == 0, load["error_examples"]
    assert len(load["latencies_ms"]) == load["requests"] > 0
    assert 0 < load["p50_ms"] <= load["p95_ms"] <= load["p99_ms"] <= load["max_ms"]
    assert measured["data_path"]["requests"] == load["requests"] and measured["data_path"]["p99_ms"] > 0

    assert (out / "benchmarks" / "registry_scale.png").read_bytes().startswith(b"\x89PNG")
    md = (out / "benchmarks.md").read_text(encoding="utf-8")
    assert report.BEGIN in md and report.END in md
    assert "Load average" in md and "POST /checklist" in md


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
