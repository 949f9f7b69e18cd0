"""``python -m bot report``: the maintainers' report in a terminal, or as CSV (``--csv FILE`` / ``-``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report", help="what to fix next: fallbacks, abandoned questions, handoffs, feedback"
    )
    parser.add_argument("--days", type=float, default=30, help="look back this many days (default 30)")
    parser.add_argument("--csv", metavar="FILE", help="write the report as CSV ('-' for standard output)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


def _lines(data: dict[str, Any]) -> list[str]:
    lines = [f"最近 {data['period']['days']:g} 天，{data['conversations']} 个对话"]
    sections = [
        ("问得最多的事项", [f"{r['name']}：{r['conversations']}" for r in data["most_asked"][:10]]),
        (
            "没能识别的提问（可补充训练语料）",
            [f"{r['count']}× {r['text']}（{r['kind_label']}）" for r in data["not_placed"][:15]],
        ),
        (
            "放弃了的“您是想办理…”",
            [f"{r['count']}× {' / '.join(r['names'])}" for r in data["abandoned_choices"][:10]],
        ),
        (
            "放弃了的情形问题",
            [f"{r['count']}× {r['name']}：{r['question']}" for r in data["abandoned_questions"][:10]],
        ),
        (
            "转人工（按事项）",
            [
                f"{r['name']}：工作时间 {r['requested']}，非工作时间 {r['after_hours']}"
                for r in data["handoffs"][:10]
            ],
        ),
        (
            "反馈（按事项）",
            [
                f"{r['name']}：有帮助 {r['helpful']}，没帮助 {r['unhelpful']}"
                for r in data["feedback"]["by_scenario"][:10]
            ],
        ),
        (
            "“没帮助”指向的材料",
            [
                f"{r['count']}× {r['name']}：{r['material_name']}"
                for r in data["feedback"]["unhelpful_by_material"][:10]
            ],
        ),
    ]
    for title, rows in sections:
        lines += ["", f"== {title}", *(rows or ["（无）"])]
    return lines


def run(args: argparse.Namespace) -> int:
    from bot.registry.client import RegistryClient, RegistryUnavailable
    from bot.report.build import report, report_csv
    from bot.settings import get_settings

    settings = get_settings()
    try:
        data = report(RegistryClient.from_settings(settings), settings.events_store_url, args.days)
    except RegistryUnavailable as exc:
        print(f"材料库连不上（{settings.registry.url}）：{exc}", file=sys.stderr)
        return 1
    if args.csv == "-":
        sys.stdout.write(report_csv(data))
    elif args.csv:
        Path(args.csv).write_text(report_csv(data), encoding="utf-8")
        print(f"[report] written to {args.csv}")
    elif args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(_lines(data)))
    return 0
