"""`python -m bot identify`: the trained model in-process, one JSON line per input, in order."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.settings import ROOT


def identify(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "identify", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_jsonl_in_order_with_null_for_what_is_not_ours(registry):
    lines = [
        {"text": "我老婆刚生了孩子，要办些什么手续"},
        {"text": "你好"},
        {"text": "孩子要上小学了，要准备什么", "id": 7},
    ]
    out = identify("--jsonl", "-", stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert out.returncode == 0, out.stderr[-2000:]
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in results] == [x["text"] for x in lines]
    assert [r["scenario"] for r in results] == ["newborn", None, "school_enrollment"]
    for r in results:
        assert set(r) == {"text", "scenario", "confidence", "intent", "ranking"}
        assert 0 <= r["confidence"] <= 1 and len(r["ranking"]) <= 3
        assert all(x["scenario"] in registry.scenarios for x in r["ranking"])
    assert results[1]["intent"] == "greet"


def test_single_text_and_bad_input():
    out = identify("公司不想干了，要注销")
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)["scenario"] == "enterprise_deregistration"
    bad = identify("--jsonl", "-", stdin='{"text": 5}\n')
    assert bad.returncode != 0 and "line 1" in bad.stderr
