"""``python -m bot registry import --dry-run`` / ``--sheet FILE`` and ``registry template FILE.xlsx``.

The seed import without these options runs as it always has (bot/registry/cli.py); a dry run
imports into a copy under a temporary directory and prints what would change, and a sheet
is applied only after the same dry run, with its source recorded in changelog.yml.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from pathlib import Path

from bot.registry.files import load_registry
from bot.registry_import.plan import ImportPlan, ImportRefused, StaleImport, apply_with_source
from bot.registry_import.seed import dry_run_seed
from bot.registry_import.sheet import SheetRefused, dry_run_sheet, sources, write_template
from bot.settings import Settings


def add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="show what the import would change, change nothing"
    )
    parser.add_argument(
        "--sheet", type=Path, metavar="FILE.xlsx", help="import a filled-in template instead of the seed"
    )
    parser.add_argument("--source", help="with --sheet: the document or notice the rows rest on (recorded)")


def add_template_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="write the spreadsheet template a department fills in")
    p.add_argument("file", type=Path, metavar="FILE.xlsx")
    p.add_argument(
        "--guide",
        action="append",
        default=[],
        metavar="ID",
        help="fill in this scenario's or matter's current requirements (repeatable)",
    )


def wants(args: argparse.Namespace) -> bool:
    """Whether this command is ours rather than the plain seed import."""
    return args.action == "template" or (args.action == "import" and (args.dry_run or args.sheet is not None))


def print_plan(plan: ImportPlan) -> None:
    if plan.counts.get("kept"):
        print(f"保留编辑器中人工审定的字段 {plan.counts['kept']} 处（不按种子数据覆盖）。")
    if plan.empty:
        print("与当前材料库相比没有任何变化。")
        return
    print(f"将写入 {len(plan.files)} 个文件：")
    for path, change in plan.files:
        print(f"  {'新增' if change == 'added' else '修改'} {path}")
    print("变化：")
    for line in plan.lines():
        print(f"  {line}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    directory = getattr(args, "out", None) or settings.registry.dir
    try:
        if args.action == "template":
            filled = write_template(args.file, load_registry(directory) if args.guide else None, args.guide)
            print(
                f"已写入 {args.file}（{filled} 行已填入当前内容）；填好后：python -m bot registry import --sheet {args.file} --dry-run"
            )
            return 0
        with tempfile.TemporaryDirectory(prefix="onceonly-import-") as work:
            if args.sheet is not None:
                if not args.sheet.is_file():
                    print(f"找不到表格文件：{args.sheet}", file=sys.stderr)
                    return 2
                plan, rows = dry_run_sheet(args.sheet.read_bytes(), directory, Path(work))
                source = args.source or "；".join(sources(rows))
            else:
                seed = args.refresh or args.seed
                plan = dry_run_seed(seed, directory, Path(work))
                source = args.source or str(seed)
            print_plan(plan)
            if args.dry_run:
                print("（预览：没有修改任何文件）")
                return 0
            if not plan.empty:
                by = getpass.getuser()
                apply_with_source(plan, source, by, f"导入 {args.sheet or seed}")
                print(f"已导入，来源记为：{source}")
            return 0
    except SheetRefused as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except (ImportRefused, StaleImport) as exc:
        print(str(exc), file=sys.stderr)
        return 2
