"""A region's data in the seed's format: its dry run shows a changed exemption and changes
nothing; a zip of a seed is unpacked with only the seed's own file names; and the command line
(`python -m bot registry import --dry-run / --sheet`, `registry template`) as a person runs it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.registry.cli import DEFAULT_SEED
from bot.registry.files import content_digest, load_registry
from bot.registry.seed_import import import_seed
from bot.registry_import.plan import ImportRefused
from bot.registry_import.seed import dry_run_seed, unpack_seed_zip
from bot.registry_import.sheet import SHEET
from bot.settings import ROOT, get_settings
from tests.registry_import.helpers import SOURCE, filled, registry_copy

REGISTRY = get_settings().registry.dir


@pytest.fixture
def region(tmp_path: Path) -> tuple[Path, Path, str, str]:
    """A seed of the scenarios and a registry imported from it; then the seed gains one exemption.
    Returns (seed, registry, the scenario's name, the material's name)."""
    seed = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED / "scenarios", seed / "scenarios")
    directory = registry_copy(REGISTRY, tmp_path / "registry")
    import_seed(seed, directory)  # the registry as this seed makes it
    path = seed / "scenarios" / "newborn.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    names = [m["name"] for m in doc["materials"]]
    material = next(m for m in doc["materials"] if not m.get("exempt_kind") and names.count(m["name"]) == 1)
    material |= {"exempt_kind": "e_licence_verification", "exempt_desc": "通过电子证照核验"}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return seed, directory, doc["scenario"], material["name"]


def test_a_seed_dry_run_shows_the_change_and_changes_nothing(
    region: tuple[Path, Path, str, str], tmp_path: Path
) -> None:
    seed, directory, scenario, material = region
    before = content_digest(directory)
    plan = dry_run_seed(seed, directory, tmp_path / "work")
    assert content_digest(directory) == before
    assert ("scenarios/newborn.yml", "changed") in plan.files
    line = next(line for line in plan.lines() if material in line)
    assert line.startswith(f"「{load_registry(directory).scenarios['newborn'].name}」")
    assert "免提交 不免提交 → 电子证照核验（通过电子证照核验）" in line
    assert scenario


def test_the_command_line_dry_run_and_sheet_import(
    region: tuple[Path, Path, str, str], tmp_path: Path
) -> None:
    seed, directory, _, material = region
    env = {**os.environ, "ONCEONLY_REGISTRY_DIR": str(directory), "ONCEONLY_VAR_DIR": str(tmp_path / "var")}

    def bot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "registry", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    before = content_digest(directory)
    dry = bot("import", "--seed", str(seed), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (
        "修改 scenarios/newborn.yml" in dry.stdout
        and material in dry.stdout
        and "没有修改任何文件" in dry.stdout
    )
    assert content_digest(directory) == before

    template = bot("template", str(tmp_path / "t.xlsx"), "--guide", "newborn")
    assert template.returncode == 0, template.stderr
    rows = list(load_workbook(tmp_path / "t.xlsx")[SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(load_registry(directory).scenarios["newborn"].requirements)
    unknown = bot("template", str(tmp_path / "u.xlsx"), "--guide", "no_such_guide")
    assert unknown.returncode == 2 and "没有这个事项" in unknown.stderr

    name = rows[0][1]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(filled(tmp_path / "b.xlsx", [["newborn", name, "必要", "", "刷脸", "", "", SOURCE]]))
    refused = bot("import", "--sheet", str(bad))
    assert refused.returncode == 2 and "第 2 行「免提交方式」" in refused.stderr
    assert content_digest(directory) == before

    good = tmp_path / "good.xlsx"
    good.write_bytes(
        filled(tmp_path / "g.xlsx", [["newborn", name, "按情形", "外省户籍的", "", "", "", SOURCE]])
    )
    applied = bot("import", "--sheet", str(good))
    assert applied.returncode == 0, applied.stderr
    assert f"已导入，来源记为：{SOURCE}" in applied.stdout
    req = next(r for r in load_registry(directory).scenarios["newborn"].requirements if r.seed_name == name)
    assert (req.necessity, req.condition) == ("conditional", "外省户籍的")
    assert SOURCE in (directory / "changelog.yml").read_text(encoding="utf-8")


def zipped(members: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return data.getvalue()


def test_a_seed_zip_unpacks_only_the_seeds_own_files(tmp_path: Path) -> None:
    guide = (DEFAULT_SEED / "scenarios" / "newborn.json").read_bytes()
    seed = unpack_seed_zip(
        zipped(
            {
                "hunan/scenarios/newborn.json": guide,
                "hunan/matter_catalogue.jsonl": b"",
                "../escape.json": b"{}",
                "hunan/scenarios/../../escape2.json": b"{}",
                "/etc/cron.d/evil": b"x",
                "hunan/run.sh": b"echo",
            }
        ),
        tmp_path,
    )
    found = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert (
        found == ["seed/matter_catalogue.jsonl", "seed/scenarios/newborn.json"] and seed == tmp_path / "seed"
    )
    with pytest.raises(ImportRefused, match="不是 zip"):
        unpack_seed_zip(b"plain text", tmp_path / "a")
    with pytest.raises(ImportRefused, match="缺少 scenarios/"):
        unpack_seed_zip(zipped({"readme.txt": b"hi"}), tmp_path / "b")
    with pytest.raises(ImportRefused, match="不是有效的 JSON"):
        unpack_seed_zip(zipped({"scenarios/x.json": b"{not json"}), tmp_path / "c")
