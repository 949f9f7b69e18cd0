"""``make eval``'s metrics and its baseline, on inputs small enough to check by hand."""

from __future__ import annotations

import json
import math

import pytest

from bot.nlu import eval_metrics as em
from bot.nlu.baseline import BM25, Entry, bigrams, entries_from_seed, null_threshold, predict
from bot.nlu.eval_report import family_of
from bot.nlu.evaluate import main


def test_bigrams_within_runs_of_letters_and_cjk():
    assert bigrams("办 身份证!") == ["办", "身份", "份证"]
    assert bigrams("ID card") == ["id", "ca", "ar", "rd"]
    assert bigrams("ＡＢ，") == ["ab"]  # NFKC: full-width letters and comma
    assert bigrams("？！") == []


def test_bm25_scores_by_hand():
    index = BM25(["d0", "d1", "d2"], ["甲乙", "甲乙甲乙", "丙丁"])
    # d0: {甲乙:1} (1 bigram); d1: {甲乙:2, 乙甲:1} (3); d2: {丙丁:1} (1): avgdl 5/3.
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    d0 = idf * 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 / (5 / 3)))
    d1 = idf * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / (5 / 3)))
    scores = index.scores("甲乙")
    assert scores[0] == pytest.approx(d0) and scores[1] == pytest.approx(d1) and scores[2] == 0
    # A repeated query bigram counts once; unseen bigrams add nothing.
    assert index.scores("甲乙，甲乙戊") == pytest.approx(scores)
    # The shorter document wins: one 甲乙 in one bigram beats two in three.
    assert index.rank("甲乙") == [("d0", pytest.approx(d0)), ("d1", pytest.approx(d1))]
    assert index.rank("天气") == []


