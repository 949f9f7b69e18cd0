"""The committed registry data: complete, consistent, traceable to the seed, reproducible."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys

import pytest

from bot.registry.cli import DEFAULT_SEED
from bot.registry.files import RegistryError, load_registry
from bot.registry.seed_import import import_seed, parse_issuer
from bot.settings import ROOT

REGISTRY = ROOT / "data" / "registry"
SEED_IDS = sorted(p.stem for p in (DEFAULT_SEED / "scenarios").glob("*.json"))


def test_all_40_seed_scenarios_are_in_the_registry(registry):
    assert len(SEED_IDS) == 40
    assert sorted(registry.scenarios) == SEED_IDS


def test_every_requirement_traces_back_to_its_seed_material(registry):
    for sid in SEED_IDS:
        seed = json.loads((DEFAULT_SEED / "scenarios" / f"{sid}.json").read_text())
        scenario = registry.scenarios[sid]
        assert [r.seed_name for r in scenario.requirements] == [m["name"] for m in seed["materials"]]
        assert scenario.source.official_url == seed["source"]["official_url"]
        for req, raw in zip(scenario.requirements, seed["materials"], strict=True):
            assert req.codes["necessity_code"] == raw["necessity_code"]
            assert (req.exemption.kind if req.exemption else None) == raw.get("exempt_kind")


def test_scenarios_without_a_full_material_list_are_flagged(registry):
    flagged = {s.id for s in registry.scenarios.values() if s.materials_incomplete}
    assert flagged == {
        "new_home_purchase",
        "teacher_qualification",
        "appliance_tradein_subsidy",
        "car_tradein_subsidy",
        "domestic_service_credit_check",
        "sole_trader_to_company",
        "enterprise_property_transfer",
    }


def test_the_same_document_is_one_catalogue_entry_across_scenarios(registry):
    """居民身份证 / 父母身份证 / 申请人身份证 … are one material, so a submission is reusable everywhere."""
    used = {}
    for s in registry.scenarios.values():
        for r in s.requirements:
            used.setdefault(r.material, set()).add(s.id)
    id_card = {
        r.material
        for s in registry.scenarios.values()
        for r in s.requirements
        if r.seed_name in ("父母身份证", "中华人民共和国居民身份证", "申请人居民身份证")
    }
    assert len(id_card) == 1
    assert len(used[id_card.pop()]) >= 10
    shared = [m for m, ss in used.items() if len(ss) > 1]
    assert len(shared) >= 15


def test_merge_decisions_live_in_the_catalogue(registry):
    for material in registry.materials.values():
        assert material.merged_from, material.id
        assert all(entry["name"] for entry in material.merged_from)


def test_import_is_reproducible_and_matches_the_committed_data(tmp_path):
    """Re-importing the seed over the committed data changes nothing: every fact is the seed's."""
    out = tmp_path / "registry"
    shutil.copytree(REGISTRY, out)
    import_seed(DEFAULT_SEED, out)
    diff = filecmp.dircmp(REGISTRY, out)
    assert not diff.diff_files and not diff.left_only and not diff.right_only
    scen = filecmp.dircmp(REGISTRY / "scenarios", out / "scenarios")
    assert not scen.diff_files and not scen.left_only and not scen.right_only


def test_import_from_scratch_gives_a_valid_registry(tmp_path):
    counts = import_seed(DEFAULT_SEED, tmp_path)
    assert counts["scenarios"] == 40
    registry = load_registry(tmp_path)
    assert sum(len(s.requirements) for s in registry.scenarios.values()) == counts["requirements"]
    again = tmp_path.parent / "again"
    import_seed(DEFAULT_SEED, again)
    assert (again / "materials.yml").read_bytes() == (tmp_path / "materials.yml").read_bytes()


@pytest.mark.parametrize(
    ("mapping", "code", "expected"),
    [
        ("government(公安)", "20", ("government", "公安")),
        ("third_party(医疗机构)/government(公安) for 非正常死亡", "99", ("third_party", "医疗机构")),
        ("applicant(form, 单位盖章)", "10", ("applicant", None)),
        ("居委会/村委会/民政/法院", "10", ("applicant", "居委会/村委会/民政/法院")),
        (None, "99", ("third_party", None)),
    ],
)
def test_issuer_mapping_is_read_as_the_seed_writes_it(mapping, code, expected):
    assert parse_issuer(mapping, code) == expected


def test_broken_references_are_refused(tmp_path):
    shutil.copytree(REGISTRY, tmp_path / "r")
    path = tmp_path / "r" / "scenarios" / "newborn.yml"
    path.write_text(path.read_text().replace("material: ", "material: nonexistent_", 1))
    with pytest.raises(RegistryError, match="unknown material"):
        load_registry(tmp_path / "r")


def test_cli_stats_prints_the_share_per_scenario_and_overall():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "stats"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "新生儿出生一件事" in out and "合计 40 个事项" in out and "%" in out


def test_cli_checklist_reads_in_chinese():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "checklist", "newborn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("【新生儿出生一件事】")
    assert "共需" in out and "免提交" in out and "费用清单" in out
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "checklist", "passport"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "没有这个事项" in bad.stderr
