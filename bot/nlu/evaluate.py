"""``make eval``: which scenario or matter a person means, measured on held-out messages at the
portal's size, for the bot and for a baseline (character-bigram BM25 over the official texts),
on the same messages with the same metrics.

Held-out sets: ``tests/eval/heldout.jsonl`` (the one-thing scenarios; some uncovered messages
now name a matter) and ``tests/eval/heldout_matters.jsonl`` (matters, catalogue entries and
messages nothing covers). Both were written apart from any training data. The figures are the
bot's own decision (``bot.nlu.cli.identify_texts``), not the raw classifier. Definitions of
the metrics: ``bot.nlu.eval_metrics``; the baseline: ``bot.nlu.baseline``. Writes
``docs/eval/`` (README.md, baseline_errors.md, confusion.png, metrics.json) and the raw
predictions to ``var/results/eval/``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.nlu import eval_metrics as em
from bot.nlu import eval_report as er
from bot.nlu.baseline import BM25, load_entries, shown_path
from bot.nlu.baseline import predict as baseline_predict
from bot.settings import ROOT

HELDOUT = ROOT / "tests" / "eval" / "heldout.jsonl"
HELDOUT_MATTERS = ROOT / "tests" / "eval" / "heldout_matters.jsonl"
OUT = ROOT / "docs" / "eval"
RAW = ROOT / "var" / "results" / "eval"


def say(message: str) -> None:
    print(f"[eval] {message}", flush=True)


def predict_ours(texts: list[str], model: Path) -> list[dict[str, Any]]:
    """The bot's decisions, from H3's ``identify_texts(texts, model)`` (in-process Rasa)."""
    from bot.nlu.cli import identify_texts

    kwargs: dict[str, Any] = {}
    if "progress" in inspect.signature(identify_texts).parameters:
        kwargs["progress"] = lambda done, total: say(f"ours: {done}/{total}") if done % 200 == 0 else None
    stop = threading.Event()
    started = time.monotonic()

    def heartbeat() -> None:
        while not stop.wait(30):
            say(f"ours: still identifying ({time.monotonic() - started:.0f}s) …")

    if "progress" not in kwargs:
        threading.Thread(target=heartbeat, daemon=True).start()
    try:
        result = identify_texts(texts, model, **kwargs)
        return asyncio.run(result) if inspect.isawaitable(result) else list(result)
    finally:
        stop.set()


def cross_validation(out: Path, folds: int) -> dict[str, Any]:
    """Rasa's own k-fold cross-validation on the training phrases (intents, not our decision)."""
    import os
    import shutil
    import subprocess
    import sys

    from bot.nlu.cli import TRAIN_ARGS

    config = TRAIN_ARGS[TRAIN_ARGS.index("--config") + 1]  # the same pipeline as `python -m bot train`
    work = ROOT / "var" / "results" / "cross-validation"
    say(f"{folds}-fold cross-validation on the training data (trains {folds} models) …")
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "data/nlu", "--config", config]
        + ["--cross-validation", "--folds", str(folds), "--out", str(work)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
    )
    report = json.loads((work / "intent_report.json").read_text(encoding="utf-8"))
    shutil.copy(work / "intent_report.json", out / "cross_validation_intent_report.json")
    return {
        "folds": folds,
        "intent_accuracy": round(report["accuracy"], 4),
        "intent_macro_f1": round(report["macro avg"]["f1-score"], 4),
    }


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate")
    parser.add_argument("--model", type=Path, help="model archive (default: the newest in models/)")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="the scenario set")
    parser.add_argument("--heldout-matters", type=Path, default=HELDOUT_MATTERS, help="the matter set")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--raw", type=Path, default=RAW, help="where the raw predictions go")
    parser.add_argument("--seed", type=Path, help="read the entries from this seed, not the registry")
    parser.add_argument(
        "--predictions", type=Path, help="the bot's results as JSON lines, in the sets' order (skips Rasa)"
    )
    parser.add_argument("--baseline-only", action="store_true", help="score the baseline alone (no model)")
    parser.add_argument("--folds", type=int, default=0, help="cross-validation folds (default 0: skipped)")
    args = parser.parse_args(argv)
    started = time.monotonic()

    items = em.load_items(args.heldout, args.heldout_matters)
    if not items:
        raise SystemExit("no held-out messages found")
    sets = Counter(i.set for i in items)
    say(
        f"{len(items)} held-out messages ({sets[em.MATTER_SET]} matter set, {sets[em.SCENARIO_SET]} scenario set)"
    )
    entries, entries_from = load_entries(seed=args.seed)
    names = {e.id: e for e in entries}
    counts = Counter(e.kind for e in entries)
    entry_counts = ", ".join(
        f"{counts[k]:,} {k}" + ("s" if k != "catalogue" else "-only") for k in sorted(counts)
    )
    say(f"{len(entries):,} entries from {entries_from} ({entry_counts})")
    unknown = sorted({i for item in items for i in item.accepted if i not in names})
    if unknown:
        say(f"warning: {len(unknown)} expected ids are not entries: {', '.join(unknown[:8])}")
    texts = [i.text for i in items]

    # The baseline.
    t = time.monotonic()
    index = BM25([e.id for e in entries], [e.text for e in entries])
    uncovered_rate = sum(not i.covered for i in items) / len(items)
    base_raw, threshold = baseline_predict(index, texts, uncovered_rate, {e.id: e.kind for e in entries})
    base = [em.to_prediction(r) for r in base_raw]
    ranking_only = [
        em.to_prediction({**r, "decision": "identified" if r["candidates"] else "none"}) for r in base_raw
    ]
    seconds_baseline = time.monotonic() - t
    say(f"baseline: BM25 over {len(entries):,} entries, {len(texts)} messages in {seconds_baseline:.1f}s")

    # Ours.
    model_name = None
    t = time.monotonic()
    if args.baseline_only:
        ours_raw = None
    elif args.predictions:
        ours_raw = [
            json.loads(x) for x in args.predictions.read_text(encoding="utf-8").splitlines() if x.strip()
        ]
        model_name = f"predictions from {args.predictions.name}"
    else:
        from bot.nlu.cli import latest_model

        model = args.model or latest_model()
        if model is None or not Path(model).exists():
            raise SystemExit("no trained model: run 'python -m bot train' first (or --baseline-only)")
        model_name = Path(model).name
        say(f"ours: identifying {len(texts)} messages with {model_name} (Rasa in-process) …")
        ours_raw = predict_ours(texts, Path(model))
    if ours_raw is not None and len(ours_raw) != len(items):
        raise SystemExit(f"{len(ours_raw)} predictions for {len(items)} messages")
    ours = [em.to_prediction(r) for r in ours_raw] if ours_raw is not None else None
    seconds_ours = time.monotonic() - t
    if ours is not None:
        say(f"ours: done in {seconds_ours:.0f}s")

    # Figures, errors, picture.
    related = {e.id: e.related_scenarios for e in entries if e.related_scenarios}
    family = {e.id: er.family_of(e) for e in entries}
    args.out.mkdir(parents=True, exist_ok=True)
    panels = [("ours", items, ours)] if ours is not None else []
    panels.append(("baseline (BM25)", items, base))
    say("drawing the confusion picture …")
    er.confusion_png(panels, family, args.out / "confusion.png")
    cv = cross_validation(args.out, args.folds) if args.folds else None
    ctx: dict[str, Any] = {
        "ours": em.evaluate(items, ours, related) if ours is not None else None,
        "baseline": em.evaluate(items, base, related),
        "baseline_ranking": em.evaluate(items, ranking_only, related),
        "threshold": threshold,
        "uncovered_rate": uncovered_rate,
        "bundled": em.bundled(items, ours if ours is not None else base, related),
        "scenario_items": sum(1 for i in items if i.gold_kind == "scenario" and i.set == em.SCENARIO_SET),
        "matter_set_entries": len({i.gold for i in items if i.set == em.MATTER_SET and i.gold}),
        "entry_counts": entry_counts,
        "entries_from": entries_from,
        "model": model_name,
        "messages": len(items),
        "seconds_ours": seconds_ours,
        "seconds_baseline": seconds_baseline,
        "ours_errors": er.error_table(items, ours, names) if ours is not None else None,
        "baseline_errors": er.error_table(items, base, names),
        "cv": cv,
        "out": shown_path(args.out),
    }
    ctx["seconds"] = time.monotonic() - started
    (args.out / "README.md").write_text(er.readme(ctx), encoding="utf-8")
    (args.out / "baseline_errors.md").write_text(
        "\n".join(
            [
                "# The baseline's errors (character-bigram BM25)",
                "",
                "Generated by `make eval`; see [README.md](README.md) for how the baseline works.",
                "",
                *ctx["baseline_errors"],
                "",
            ]
        ),
        encoding="utf-8",
    )
    metrics = {
        k: ctx[k]
        for k in (
            "ours",
            "baseline",
            "baseline_ranking",
            "threshold",
            "uncovered_rate",
            "bundled",
            "model",
            "cv",
        )
    }
    metrics["targets"] = er.TARGETS
    (args.out / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    stale = args.out / "cross_validation_intent_report.json"
    if cv is None and stale.exists():
        stale.unlink()
    gold = [
        {"text": i.text, "set": i.set, "kind": i.kind, "gold": i.gold, "also": list(i.also)} for i in items
    ]
    _write_jsonl(args.raw / "baseline.jsonl", [{**g, **r} for g, r in zip(gold, base_raw, strict=True)])
    if ours_raw is not None:
        _write_jsonl(args.raw / "ours.jsonl", [{**g, **r} for g, r in zip(gold, ours_raw, strict=True)])
    print(er.summary_line(ctx), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
