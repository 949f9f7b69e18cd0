"""``python -m bot registry …``: import the seed, serve, and ask the registry from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.registry.checklist import AnswerError, compute_checklist
from bot.registry.files import Registry, RegistryError, load_registry
from bot.registry.seed_import import import_seed, refresh_seed
from bot.registry.stats import registry_stats
from bot.registry.store import Store
from bot.registry_import import cli as import_options
from bot.render import checklist_text, stats_lines
from bot.settings import ROOT, Settings, get_settings

# The project's own copy of the seed (with its README and PROVENANCE.md); refresh it with
# `make registry-import SEED=/path/to/newer/seed` (= `python -m bot registry import --refresh DIR`).
DEFAULT_SEED = ROOT / "data" / "sources" / "hunan"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("registry", help="the material registry")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("import", help="turn the seed into data/registry (reproducible)")
    p.add_argument(
        "--seed", type=Path, default=DEFAULT_SEED, help="seed directory (default: data/sources/hunan)"
    )
    p.add_argument(
        "--refresh",
        type=Path,
        metavar="DIR",
        help="first replace the project's copy of the seed (data/sources/hunan) with DIR, then import it",
    )
    p.add_argument("--out", type=Path, default=None, help="registry directory (default: data/registry)")
    import_options.add_import_options(p)  # --dry-run, --sheet (bot/registry_import/cli.py)
    import_options.add_template_parser(sub)
    sub.add_parser("validate", help="load and cross-check data/registry")
    p = sub.add_parser("stats", help="share of requirements exempt or submitted once")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("checklist", help="what a person still has to bring")
    p.add_argument("scenario")
    p.add_argument("--answer", "-a", action="append", default=[], metavar="QUESTION=OPTION")
    p.add_argument("--citizen", help="use this citizen's file from the local store")
    p.add_argument("--json", action="store_true")
    sub.add_parser("serve", help="run the HTTP service")
    p = sub.add_parser(
        "versions", help="registry versions, or what changed between two (bot/registry/versions.py)"
    )
    p.add_argument("--diff", nargs=2, type=int, metavar=("A", "B"), help="what changed from version A to B")
    p.add_argument("--scenario", help="with --diff: only this scenario and the materials it uses")
    p = sub.add_parser("record", help="load data/registry into the store now, as a version with a note")
    p.add_argument("--note", help="why the registry changed (kept with the version)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    directory = settings.registry.dir
    if import_options.wants(args):
        return import_options.run(args, settings)
    try:
        if args.action == "import":
            out = args.out or directory
            seed = args.seed
            if args.refresh is not None:
                if not (args.refresh / "scenarios").is_dir():
                    print(f"找不到种子数据目录: {args.refresh}/scenarios", file=sys.stderr)
                    return 2
                refresh_seed(args.refresh, DEFAULT_SEED)
                print(f"已将 {args.refresh} 复制到 {DEFAULT_SEED}（见 PROVENANCE.md）", flush=True)
                seed = DEFAULT_SEED
            if not (seed / "scenarios").is_dir():
                print(f"找不到种子数据目录: {seed}/scenarios", file=sys.stderr)
                return 2
            print(f"导入 {seed} → {out} …", flush=True)
            counts = import_seed(seed, out, progress=lambda line: print(line, flush=True))
            registry = load_registry(out)
            print(
                f"完成：{counts['scenarios']} 个一件事，{counts['matters']} 个事项，"
                f"{counts['requirements'] + counts['matter_requirements']} 项材料要求"
                f"（{counts['by_code']} 项按标准材料编码归并），"
                f"目录 {counts['materials']} 项标准材料（新增 {counts['new_materials']} 项），"
                f"事项目录 {counts['catalogue']} 项（{counts['catalogue_linked']} 项有材料清单）；"
                f"保留编辑器中人工审定的字段 {counts['kept']} 处；"
                f"digest {registry.digest}。"
            )
            return 0
        registry = load_registry(directory)
        if args.action == "validate":
            print(
                f"registry OK: {len(registry.scenarios)} 个一件事，{len(registry.matters)} 个事项，"
                f"{len(registry.catalogue)} 项事项目录，{len(registry.materials)} 项标准材料，"
                f"digest {registry.digest}"
            )
            return 0
        if args.action == "stats":
            stats = registry_stats(registry.guides().values())
            if args.json:
                print(json.dumps(stats, ensure_ascii=False, indent=2))
            else:
                print("\n".join(stats_lines(stats)))
            return 0
        if args.action == "checklist":
            return _checklist(args, registry, settings)
        if args.action == "serve":
            from bot.registry.service import serve

            serve(settings)
            return 0
        if args.action in ("versions", "record"):
            return _versions(args, registry, settings)
    except RegistryError as exc:
        print(f"registry data error: {exc}", file=sys.stderr)
        return 1
    return 2


def _checklist(args: argparse.Namespace, registry: Registry, settings: Settings) -> int:
    scenario = registry.guides().get(args.scenario)
    if scenario is None:
        print(
            f"没有这个一件事或事项: {args.scenario}（一件事: {', '.join(sorted(registry.scenarios))}；"
            "事项 id 见 data/registry/matters/）",
            file=sys.stderr,
        )
        return 2
    answers = dict(a.split("=", 1) for a in args.answer if "=" in a)
    held = []
    if args.citizen:
        store = Store.open(settings.registry_store_url)
        store.sync(registry, with_demo=settings.registry.load_demo_citizens)
        held = store.file(args.citizen)
    try:
        result = compute_checklist(scenario, registry.materials, answers, held)
    except AnswerError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(checklist_text(result))
    for q in result["unanswered"]:
        options = " / ".join(f"{o['id']}={o['label']}" for o in q["options"])
        print(f"\n尚未回答的情形 {q['id']}: {q['text']}  ({options})")
    return 0


def _versions(args: argparse.Namespace, registry: Registry, settings: Settings) -> int:
    """List versions or diff two, from the store the service uses; ``record`` syncs the files first."""
    from bot.registry.versions import Versions

    store = Store.open(settings.registry_store_url)
    if args.action == "record":
        store.sync(registry, with_demo=settings.registry.load_demo_citizens, note=args.note)
    versions = Versions(store.engine)
    if args.action == "versions" and args.diff:
        a, b = args.diff
        print(json.dumps(versions.diff(a, b, args.scenario), ensure_ascii=False, indent=2))
        return 0
    for v in versions.all(20 if args.action == "versions" else 1):
        note = f"（{v['note']}）" if v["note"] else ""
        print(f"v{v['number']}  {v['created_at']}  {v['summary']}{note}")
    return 0