def test_null_threshold_uses_only_the_rate():
    assert null_threshold([4.0, 1.0, 3.0, 2.0], 0.25) == 1.5
    assert null_threshold([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert null_threshold([4.0, 1.0], 0.0) == 0.0
    assert null_threshold([4.0, 1.0], 1.0) > 4.0
    assert null_threshold([], 0.3) == 0.0


def test_baseline_predictions_have_the_identify_shape():
    index = BM25(["newborn", "m1", "c1"], ["新生儿出生一件事", "失业保险金申领", "彩票发行审批"])
    kinds = {"newborn": "scenario", "m1": "matter", "c1": "catalogue"}
    out, threshold = predict(index, ["失业保险金怎么领", "新生儿出生", "你好"], 1 / 3, kinds)
    assert threshold > 0
    assert [r["decision"] for r in out] == ["identified", "identified", "none"]
    assert out[0]["matter"] == "m1" and out[0]["scenario"] is None
    assert out[1]["scenario"] == "newborn" and out[1]["matter"] is None
    assert out[2]["matter"] is None and out[2]["scenario"] is None
    assert [c["id"] for c in out[0]["candidates"]][:1] == ["m1"]
    assert em.to_prediction(out[0]) == em.Prediction("identified", "m1", ("m1",), out[0]["confidence"])


def cand(*ids: str) -> list[dict]:
    return [{"id": i, "kind": "matter", "name": i, "confidence": 0.1} for i in ids]


def test_to_prediction_follows_the_decision():
    p = em.to_prediction(
        {"decision": "identified", "scenario": None, "matter": "m1", "candidates": cand("m1", "m2")}
    )
    assert (p.top1, p.top3) == ("m1", ("m1", "m2"))
    p = em.to_prediction(
        {"decision": "clarify", "scenario": None, "matter": None, "candidates": cand("m2", "m1", "m3", "m4")}
    )
    assert (p.top1, p.top3) == ("m2", ("m2", "m1", "m3"))
    p = em.to_prediction({"decision": "clarify", "scenario": None, "matter": None, "entry": {"id": "m5"}})
    assert (p.top1, p.top3) == ("m5", ("m5",))
    p = em.to_prediction({"decision": "identified", "scenario": None, "matter": None, "entry": {"id": "c1"}})
    assert (p.top1, p.top3) == ("c1", ("c1",))
    for decision in ("vague", "none"):
        p = em.to_prediction(
            {"decision": decision, "scenario": None, "matter": None, "candidates": cand("m1")}
        )
        assert (p.top1, p.top3) == (None, ())
    # The previous CLI's output: no decision, a scenario ranking.
    p = em.to_prediction(
        {"scenario": "newborn", "confidence": 0.9, "ranking": [{"scenario": "newborn"}, {"scenario": "x"}]}
    )
    assert (p.decision, p.top1, p.top3, p.confidence) == ("identified", "newborn", ("newborn", "x"), 0.9)
    assert em.to_prediction({"scenario": None, "ranking": [{"scenario": "x"}]}).decision == "none"
    with pytest.raises(ValueError):
        em.to_prediction({"decision": "maybe"})


def test_reading_both_sets():
    rows = [
        {"text": "a", "scenario": "newborn", "kind": "colloquial"},
        {"text": "b", "scenario": None, "kind": "unsupported", "matter": "passport", "matter_kind": "matter"},
        {"text": "c", "scenario": None, "kind": "chitchat"},
    ]
    a, b, c = em.scenario_items(rows)
    assert (a.gold, a.gold_kind, a.set) == ("newborn", "scenario", em.SCENARIO_SET)
    assert (b.gold, b.gold_kind) == ("passport", "matter")
    assert (c.gold, c.gold_kind, c.covered) == (None, None, False)
    rows = [
        {"text": "d", "id": "m1", "entry_kind": "matter", "also": ["m2"], "kind": "typo"},
        {"text": "e", "id": None, "entry_kind": None, "also": [], "kind": "unsupported"},
        {"text": "f", "expected": {"kind": "catalogue", "id": "s1"}, "kind_of_message": "official"},
        {"text": "g", "expected": None, "kind_of_message": "unsupported"},
    ]
    d, e, f, g = em.matter_items(rows)
    assert (d.gold, d.also, d.accepted, d.kind, d.set) == ("m1", ("m2",), {"m1", "m2"}, "typo", em.MATTER_SET)
    assert not e.covered and not g.covered
    assert (f.gold, f.gold_kind, f.kind) == ("s1", "catalogue", "official")


def P(decision: str, *ids: str) -> em.Prediction:
    return em.Prediction(decision, ids[0] if ids and decision in ("identified", "clarify") else None, ids[:3])


def test_metrics_on_a_tiny_set():
    M = em.MATTER_SET
    items = [
        em.Item("1", "m1", "matter", "official", M),
        em.Item("2", "m1", "matter", "typo", M),
        em.Item("3", "m2", "matter", "typo", M, also=("m3",)),
        em.Item("4", "m4", "catalogue", "colloquial", M),
        em.Item("5", None, None, "unsupported", M),
        em.Item("6", None, None, "unsupported", M),
        em.Item("7", "m5", "matter", "colloquial", M),
    ]
    predictions = [
        P("identified", "m1"),  # right
        P("clarify", "m9", "m1"),  # wrong at top-1, right at top-3
        P("identified", "m3"),  # an accepted alternative: right
        P("vague"),  # a miss for a covered message
        P("none"),  # right
        P("identified", "m1"),  # said ours, nothing covers it
        P("none"),  # a covered message called not ours
    ]
    result = em.evaluate(items, predictions)
    m = result["matters"]
    assert (m["items"], m["covered"], m["uncovered"]) == (7, 5, 2)
    assert m["top1"] == 0.4  # 1 and 3 of 5 covered
    assert m["top3"] == 0.6  # 1, 2 and 3
    assert m["null_precision"] == 0.5  # said none twice (5, 7), right once
    assert m["null_recall"] == 0.5  # 5 of (5, 6)
    assert m["accuracy"] == round(3 / 7, 4)
    assert m["decisions"] == {"identified": 3, "clarify": 1, "vague": 1, "none": 2}
    assert result["matters_by_kind"]["typo"]["top1"] == 0.5
    assert result["matters_by_entry_kind"]["uncovered"]["accuracy"] == 0.5
    assert result["scenario_accuracy"] is None and result["scenarios"]["items"] == 0
    assert [i.text for i, _ in em.errors(items, predictions)] == ["2", "4", "6", "7"]


def test_scenario_accuracy_counts_only_scenario_messages():
    S = em.SCENARIO_SET
    items = [
        em.Item("a", "newborn", "scenario", "colloquial", S),
        em.Item("b", "newborn", "scenario", "colloquial", S),
        em.Item("c", "passport", "matter", "unsupported", S),
        em.Item("d", None, None, "chitchat", S),
    ]
    predictions = [P("identified", "newborn"), P("identified", "birth_registration"), P("none"), P("none")]
    result = em.evaluate(items, predictions)
    assert result["scenario_accuracy"] == 0.5 and result["scenario_items"] == 2
    assert result["scenarios"]["null_precision"] == 0.5
    related = {"birth_registration": ("newborn",)}
    assert em.bundled(items, predictions, related) == 1
    assert em.evaluate(items, predictions, related)["scenario_accuracy_with_bundled"] == 1.0
    assert result["scenario_accuracy_with_bundled"] == 0.5


def test_family_confusion_counts_errors_by_family():
    M = em.MATTER_SET
    items = [
        em.Item("1", "a1", "matter", "x", M),
        em.Item("2", "a1", "matter", "x", M),
        em.Item("3", "b1", "matter", "x", M),
        em.Item("4", None, None, "x", M),
        em.Item("5", "a2", "matter", "x", M),
    ]
    predictions = [
        P("identified", "a2"),
        P("identified", "b1"),
        P("none"),
        P("identified", "b1"),
        P("identified", "a2"),
    ]
    family = {"a1": "A", "a2": "A", "b1": "B"}
    rows, cols, matrix = em.family_confusion(items, predictions, family)
    # B is in three errors, A in two: the most confused first.
    assert rows == ["B", "A", "(uncovered)"] and cols == ["B", "A", "(not ours)"]
    assert matrix == [[0, 0, 1], [1, 1, 0], [1, 0, 0]]


def test_family_is_the_short_department():
    assert family_of(Entry("x", "matter", "n", "n", department="湖南省公安厅")) == "公安厅"
    assert family_of(Entry("x", "catalogue", "n", "n", department="国家税务总局湖南省税务局")) == "税务局"
    assert family_of(Entry("x", "scenario", "n", "n", department="长沙市卫生健康委员会")) == "一件事主题"


def tiny_seed(root):
    (root / "scenarios").mkdir(parents=True)
    (root / "matters").mkdir()
    scenario = {
        "id": "newborn",
        "scenario": "新生儿出生一件事",
        "conditions": ["六个月内出生的新生儿"],
        "linked_matters": [{"name": "出生登记"}],
        "materials": [{"name": "出生医学证明"}],
    }
    (root / "scenarios" / "newborn.json").write_text(
        json.dumps(scenario, ensure_ascii=False), encoding="utf-8"
    )
    matters = [
        ("birth_registration", "出生登记", "s1", "湖南省公安厅", ["newborn"]),
        ("unemployment_benefit", "失业保险金申领", "s2", "湖南省人力资源和社会保障厅", []),
    ]
    for mid, name, sid, dept, related in matters:
        doc = {
            "id": mid,
            "name": name,
            "service_id": sid,
            "department": dept,
            "conditions": [],
            "materials": [{"name": "居民身份证"}],
            "result": None,
            "related_scenarios": related,
        }
        (root / "matters" / f"{mid}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    catalogue = [
        {"service_id": "s1", "name": "出生登记", "department": "湖南省公安厅", "categories": ["户籍办理"]},
        {
            "service_id": "s2",
            "name": "失业保险金申领",
            "department": "湖南省人力资源和社会保障厅",
            "categories": [],
        },
        {"service_id": "s3", "name": "普通护照签发", "department": "湖南省公安厅", "categories": ["出入境"]},
    ]
    (root / "matter_catalogue.jsonl").write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in catalogue), encoding="utf-8"
    )


