"""The committed registry data: complete, consistent, traceable to the seed, reproducible.

The seed is the project's own copy in ``data/sources/hunan`` (never ``../shared``), so a
clone without anything beside it imports and tests the same.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.registry.checklist import EXEMPT_REASONS, compute_checklist
from bot.registry.cli import DEFAULT_SEED
from bot.registry.files import RegistryError, load_registry
from bot.registry.model import EXEMPT_KINDS
from bot.registry.seed_import import PROVENANCE, import_seed, parse_issuer, refresh_seed
from bot.settings import ROOT

REGISTRY = ROOT / "data" / "registry"
SEED_IDS = sorted(p.stem for p in (DEFAULT_SEED / "scenarios").glob("*.json"))
MATTER_SEEDS = {
    p.stem: json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((DEFAULT_SEED / "matters").glob("*.json"))
}
LISTING = [
    json.loads(line)
    for line in (DEFAULT_SEED / "matter_catalogue.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def _dirs_equal(a: Path, b: Path) -> None:
    """Byte-identical trees (filecmp.dircmp compares shallowly: check every file's bytes)."""
    left = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert left == right
    for rel in left:
        assert filecmp.cmp(a / rel, b / rel, shallow=False), rel


def test_the_project_owns_its_seed():
    """The import reads the repository's copy, which keeps the seed's README and its provenance."""
    assert DEFAULT_SEED == ROOT / "data" / "sources" / "hunan"
    for name in ("README.md", "CATALOGUE.md", "CODES.md", PROVENANCE, "hunan_theme_index.json"):
        assert (DEFAULT_SEED / name).is_file(), name
    assert "make registry-import SEED=" in (DEFAULT_SEED / PROVENANCE).read_text(encoding="utf-8")


def test_nothing_reads_the_shared_seed_beside_the_repository():
    """A clone without ../shared must work: no code, test or Makefile points there."""
    pattern = re.compile(r"\.\./shared|/work/shared|\"shared\"\s*/|'shared'\s*/")
    files = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py"), ROOT / "Makefile"]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        if "node_modules" not in path.parts and path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not offenders, offenders


def test_all_52_seed_scenarios_are_in_the_registry(registry):
    assert len(SEED_IDS) == 52
    assert sorted(registry.scenarios) == SEED_IDS
    assert all(s.kind == "scenario" for s in registry.scenarios.values())


def test_every_requirement_traces_back_to_its_seed_material(registry):
    for sid in SEED_IDS:
        seed = json.loads((DEFAULT_SEED / "scenarios" / f"{sid}.json").read_text(encoding="utf-8"))
        scenario = registry.scenarios[sid]
        assert scenario.name == seed["scenario"]
        assert [r.seed_name for r in scenario.requirements] == [m["name"] for m in seed["materials"]]
        assert scenario.source.official_url == seed["source"]["official_url"]
        for req, raw in zip(scenario.requirements, seed["materials"], strict=True):
            assert req.codes.get("necessity_code") == raw.get("necessity_code")
            assert (req.exemption.kind if req.exemption else None) == raw.get("exempt_kind")


def test_all_328_matters_are_in_the_registry_with_their_facts(registry):
    assert len(MATTER_SEEDS) == 328
    assert sorted(registry.matters) == sorted(MATTER_SEEDS)
    assert not set(registry.matters) & set(registry.scenarios)
    assert len(registry.guides()) == 52 + 328
    for mid, seed in MATTER_SEEDS.items():
        matter = registry.matters[mid]
        assert matter.kind == "matter"
        assert matter.name == seed["name"]
        assert matter.service_id == seed["service_id"]
        assert matter.matter_code == seed["matter_code"] and matter.business_code == seed["business_code"]
        assert matter.department == seed["department"] and matter.matter_type == seed["matter_type"]
        assert matter.source.official_url == seed["source"]["official_url"]
        assert matter.source.path == seed["source"]["path"]
        assert list(matter.eligibility) == seed["conditions"]
        assert list(matter.related_scenarios) == seed["related_scenarios"]
        assert matter.contact == {}  # the provincial guides carry no phones or halls
        assert len(matter.fees) == len(seed["charges"])
    bundled = [m for m in registry.matters.values() if m.related_scenarios]
    assert len(bundled) == 73


def test_every_matter_requirement_traces_back_to_its_seed_material(registry):
    count = 0
    for mid, seed in MATTER_SEEDS.items():
        matter = registry.matters[mid]
        assert [r.seed_name for r in matter.requirements] == [m["name"] for m in seed["materials"]]
        for req, raw in zip(matter.requirements, seed["materials"], strict=True):
            count += 1
            assert req.codes["necessity"] == raw["necessity"]
            assert req.codes["matter_material_code"] == raw["matter_material_code"]
            assert req.codes.get("material_code") == raw.get("material_code")
            assert req.codes["exempt_raw"] == raw["exempt_raw"]
            assert (req.exemption.kind if req.exemption else None) == raw.get("exempt_kind")
            if raw["necessity"] == "必要":
                assert req.necessity == "required"
            else:  # 非必要, 容缺后补, 信用免交、信用后补: the portal's note says when
                assert req.necessity == "conditional"
                assert req.condition == raw.get("note")
            assert req.issuer_kind == parse_issuer(raw.get("issuer_kind"), raw.get("source_code"))[0]
    assert count == 1298


def test_e_licence_substitute_is_an_exemption_the_checklist_explains(registry):
    assert "e_licence_substitute" in EXEMPT_KINDS
    assert EXEMPT_REASONS["e_licence_substitute"] == "以电子证照代替，无需提交纸质材料"
    substituted = [
        (m, r)
        for m in registry.matters.values()
        for r in m.requirements
        if r.exemption and r.exemption.kind == "e_licence_substitute"
    ]
    assert len(substituted) == 330
    matter, req = next(
        (m, r) for m, r in substituted if all(x.necessity == "required" for x in m.requirements)
    )
    result = compute_checklist(matter, registry.materials, {}, [])
    item = next(i for i in result["items"] if i["material"] == req.material)
    assert item["status"] == "exempt"
    assert item["exemption"]["reason"] == "以电子证照代替，无需提交纸质材料"
    assert item["exemption"]["official_text"] == "电子证照代替"


def test_the_catalogue_lists_every_portal_matter_with_its_source(registry):
    assert len(LISTING) == 3135
    assert list(registry.catalogue) == [raw["service_id"] for raw in LISTING]
    for raw in LISTING:
        entry = registry.catalogue[raw["service_id"]]
        assert entry.name == raw["name"]  # verbatim, portal noise included
        assert (entry.audience, entry.matter_type, entry.department) == (
            raw["audience"],
            raw["matter_type"],
            raw["department"],
        )
        assert list(entry.categories) == raw["categories"]
        assert entry.official_url == raw["official_url"]
        assert entry.source.path == raw["wiki_path"]
        assert entry.source.repo == raw["source"]["repo"] and entry.source.commit == raw["source"]["commit"]
    linked = {e.matter: e.service_id for e in registry.catalogue.values() if e.matter}
    assert len(linked) == 328
    assert all(registry.matters[mid].service_id == sid for mid, sid in linked.items())
    assert any(name.endswith("\u3000") for name in (e.name for e in registry.catalogue.values()))


def test_a_matter_takes_audience_and_categories_from_the_catalogue(registry):
    matter = registry.matters["birth_date_correction"]
    entry = registry.catalogue[matter.service_id]
    assert entry.matter == "birth_date_correction"
    assert (matter.audience, matter.categories) == (entry.audience, entry.categories)


def test_scenarios_without_a_full_material_list_are_flagged(registry):
    flagged = {s.id for s in registry.scenarios.values() if s.materials_incomplete}
    # the seed README's eleven, plus three new themes listing fewer materials than their after-reform count
    assert flagged >= {
        "new_home_purchase",
        "teacher_qualification",
        "appliance_tradein_subsidy",
        "car_tradein_subsidy",
        "domestic_service_credit_check",
        "sole_trader_to_company",
        "enterprise_property_transfer",
        "listing_compliance_check",
        "enterprise_data_reporting",
        "tech_enterprise_support",
        "postal_customs_clearance",
    }
    for sid in flagged:
        seed = json.loads((DEFAULT_SEED / "scenarios" / f"{sid}.json").read_text(encoding="utf-8"))
        after = (seed.get("reform_effect_fields") or {}).get("after_materials")
        assert not seed["materials"] or (after and len(seed["materials"]) < after)


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


def test_a_standard_code_is_one_material_across_scenarios_and_matters(registry):
    """One material, one number: L2000016 is the same 居民身份证 in scenarios and matters."""
    by_code = {code: m.id for m in registry.materials.values() for code in m.codes}
    assert by_code["L2000016"] == by_code["L11100000000013127D002"] == "id_card"
    assert by_code["L2000003"] == by_code["L2000019"]  # 机动车驾驶证, bound to two codes by the portal
    guides_with_id_card = {g.kind: set() for g in registry.guides().values()}
    exceptions = 0
    for guide in registry.guides().values():
        for r in guide.requirements:
            code = r.codes.get("material_code")
            if code not in by_code:
                continue
            if r.material == by_code[code]:
                if code == "L2000016":
                    guides_with_id_card[guide.kind].add(guide.id)
                continue
            # the only exceptions are curated ones: the claim says so in materials.yml
            claims = [c for c in registry.materials[r.material].merged_from if c["name"] == r.seed_name]
            assert any(
                c.get("overrides_code") or guide.id in (c.get("scenarios") or []) + (c.get("matters") or [])
                for c in claims
            ), (guide.id, r.seed_name, code)
            exceptions += 1
    assert len(guides_with_id_card["matter"]) >= 150 and len(guides_with_id_card["scenario"]) >= 5
    assert exceptions <= 10


def test_a_matters_own_forms_are_not_reused_by_another_matter(registry):
    """书面申请 of one matter is another document than 书面申请 of the next one."""
    written = {
        r.material for m in registry.matters.values() for r in m.requirements if r.seed_name == "书面申请"
    }
    assert len(written) > 1


def test_merge_decisions_live_in_the_catalogue(registry):
    for material in registry.materials.values():
        assert material.merged_from, material.id
        assert all(entry["name"] for entry in material.merged_from)


def test_ids_never_collide_and_catalogue_links_are_checked(tmp_path):
    shutil.copytree(REGISTRY, tmp_path / "r")
    shutil.copy(
        tmp_path / "r" / "matters" / "birth_date_correction.yml", tmp_path / "r" / "matters" / "newborn.yml"
    )
    path = tmp_path / "r" / "matters" / "newborn.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: birth_date_correction", "id: newborn"))
    with pytest.raises(RegistryError, match="also a scenario's"):
        load_registry(tmp_path / "r")
    path.unlink()
    catalogue = tmp_path / "r" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace('"matter": "', '"matter": "x_', 1))
    with pytest.raises(RegistryError, match="unknown"):
        load_registry(tmp_path / "r")


