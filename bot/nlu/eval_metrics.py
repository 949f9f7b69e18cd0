"""The held-out sets, what a prediction counts as, and the figures ``make eval`` reports.

Pure functions over plain data, so the same code scores the bot and the baseline and is unit
tested on tiny inputs (tests/nlu/test_evaluate.py).

Definitions (docs/eval/README.md repeats them):

- top-1 is the bot's decision: the identified entry, or the first candidate of a clarification
  ("您是想办理以下哪件事？"); "vague" and "none" are misses for a message something covers.
- top-3: the expected id (or any id in ``also``) among the first three candidates.
- a message nothing covers is right only when the decision is "none" ("not ours").
- null precision: of the messages called "not ours", the share nothing covers; null recall: of
  the messages nothing covers, the share called "not ours".
"""

from __future__ import annotations

import builtins
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCENARIO_SET = "scenarios"
MATTER_SET = "matters"
DECISIONS = ("identified", "clarify", "vague", "none")


@dataclass(frozen=True)
class Item:
    """One held-out message: the entry it means (None: nothing covers it) and how it is worded."""

    text: str
    gold: str | None
    gold_kind: str | None  # "scenario" | "matter" | "catalogue" | None
    kind: str  # kind of message: colloquial, typo, english, unsupported, …
    set: str  # SCENARIO_SET | MATTER_SET
    also: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        return self.gold is not None

    @property
    def accepted(self) -> builtins.set[str]:  # the field `set` shadows the builtin here
        return {self.gold, *self.also} if self.gold else set()


@dataclass(frozen=True)
class Prediction:
    """What a system said about one message, reduced to what the metrics need."""

    decision: str  # one of DECISIONS
    top1: str | None
    top3: tuple[str, ...]
    confidence: float = 0.0


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scenario_items(rows: Iterable[dict[str, Any]]) -> list[Item]:
    """tests/eval/heldout.jsonl: ``{"text", "scenario", "kind"}``; a null item that a matter now
    covers carries ``"matter"`` (and ``"matter_kind"``: matter or catalogue)."""
    out = []
    for r in rows:
        if r.get("scenario"):
            gold, gold_kind = r["scenario"], "scenario"
        elif r.get("matter"):
            gold, gold_kind = r["matter"], r.get("matter_kind") or "matter"
        else:
            gold, gold_kind = None, None
        out.append(
            Item(r["text"], gold, gold_kind, r.get("kind") or "?", SCENARIO_SET, tuple(r.get("also") or ()))
        )
    return out


def matter_items(rows: Iterable[dict[str, Any]]) -> list[Item]:
    """tests/eval/heldout_matters.jsonl: ``{"text", "id", "entry_kind", "also", "kind"}`` (null id:
    nothing covers it). The plan's earlier spelling ``{"expected": {"kind", "id"}, "kind_of_message"}``
    is read too."""
    out = []
    for r in rows:
        if "expected" in r and "id" not in r:
            expected = r.get("expected") or {}
            gold, gold_kind = expected.get("id"), expected.get("kind")
            kind = r.get("kind_of_message") or r.get("kind") or "?"
        else:
            gold, gold_kind, kind = r.get("id"), r.get("entry_kind"), r.get("kind") or "?"
        out.append(
            Item(
                r["text"],
                gold or None,
                gold_kind if gold else None,
                kind,
                MATTER_SET,
                tuple(r.get("also") or ()),
            )
        )
    return out


def load_items(scenarios: Path | None, matters: Path | None) -> list[Item]:
    """Both held-out sets (a missing file is skipped)."""
    items: list[Item] = []
    if scenarios is not None and scenarios.exists():
        items += scenario_items(_jsonl(scenarios))
    if matters is not None and matters.exists():
        items += matter_items(_jsonl(matters))
    return items


def to_prediction(result: dict[str, Any]) -> Prediction:
    """One result of ``bot.nlu.cli.identify_texts`` (or the baseline's, same shape) → Prediction.

    Reads ``decision``, ``scenario``/``matter`` (else ``entry``) and ``candidates`` ([{"id", …}]); results of the
    previous 40-scenario CLI (``ranking`` of {"scenario", "confidence"}, no decision) are read too."""
    candidates = [c["id"] for c in result.get("candidates") or [] if c.get("id")]
    if not candidates:
        candidates = [r["scenario"] for r in result.get("ranking") or [] if r.get("scenario")]
    entry = result.get("scenario") or result.get("matter") or (result.get("entry") or {}).get("id")
    decision = result.get("decision") or ("identified" if entry else "none")
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if decision == "identified":
        top1 = entry or (candidates[0] if candidates else None)
    elif decision == "clarify":
        top1 = candidates[0] if candidates else entry
    else:
        top1 = None
    top3: list[str] = []
    if top1 is not None:
        for i in [top1, *candidates]:
            if i not in top3:
                top3.append(i)
    return Prediction(decision, top1, tuple(top3[:3]), float(result.get("confidence") or 0.0))


def hit1(item: Item, p: Prediction) -> bool:
    """Right at top-1: the expected entry (or an accepted one), or "none" for an uncovered message."""
    if not item.covered:
        return p.decision == "none"
    return p.top1 in item.accepted


