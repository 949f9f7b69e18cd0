"""``make eval``: scenario identification on a held-out set written apart from the training
phrases (tests/eval/heldout.jsonl), with a confusion matrix and every error listed.

The figures are the bot's own decision (``bot.nlu.intents.identify``), not the raw
classifier: a clarification question counts as its top candidate, and "not ours"
counts as null.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.settings import ROOT

HELDOUT = ROOT / "tests" / "eval" / "heldout.jsonl"
OUT = ROOT / "docs" / "eval"
NULL = "(null)"


def load_heldout(path: Path = HELDOUT) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(gold: list[str | None], predicted: list[str | None]) -> dict[str, Any]:
    pairs = [(g or NULL, p or NULL) for g, p in zip(gold, predicted, strict=True)]
    labels = sorted({g for g, _ in pairs if g != NULL})
    scenario_pairs = [(g, p) for g, p in pairs if g != NULL]
    per_class = {}
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    predicted_null = [g for g, p in pairs if p == NULL]
    gold_null = [p for g, p in pairs if g == NULL]
    return {
        "items": len(pairs),
        "scenario_items": len(scenario_pairs),
        "null_items": len(gold_null),
        "scenario_accuracy": round(sum(g == p for g, p in scenario_pairs) / len(scenario_pairs), 4),
        "overall_accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
        "macro_f1": round(sum(c["f1"] for c in per_class.values()) / len(per_class), 4),
        "null_precision": round(sum(g == NULL for g in predicted_null) / len(predicted_null), 4)
        if predicted_null
        else None,
        "null_recall": round(sum(p == NULL for p in gold_null) / len(gold_null), 4) if gold_null else None,
        "per_class": per_class,
    }


def confusion_png(gold: list[str | None], predicted: list[str | None], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = sorted({g or NULL for g in gold} | {p or NULL for p in predicted})
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g or NULL], index[p or NULL]] += 1
    fig, ax = plt.subplots(figsize=(14, 12), dpi=110)
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if i == j else "crimson",
                )
    ax.set_xlabel("predicted (the bot's decision)")
    ax.set_ylabel("gold")
    ax.set_title("Scenario identification on the held-out set (off-diagonal in red)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def report(
    result: dict[str, Any],
    errors: list[dict[str, Any]],
    kinds: dict[str, dict[str, float]],
    cv: dict[str, Any] | None,
    model: str,
    seconds: float,
) -> str:
    lines = [
        "# NLU evaluation: scenario identification",
        "",
        f"Held-out set: `tests/eval/heldout.jsonl` ({result['items']} messages: {result['scenario_items']} "
        f"naming one of the registry's scenarios in people's own words, {result['null_items']} that no scenario "
        "covers). It was written separately from the training phrases, by someone who never saw them.",
        f"Model: `{model}`. Produced by `make eval` in {seconds:.0f}s.",
        "",
        "| metric | value | target |",
        "|---|---|---|",
        f"| scenario accuracy | {result['scenario_accuracy']:.3f} | ≥ 0.95 |",
        f"| macro-F1 over scenarios | {result['macro_f1']:.3f} | ≥ 0.93 |",
        f'| null precision (said "not ours" and was right) | {result["null_precision"]} | ≥ 0.9 |',
        f"| null recall | {result['null_recall']} | |",
        f"| overall accuracy | {result['overall_accuracy']:.3f} | |",
        "",
        "By kind of message:",
        "",
        "| kind | items | accuracy |",
        "|---|---|---|",
        *[f"| {k} | {v['items']} | {v['accuracy']:.3f} |" for k, v in sorted(kinds.items())],
        "",
        *(
            [
                f"Cross-validation ({cv['folds']} folds over the training phrases, Rasa's intent report in "
                "`cross_validation_intent_report.json`): intent accuracy "
                f"{cv['intent_accuracy']:.3f}, macro-F1 {cv['intent_macro_f1']:.3f}, macro-F1 over the scenario "
                f"intents {cv['scenario_intents_macro_f1']:.3f}. These score the raw classifier on phrases written "
                "by the same hand as the training data; the held-out figures above score the bot's decision.",
                "",
            ]
            if cv
            else []
        ),
        "![confusion matrix](confusion.png)",
        "",
        f"## Errors ({len(errors)})",
        "",
        "| text | gold | predicted | decision | confidence |",
        "|---|---|---|---|---|",
        *[
            f"| {e['text'].replace('|', '/')} | {e['gold'] or NULL} | {e['predicted'] or NULL} | "
            f"{e['decision']} | {e['confidence']:.2f} |"
            for e in errors
        ],
        "",
    ]
    return "\n".join(lines)


async def _predict(texts: list[str], model: Path) -> list[dict[str, Any]]:
    from bot.nlu.cli import load_agent
    from bot.nlu.intents import identify

    agent = load_agent(model)
    out = []
    for i, text in enumerate(texts, start=1):
        found = identify(await agent.parse_message(text))
        out.append(
            {
                "scenario": found.scenario if found.decision != "none" else None,
                "decision": found.decision,
                "confidence": found.confidence,
            }
        )
        if i % 100 == 0:
            print(f"[eval] {i}/{len(texts)}", flush=True)
    return out


def cross_validation(out: Path, folds: int) -> dict[str, Any]:
    """Rasa's own k-fold cross-validation on the training phrases (intents, not our decision)."""
    import os
    import shutil
    import subprocess
    import sys

    work = ROOT / "var" / "results" / "cross-validation"
    print(f"[eval] {folds}-fold cross-validation on data/nlu (trains {folds} models) …", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "nlu",
            "--nlu",
            "data/nlu",
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(work),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
    )
    report = json.loads((work / "intent_report.json").read_text(encoding="utf-8"))
    shutil.copy(work / "intent_report.json", out / "cross_validation_intent_report.json")
    scenario = [v for k, v in report.items() if k.startswith("scenario_")]
    return {
        "folds": folds,
        "intent_accuracy": round(report["accuracy"], 4),
        "intent_macro_f1": round(report["macro avg"]["f1-score"], 4),
        "scenario_intents_macro_f1": round(sum(v["f1-score"] for v in scenario) / len(scenario), 4),
    }


