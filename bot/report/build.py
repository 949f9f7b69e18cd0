"""The maintainers' report: findings from the conversations plus feedback, named, ranked, exportable.

Every list says what to fix next: phrases to add to the training data (questions the bot
could not place, clarifications people gave up on), matters whose answers people find
wrong (没帮助 by scenario, and by material), where people ask for a person, and what is
asked most. The CSV is one table in long form (section, scenario, item, detail, count),
so a spreadsheet can filter it by section.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from bot.feedback.model import REASONS
from bot.registry.client import RegistryClient
from bot.report.events import Findings, broker_events, scan

DAY = 86400.0
NO_SCENARIO = "（未识别事项）"
KIND_LABELS = {"fallback": "没听懂（兜底回复）", "not_ours": "不在一件事范围"}


def _top_texts(entries: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter((e["text"], e["kind"]) for e in entries)
    intents: dict[str, str | None] = {e["text"]: e.get("intent") for e in entries}
    return [
        {"text": text, "kind": kind, "kind_label": KIND_LABELS[kind], "intent": intents.get(text), "count": n}
        for (text, kind), n in counts.most_common(limit)
    ]


def build_report(
    findings: Findings,
    feedback: dict[str, Any],
    names: dict[str, str],
    days: float,
    materials: dict[str, str],
) -> dict[str, Any]:
    """The report as JSON: every section ranked, scenario and material ids named from the registry."""

    def named(scenario: str | None) -> str:
        return names.get(scenario or "", scenario or NO_SCENARIO) if scenario else NO_SCENARIO

    choices: Counter[tuple[str, ...]] = Counter(tuple(c["candidates"]) for c in findings.abandoned_choices)
    questions: Counter[tuple[str, str]] = Counter(
        (q["scenario"], q["question"]) for q in findings.abandoned_questions
    )
    handoffs: dict[str | None, Counter[str]] = {}
    for (scenario, kind), n in findings.handoffs.items():
        handoffs.setdefault(scenario, Counter())[kind] += n
    now = time.time()
    return {
        "period": {
            "days": days,
            "from": datetime.fromtimestamp(now - days * DAY, timezone.utc).isoformat(timespec="minutes"),
            "to": datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="minutes"),
        },
        "conversations": findings.conversations,
        "most_asked": [
            {"scenario": s, "name": named(s), "conversations": n} for s, n in findings.asked.most_common()
        ],
        "not_placed": _top_texts(findings.not_placed, 200),
        "abandoned_choices": [
            {"candidates": list(c), "names": [named(s) for s in c], "count": n}
            for c, n in choices.most_common()
        ],
        "abandoned_questions": [
            {"scenario": s, "name": named(s), "question": q, "count": n}
            for (s, q), n in questions.most_common()
        ],
        "handoffs": sorted(
            (
                {
                    "scenario": s,
                    "name": named(s),
                    "requested": c["requested"],
                    "after_hours": c["after_hours"],
                }
                for s, c in handoffs.items()
            ),
            key=lambda r: -(r["requested"] + r["after_hours"]),
        ),
        "feedback": {
            "by_scenario": [
                r | {"scenario": r["scenario"] or None, "name": named(r["scenario"] or None)}
                for r in feedback.get("by_scenario") or []
            ],
            "unhelpful_by_material": [
                r
                | {
                    "name": named(r["scenario"] or None),
                    "material_name": materials.get(r["material"], r["material"]),
                }
                for r in feedback.get("unhelpful_by_material") or []
            ],
            "unhelpful_by_reason": [
                r | {"label": REASONS.get(r["reason"], "未说明")}
                for r in feedback.get("unhelpful_by_reason") or []
            ],
        },
    }


def report(registry: RegistryClient, events_db_url: str, days: float = 30) -> dict[str, Any]:
    """Read the broker and the registry's feedback and build the report for the last ``days`` days."""
    findings = scan(broker_events(events_db_url), since=time.time() - days * DAY)
    feedback = registry.feedback_summary(days)
    names = {s["id"]: s["name"] for s in registry.search_scenarios(None, 500)}
    materials = {}
    for row in feedback.get("unhelpful_by_material") or []:
        if row["material"] not in materials:
            found = registry.material(row["material"])
            materials[row["material"]] = found["name"] if found else row["material"]
    return build_report(findings, feedback, names, days, materials)


def report_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The report in long form: section, scenario id, scenario, item, detail, count."""
    rows: list[list[Any]] = [["section", "scenario_id", "scenario", "item", "detail", "count"]]
    rows += [["most_asked", r["scenario"], r["name"], "", "", r["conversations"]] for r in data["most_asked"]]
    rows += [["not_placed", "", "", r["text"], r["kind_label"], r["count"]] for r in data["not_placed"]]
    rows += [
        ["abandoned_which_matter", "|".join(r["candidates"]), "|".join(r["names"]), "", "", r["count"]]
        for r in data["abandoned_choices"]
    ]
    rows += [
        ["abandoned_question", r["scenario"], r["name"], r["question"], "", r["count"]]
        for r in data["abandoned_questions"]
    ]
    for r in data["handoffs"]:
        rows.append(["handoff", r["scenario"] or "", r["name"], "office_hours", "", r["requested"]])
        rows.append(["handoff", r["scenario"] or "", r["name"], "after_hours", "", r["after_hours"]])
    for r in data["feedback"]["by_scenario"]:
        rows.append(["feedback", r["scenario"] or "", r["name"], "helpful", "", r["helpful"]])
        rows.append(["feedback", r["scenario"] or "", r["name"], "unhelpful", "", r["unhelpful"]])
    rows += [
        ["unhelpful_material", r["scenario"], r["name"], r["material"], r["material_name"], r["count"]]
        for r in data["feedback"]["unhelpful_by_material"]
    ]
    rows += [
        ["unhelpful_reason", "", "", r["reason"], r["label"], r["count"]]
        for r in data["feedback"]["unhelpful_by_reason"]
    ]
    return rows


def spreadsheet_cell(value: Any) -> Any:
    """A spreadsheet must not read a cell as a formula (=, +, -, @ first): quote those."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_csv(data: dict[str, Any]) -> str:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese as Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in report_rows(data):
        writer.writerow([spreadsheet_cell(v) for v in row])
    return "\ufeff" + out.getvalue()