def test_entries_from_a_seed(tmp_path):
    tiny_seed(tmp_path)
    entries = {e.id: e for e in entries_from_seed(tmp_path)}
    assert {k: e.kind for k, e in entries.items()} == {
        "newborn": "scenario",
        "birth_registration": "matter",
        "unemployment_benefit": "matter",
        "s3": "catalogue",
    }
    assert entries["newborn"].text.splitlines() == [
        "新生儿出生一件事",
        "六个月内出生的新生儿",
        "出生登记",
        "出生医学证明",
    ]
    assert entries["birth_registration"].categories == ("户籍办理",)
    assert entries["birth_registration"].related_scenarios == ("newborn",)
    assert entries["s3"].text.splitlines() == ["普通护照签发", "湖南省公安厅", "出入境"]


def test_the_whole_run_on_tiny_sets(tmp_path, capsys):
    seed = tmp_path / "seed"
    tiny_seed(seed)
    scenarios = tmp_path / "heldout.jsonl"
    matters = tmp_path / "heldout_matters.jsonl"
    scenarios.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n"
            for r in [
                {"text": "老婆生了孩子要办啥", "scenario": "newborn", "kind": "colloquial"},
                {"text": "今天天气怎么样", "scenario": None, "kind": "chitchat"},
            ]
        ),
        encoding="utf-8",
    )
    matters.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n"
            for r in [
                {
                    "text": "失业金怎么领",
                    "id": "unemployment_benefit",
                    "entry_kind": "matter",
                    "also": [],
                    "kind": "colloquial",
                },
                {"text": "护照签发", "id": "s3", "entry_kind": "catalogue", "also": [], "kind": "official"},
                {
                    "text": "彩票中奖了去哪领",
                    "id": None,
                    "entry_kind": None,
                    "also": [],
                    "kind": "unsupported",
                },
            ]
        ),
        encoding="utf-8",
    )
    ours = [
        {
            "decision": "identified",
            "scenario": "newborn",
            "matter": None,
            "confidence": 0.9,
            "candidates": cand("newborn"),
        },
        {"decision": "none", "scenario": None, "matter": None, "confidence": 0.0, "candidates": []},
        {
            "decision": "clarify",
            "scenario": None,
            "matter": None,
            "confidence": 0.4,
            "candidates": cand("s2", "unemployment_benefit"),
        },
        {
            "decision": "identified",
            "scenario": None,
            "matter": "s3",
            "confidence": 0.8,
            "candidates": cand("s3"),
        },
        {"decision": "none", "scenario": None, "matter": None, "confidence": 0.1, "candidates": []},
    ]
    predictions = tmp_path / "ours.jsonl"
    predictions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ours), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["--seed", str(seed), "--heldout", str(scenarios), "--heldout-matters", str(matters)]
    assert (
        main([*argv, "--out", str(out), "--raw", str(tmp_path / "raw"), "--predictions", str(predictions)])
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["ours"]["matters"]["top1"] == 0.5 and metrics["ours"]["matters"]["top3"] == 1.0
    assert metrics["ours"]["scenario_accuracy"] == 1.0 and metrics["ours"]["overall"]["null_precision"] == 1.0
    assert metrics["baseline"]["matters"]["items"] == 3
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| matter top-1 (heldout_matters, covered messages) | **0.500** ❌ |" in readme
    assert (
        "## Every error of ours (1)" in readme
        and "| 失业金怎么领 | 失业保险金申领 `unemployment_benefit` |" in readme
    )
    assert (out / "confusion.png").stat().st_size > 0 and (out / "baseline_errors.md").exists()
    assert len((tmp_path / "raw" / "ours.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    assert capsys.readouterr().out.splitlines()[-1].startswith("[eval] matter top-1 0.500 (baseline ")