def main(argv: list[str] | None = None) -> int:
    from bot.nlu.cli import latest_model

    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (0 to skip)")
    args = parser.parse_args(argv)
    model = args.model or latest_model()
    if model is None:
        raise SystemExit("no trained model: run 'python -m bot train' first")
    started = time.monotonic()
    items = load_heldout(args.heldout)
    predictions = asyncio.run(_predict([i["text"] for i in items], model))
    gold = [i["scenario"] for i in items]
    predicted = [p["scenario"] for p in predictions]
    result = metrics(gold, predicted)
    by_kind: dict[str, Counter] = {}
    for item, p in zip(items, predicted, strict=True):
        counter = by_kind.setdefault(item.get("kind", "?"), Counter())
        counter["items"] += 1
        counter["right"] += item["scenario"] == p
    kinds = {k: {"items": c["items"], "accuracy": c["right"] / c["items"]} for k, c in by_kind.items()}
    errors = [
        {
            "text": i["text"],
            "gold": i["scenario"],
            "predicted": p["scenario"],
            "decision": p["decision"],
            "confidence": p["confidence"],
        }
        for i, p in zip(items, predictions, strict=True)
        if i["scenario"] != p["scenario"]
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    confusion_png(gold, predicted, args.out / "confusion.png")
    cv = cross_validation(args.out, args.folds) if args.folds else None
    seconds = time.monotonic() - started
    (args.out / "metrics.json").write_text(
        json.dumps(
            {**result, "by_kind": kinds, "cross_validation": cv, "model": Path(model).name, "errors": errors},
            ensure_ascii=False,
            indent=1,
        )
    )
    (args.out / "README.md").write_text(report(result, errors, kinds, cv, Path(model).name, seconds))
    print(
        f"[eval] scenario accuracy {result['scenario_accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}, "
        f"null precision {result['null_precision']}, {len(errors)} errors → {args.out}/"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
