"""The load test's small mode against the scaled stack: it runs, checks every reply, writes its report."""

from __future__ import annotations

import json

from bot.bench.machine import describe
from bot.scale.load import SMALL, measure, report
from tests.scaled_stack import Scaled


def test_the_small_load_run_checks_every_reply_and_writes_the_report(scaled: Scaled, tmp_path):
    run = measure(scaled.url, scaled.registry(), users=2, seconds=SMALL.seconds, label="2 replicas")
    assert run["turns"] > 0 and run["errors"] == 0, run["error_examples"]
    report(describe(), SMALL, [run | {"replicas": 2}], tmp_path)
    assert json.loads((tmp_path / "load.json").read_text())["runs"][0]["turns"] == run["turns"]
    assert "| 2 + 2 | 2 |" in (tmp_path / "load.md").read_text()
    assert (tmp_path / "load.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
