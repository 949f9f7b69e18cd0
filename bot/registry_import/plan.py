"""A staged copy of the registry, what it would change, and applying it.

The import code (the seed's and the spreadsheet's) only ever writes into a staged copy, so
a dry run and a real import run the very same code: the dry run stops after the diff. The
diff compares the two registries as loaded (bot/registry/version_diff.py, the words people
already see for versions), and the file list says which YAML files would be written. A plan
remembers the digest of the files it was made from: applying it after someone else changed
the registry would silently undo their change, so that is refused.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from bot.registry import changelog
from bot.registry.files import Registry, RegistryError, content_digest, load_registry
from bot.registry.version_diff import MATERIAL, SCENARIO, Snapshot, describe_scenario, diff_snapshots
from bot.registry.versions import plain_documents
from bot.registry_import.labels import value_words


class ImportRefused(ValueError):
    """The input cannot be imported; the message says where and why (shown as a 4xx / exit 2)."""


class StaleImport(RuntimeError):
    """The registry changed after the dry run; the plan must be made again."""


@dataclass
class ImportPlan:
    """What applying the staged copy ``staged`` to ``registry_dir`` would change."""

    registry_dir: Path
    staged: Path
    base_digest: str
    files: list[tuple[str, str]]  # (path relative to the registry, "added" | "changed")
    diff: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    requirement_lines: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.files

    def lines(self) -> list[str]:
        """The changes in plain words: a guide added or removed in one line, a changed guide's
        requirements each with their values before and after, then the material catalogue."""
        found: list[str] = []
        for change in self.diff["scenarios"]:
            details = self.requirement_lines.get(change["id"])
            found.extend(
                details if details and change["change"] == "changed" else [describe_scenario(change)]
            )
        for material in self.diff["materials"]:
            verb = {"added": "新增", "removed": "删除"}.get(material["change"])
            if verb:
                found.append(f"标准材料目录：{verb}「{material['name']}」")
            else:
                fields = "、".join(f["label"] for f in material.get("fields") or [])
                found.append(f"标准材料目录：「{material['name']}」修改{fields}")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [{"path": p, "change": c} for p, c in self.files],
            "changes": self.lines(),
            "summary": self.diff["summary"],
            "counts": self.counts,
        }


def stage_copy(registry_dir: Path, work: Path) -> Path:
    """A copy of the registry's YAML files under ``work/registry`` for an import to write into."""
    staged = work / "registry"
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(registry_dir, staged, ignore=lambda _d, names: [n for n in names if n.startswith(".")])
    return staged


def snapshot(registry: Registry) -> Snapshot:
    found: Snapshot = {SCENARIO: {}, MATERIAL: {}}
    for (kind, rid), doc in plain_documents(registry).items():
        found[kind][rid] = doc
    return found


def _yaml_files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*.yml"))}


def plan_import(registry_dir: Path, staged: Path, before: Registry | None = None) -> ImportPlan:
    """Compare the staged copy with the registry; the copy must load and validate.

    ``before`` is the registry as loaded when the copy was made (loaded now if not given): its
    digest is what applying the plan checks the files against.
    """
    try:
        after = load_registry(staged)
    except (RegistryError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ImportRefused(f"导入后的材料库数据不成立：{exc}") from exc
    before = before or load_registry(registry_dir)
    old, new = _yaml_files(registry_dir), _yaml_files(staged)
    files = [(path, "added" if path not in old else "changed") for path in new if old.get(path) != new[path]]
    a, b = snapshot(before), snapshot(after)
    diff = diff_snapshots(a, b)
    return ImportPlan(
        registry_dir,
        staged,
        before.digest,
        files,
        diff,
        requirement_lines={
            c["id"]: _guide_lines(c, a, b) for c in diff["scenarios"] if c["change"] == "changed"
        },
    )


def _requirement(doc: dict[str, Any] | None, material: str, seed_name: str) -> dict[str, Any]:
    for req in (doc or {}).get("requirements") or []:
        if str(req.get("material")) == material and str(req.get("seed_name")) == seed_name:
            return dict(req)
    return {}


def _guide_lines(change: dict[str, Any], a: Snapshot, b: Snapshot) -> list[str]:
    """A changed guide as lines people check value by value:
    「新生儿出生」居民户口簿：必要性 必要 → 按情形；免提交 不免提交 → 电子证照核验（公安机关）."""
    where = f"「{change['name']}」"
    old, new = a[SCENARIO].get(change["id"]), b[SCENARIO].get(change["id"])
    lines = []
    for m in change.get("materials") or []:
        if m["change"] != "changed":
            lines.append(f"{where}{'新增' if m['change'] == 'added' else '删除'}材料「{m['name']}」")
            continue
        before = _requirement(old, m["material"], m["listed_as"])
        after = _requirement(new, m["material"], m["listed_as"])
        parts = [
            f"{f['label']} {value_words(f['field'], before.get(f['field']))} → "
            f"{value_words(f['field'], after.get(f['field']))}"
            for f in m["fields"]
        ]
        lines.append(f"{where}{m['listed_as']}：" + "；".join(parts))
    for f in change.get("fields") or []:
        quoted = f" {f['before']} → {f['after']}" if "before" in f else ""
        lines.append(f"{where}修改{f['label']}{quoted}")
    return lines


def apply_plan(plan: ImportPlan) -> list[str]:
    """Write the plan's files into the registry (each through a temporary file and a rename, so
    the registry service's reloader never reads half a file); the paths written."""
    if content_digest(plan.registry_dir) != plan.base_digest:
        raise StaleImport("预览之后材料库已有其他修改，请重新上传并预览")
    staged = []
    for path, _change in plan.files:
        target = plan.registry_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.import.tmp")
        shutil.copyfile(plan.staged / path, tmp)
        staged.append((tmp, target))
    for tmp, target in staged:
        os.replace(tmp, target)
    return [path for path, _ in plan.files]


def changelog_entry(plan: ImportPlan, source: str, by: str, what: str) -> dict[str, Any]:
    return {
        "id": f"import-{uuid.uuid4().hex[:12]}",
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kind": "import",
        "what": what,
        "source": source,
        "author": by,
        "reviewer": f"{by}（导入前已预览确认）",
        "summary": plan.diff["summary"],
    }


def apply_with_source(plan: ImportPlan, source: str, by: str, what: str) -> list[str]:
    """Write the plan's files, then the changelog entry naming the source (the reloader reads
    the newest entry as the version's note, so it goes last)."""
    written = apply_plan(plan)
    directory = plan.registry_dir
    entry = changelog_entry(plan, source, by, what)
    (directory / ".changelog.import.tmp").write_text(
        changelog.append_text(directory, entry), encoding="utf-8"
    )
    (directory / ".changelog.import.tmp").replace(directory / changelog.FILE)
    return [*written, changelog.FILE]