def hit3(item: Item, p: Prediction) -> bool:
    if not item.covered:
        return p.decision == "none"
    return any(i in item.accepted for i in p.top3)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(pairs: Sequence[tuple[Item, Prediction]]) -> dict[str, Any]:
    """The figures for one group of messages."""
    covered = [(i, p) for i, p in pairs if i.covered]
    uncovered = [(i, p) for i, p in pairs if not i.covered]
    called_none = [(i, p) for i, p in pairs if p.decision == "none"]
    true_none = sum(1 for i, _ in called_none if not i.covered)
    return {
        "items": len(pairs),
        "covered": len(covered),
        "uncovered": len(uncovered),
        "top1": _ratio(sum(hit1(i, p) for i, p in covered), len(covered)),
        "top3": _ratio(sum(hit3(i, p) for i, p in covered), len(covered)),
        "accuracy": _ratio(sum(hit1(i, p) for i, p in pairs), len(pairs)),
        "null_precision": _ratio(true_none, len(called_none)),
        "null_recall": _ratio(true_none, len(uncovered)),
        "called_none": len(called_none),
        "decisions": dict(Counter(p.decision for _, p in pairs)),
    }


def by(pairs: Sequence[tuple[Item, Prediction]], key: str) -> dict[str, dict[str, Any]]:
    """``score`` per value of an Item attribute (``kind``, ``gold_kind``, ``set``)."""
    groups: dict[str, list[tuple[Item, Prediction]]] = {}
    for i, p in pairs:
        groups.setdefault(str(getattr(i, key) or "uncovered"), []).append((i, p))
    return {k: score(v) for k, v in sorted(groups.items())}


def evaluate(
    items: Sequence[Item],
    predictions: Sequence[Prediction],
    related: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Every figure the report shows, for one system (``related``: matter id → the scenarios
    that bundle it, for the scenario accuracy that counts such a matter as right)."""
    pairs = list(zip(items, predictions, strict=True))
    matter_pairs = [(i, p) for i, p in pairs if i.set == MATTER_SET]
    scenario_pairs = [(i, p) for i, p in pairs if i.set == SCENARIO_SET]
    scenario_gold = [(i, p) for i, p in scenario_pairs if i.gold_kind == "scenario"]
    return {
        "overall": score(pairs),
        "matters": score(matter_pairs),
        "matters_by_kind": by(matter_pairs, "kind"),
        "matters_by_entry_kind": by(matter_pairs, "gold_kind"),
        "scenarios": score(scenario_pairs),
        "scenarios_by_kind": by(scenario_pairs, "kind"),
        "scenario_set_matters": score(
            [(i, p) for i, p in scenario_pairs if i.covered and i.gold_kind != "scenario"]
        ),
        "scenario_accuracy": _ratio(sum(hit1(i, p) for i, p in scenario_gold), len(scenario_gold)),
        "scenario_accuracy_with_bundled": _ratio(
            sum(hit1(i, p) for i, p in scenario_gold)
            + bundled([i for i, _ in scenario_gold], [p for _, p in scenario_gold], related or {}),
            len(scenario_gold),
        ),
        "scenario_items": len(scenario_gold),
    }


def bundled(
    items: Sequence[Item], predictions: Sequence[Prediction], related: Mapping[str, Sequence[str]]
) -> int:
    """Scenario messages answered as a matter the expected scenario bundles (the bot then offers
    the scenario): counted as misses in scenario accuracy, reported beside it."""
    return sum(
        1
        for i, p in zip(items, predictions, strict=True)
        if i.gold_kind == "scenario" and p.top1 != i.gold and i.gold in (related.get(p.top1 or "") or ())
    )


def errors(items: Sequence[Item], predictions: Sequence[Prediction]) -> list[tuple[Item, Prediction]]:
    """Every message the system got wrong at top-1, in the held-out order."""
    return [(i, p) for i, p in zip(items, predictions, strict=True) if not hit1(i, p)]


def family_confusion(
    items: Sequence[Item], predictions: Sequence[Prediction], family: dict[str, str], top: int = 12
) -> tuple[list[str], list[str], list[list[int]]]:
    """Errors counted by (expected family, predicted family), for the ``top`` families with the
    most errors. Rows: expected (``(uncovered)`` for a message nothing covers); columns: predicted
    (``(not ours)``, ``(vague)`` for those decisions). The diagonal is a wrong entry of the right
    family."""
    counts: Counter[tuple[str, str]] = Counter()
    for i, p in errors(items, predictions):
        gold = family.get(i.gold, "?") if i.gold else "(uncovered)"
        if p.decision == "none":
            got = "(not ours)"
        elif p.decision == "vague":
            got = "(vague)"
        else:
            got = family.get(p.top1 or "", "?")
        counts[(gold, got)] += 1
    weight: Counter[str] = Counter()
    for (g, q), n in counts.items():
        weight[g] += n
        if q != g:
            weight[q] += n
    chosen = [f for f, _ in weight.most_common() if not f.startswith("(")][:top]
    rows = [*chosen, *(["(uncovered)"] if weight["(uncovered)"] else [])]
    cols = [*chosen, *[f for f in ("(not ours)", "(vague)") if weight[f]]]
    matrix = [[counts[(r, c)] for c in cols] for r in rows]
    return rows, cols, matrix