def test_the_parse_cache_gives_the_same_registry(registry, tmp_path, monkeypatch):
    """The registry parsed from YAML equals the one from var/cache; a broken cache is ignored."""
    import bot.registry.files as files

    cached = load_registry(REGISTRY)
    monkeypatch.setattr(files, "PARSE_CACHE", tmp_path / "elsewhere" / "x" / "cache")
    fresh = load_registry(REGISTRY)  # not under PARSE_CACHE's project: parsed from the YAML
    assert fresh == cached == registry
    copy = tmp_path / "elsewhere" / "registry"
    shutil.copytree(REGISTRY, copy)
    load_registry(copy)
    [path] = (tmp_path / "elsewhere" / "x" / "cache").glob("registry-*.json")
    path.write_text("{not json")
    assert load_registry(copy) == load_registry(copy)


def test_import_is_reproducible_and_matches_the_committed_data(tmp_path):
    """Re-importing the seed over the committed data changes nothing: every fact is the seed's."""
    out = tmp_path / "registry"
    shutil.copytree(REGISTRY, out)
    import_seed(DEFAULT_SEED, out)
    _dirs_equal(REGISTRY, out)


def test_a_catalogue_alias_survives_a_reimport_and_names_the_entry(tmp_path):
    """Curated aliases of a catalogue-only entry are kept by the import, by service_id, and reach
    the matcher's entry and the store's search, as a matter's do."""
    from bot.nlu.entries import registry_entries
    from bot.registry.store import Store

    out = tmp_path / "registry"
    shutil.copytree(REGISTRY, out)
    path = out / "catalogue.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("- {") and '"matter": ' not in line)
    entry = json.loads(lines[at][2:])
    alias = "测试专用的叫法甲乙"
    entry = {"service_id": entry["service_id"], "name": entry["name"], "aliases": [alias]} | {
        k: v for k, v in entry.items() if k not in ("service_id", "name", "aliases")
    }
    lines[at] = "- " + json.dumps(entry, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    edited = path.read_bytes()
    import_seed(DEFAULT_SEED, out)
    assert path.read_bytes() == edited  # kept in place, nothing else changed
    registry = load_registry(out)
    assert registry.catalogue[entry["service_id"]].aliases == (alias,)
    [indexed] = [e for e in registry_entries(out) if e.id == entry["service_id"]]
    assert indexed.kind == "catalogue" and indexed.aliases == (alias,)
    store = Store.open(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    store.sync(registry, with_demo=False)
    assert [m["id"] for m in store.search_matters(alias)] == [entry["service_id"]]
    store.engine.dispose()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A registry imported from scratch by the command line, as `make registry-import` runs it."""
    out = tmp_path_factory.mktemp("scratch") / "registry"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "import", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "52 个一件事，328 个事项" in done and "事项目录 3135 项" in done
    return out


def test_import_from_scratch_gives_a_valid_registry(scratch):
    registry = load_registry(scratch)
    assert (len(registry.scenarios), len(registry.matters), len(registry.catalogue)) == (52, 328, 3135)
    assert sum(len(s.requirements) for s in registry.guides().values()) == 471 + 1298


NEW_THEMES = (
    "commercial_project_opening",
    "construction_joint_acceptance",
    "construction_start",
    "enterprise_data_reporting",
    "investment_project_approval",
    "ip_protection",
    "listing_compliance_check",
    "oversize_transport",
    "postal_customs_clearance",
    "sports_event_hosting",
    "tech_enterprise_support",
    "tech_transfer",
)


def test_no_scenario_alias_names_one_matter(registry):
    """A word that names one matter (失业金, 夫妻投靠, 临时救助) is that matter's alias, not its
    scenario's: asked for alone, it is answered as the matter and the scenario is offered with it.
    Umbrella words (社保卡, 公积金贷款) that many matters share stay with the scenario."""
    from bot.nlu.retrieval import clean

    def stem(name: str) -> str:
        return re.sub(r"(申领|申请|办理|给付|发放)$", "", clean(name))

    names = [clean(m.name) for m in registry.matters.values()]
    words = {
        form: matter.id
        for matter in registry.matters.values()
        for name in (matter.name, *matter.aliases)
        for form in (clean(name), stem(name))
        # A stem in several matters' names (社会保障卡: 申领, 挂失, …) is an umbrella word.
        if form == clean(name) or sum(form in n for n in names) == 1
    }
    clashes = [
        (scenario.id, alias, words[clean(alias)])
        for scenario in registry.scenarios.values()
        for alias in scenario.aliases
        if clean(alias) in words
    ]
    assert clashes == []


def test_the_12_new_themes_are_imported_without_invented_aliases(scratch):
    registry = load_registry(scratch)
    for sid in NEW_THEMES:
        assert registry.scenarios[sid].aliases == ()
        assert registry.scenarios[sid].source.official_url


def test_import_from_scratch_is_byte_identical_twice(scratch, tmp_path):
    again = tmp_path / "again"
    import_seed(DEFAULT_SEED, again)
    _dirs_equal(scratch, again)


def test_refreshing_the_seed_replaces_the_copy_and_records_it(tmp_path):
    newer = tmp_path / "newer"
    (newer / "scenarios").mkdir(parents=True)
    (newer / "scenarios" / "x.json").write_text("{}")
    (newer / "README.md").write_text("newer")
    copy = tmp_path / "copy"
    (copy / "matters").mkdir(parents=True)
    (copy / "matters" / "gone.json").write_text("{}")
    (copy / PROVENANCE).write_text("# Provenance\n\ncopied once.\n")
    refresh_seed(newer, copy)
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == [
        PROVENANCE,
        "README.md",
        "scenarios/x.json",
    ]
    text = (copy / PROVENANCE).read_text()
    assert text.startswith("# Provenance\n\ncopied once.") and f"refreshed from `{newer.resolve()}`" in text


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
    assert "新生儿出生一件事" in out and "合计" in out and "%" in out


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
        [sys.executable, "-m", "bot", "registry", "checklist", "no_such_thing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "没有这个一件事或事项" in bad.stderr
