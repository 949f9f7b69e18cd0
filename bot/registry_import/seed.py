"""A region's data in the seed's format, imported into a staged copy of the registry.

The seed import (bot/registry/seed_import.py) is the one that has always built
``data/registry``; here it only ever writes into a copy, so its dry run is the real thing.
A seed arrives as a directory (the command line) or as a zip of one (the web page): the
zip is unpacked with only the seed's own file names allowed, so no member can land outside
the work directory or fill the disk.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from bot.registry.seed_import import import_seed
from bot.registry_import.plan import ImportPlan, ImportRefused, plan_import, stage_copy

# What a seed holds: one JSON file per guide, and the portal's listing of matters.
SEED_MEMBER = re.compile(
    r"^(?:[^/]+/)?((?:scenarios|matters)/[A-Za-z0-9_.-]+\.json|matter_catalogue\.jsonl)$"
)
MAX_UNPACKED = 200 * 1024 * 1024


def check_seed(seed_dir: Path) -> None:
    if not (seed_dir / "scenarios").is_dir() and not (seed_dir / "matters").is_dir():
        raise ImportRefused(f"{seed_dir} 不是种子数据目录：缺少 scenarios/ 或 matters/")


def dry_run_seed(seed_dir: Path, registry_dir: Path, work: Path) -> ImportPlan:
    """Import ``seed_dir`` into a copy of ``registry_dir`` under ``work``; what it would change."""
    check_seed(seed_dir)
    staged = stage_copy(registry_dir, work)
    try:
        counts = import_seed(seed_dir, staged)
    except (KeyError, TypeError, ValueError) as exc:  # a seed file without a field the import needs
        raise ImportRefused(f"种子数据格式不对：{exc.__class__.__name__} {exc}") from exc
    plan = plan_import(registry_dir, staged)
    plan.counts = counts
    return plan


def unpack_seed_zip(data: bytes, work: Path) -> Path:
    """A zip of a seed directory, unpacked into ``work/seed`` (only the seed's file names)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportRefused("上传的文件不是 zip 压缩包") from exc
    seed = work / "seed"
    total = 0
    with archive:
        for member in archive.infolist():
            found = SEED_MEMBER.match(member.filename)
            if member.is_dir() or found is None:
                continue
            total += member.file_size
            if total > MAX_UNPACKED:
                raise ImportRefused("压缩包解压后超过 200 MB")
            target = seed / found.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    check_seed(seed)
    for path in sorted(seed.rglob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ImportRefused(f"{path.relative_to(seed)} 不是有效的 JSON：{exc}") from exc
    return seed
