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
        assert {"text", "scenario", "matter", "confidence", "candidates"} <= set(r)
        assert {"decision", "entry", "intent", "families"} <= set(r)
        assert 0 <= r["confidence"] <= 1 and len(r["candidates"]) <= 3
        for c in r["candidates"]:
            assert set(c) == {"id", "kind", "name", "confidence"}
            known = {
                "scenario": registry.scenarios,
                "matter": registry.matters,
                "catalogue": registry.catalogue,
            }
            assert c["id"] in known[c["kind"]]
    assert results[1]["intent"] == "greet" and results[1]["matter"] is None


def test_a_matter_by_its_id_and_a_catalogue_entry_by_its_service_id(registry):
    lines = [
        {"text": "驾照丢了怎么补"},
        {"text": "拖拉机和联合收割机驾驶证补领登记"},
        {"text": "今天天气怎么样"},
    ]
    out = identify("--jsonl", "-", stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert out.returncode == 0, out.stderr[-2000:]
    matter, catalogue, weather = [json.loads(line) for line in out.stdout.splitlines()]
    assert (matter["scenario"], matter["matter"]) == (None, "driving_licence_reissue_renewal")
    assert catalogue["matter"] in registry.catalogue and catalogue["scenario"] is None
    assert (weather["scenario"], weather["matter"], weather["decision"]) == (None, None, "none")


def test_single_text_and_bad_input():
    out = identify("公司不想干了，要注销")
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)["scenario"] == "enterprise_deregistration"
    bad = identify("--jsonl", "-", stdin='{"text": 5}\n')
    assert bad.returncode != 0 and "line 1" in bad.stderr
