"""A change published through the editor survives the next import of the seed.

The seed import refreshes every seed fact (a requirement's necessity, issuing body and exemption; a
guide's or catalogue entry's name) from the portal's data; a field people changed through the editor
is listed under the record's ``kept`` and the import keeps it as the file has it. Without that, the
next ``python -m bot registry import`` would silently undo reviewed, sourced work.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.registry.checklist import compute_checklist
from bot.registry.cli import DEFAULT_SEED
from bot.registry.files import load_registry, read_yaml
from bot.registry.seed_import import import_seed
from bot.registry_import.seed import dry_run_seed
from tests.admin.conftest import ALICE, BOB, MARRIAGE_EXEMPT, SOURCE, files_of

# Edits the seed contradicts: an exemption and issuing body it does not state, a necessity it says
# otherwise, an exemption it states removed, and names it spells differently.
NEWBORN = {
    "target": {"kind": "scenario", "id": "newborn"},
    "ops": [
        *MARRIAGE_EXEMPT["ops"],
        {
            "op": "requirement",
            "material": "diagnosis_certificate",
            "seed_name": "诊断证明",
            "necessity": "conditional",
            "condition": "住院分娩需报销费用时提供",
            "fields": ["necessity", "condition"],
        },
        {
            "op": "requirement",
            "material": "birth_certificate_issue_form",
            "seed_name": "出生医学证明首次签发表",
            "exemption": None,
            "fields": ["exemption"],
        },
        {"op": "names", "name": "新生儿出生“一件事”", "aliases": ["生孩子"]},
    ],
}


def _first_catalogue_entry(directory: Path) -> dict:
    line = next(
        line
        for line in (directory / "catalogue.yml").read_text(encoding="utf-8").splitlines()
        if line.startswith("- {")
    )
    return json.loads(line[2:])


def _status(directory: Path, material: str) -> str:
    registry = load_registry(directory)
    answer = compute_checklist(registry.scenarios["newborn"], registry.materials)
    [item] = [i for i in answer["items"] if i["material"] == material]
    return item["status"]


def test_a_published_edit_survives_a_seed_import_and_the_checklist_still_shows_it(
    registry_copy, make_editor, tmp_path
):
    assert _status(registry_copy, "marriage_certificate") == "to_submit"
    assert _status(registry_copy, "birth_certificate_issue_form") == "exempt"
    editor = make_editor(registry_copy)
    entry = _first_catalogue_entry(registry_copy)
    rename = {
        "target": {"kind": "catalogue", "id": entry["service_id"]},
        "ops": [{"op": "names", "name": entry["name"] + "（测试改名）", "aliases": entry.get("aliases", [])}],
    }
    matter = read_yaml(registry_copy / "matters" / "advance_registration_cancellation.yml")
    rename_matter = {
        "target": {"kind": "matter", "id": matter["id"]},
        "ops": [{"op": "names", "name": matter["name"] + "（测试改名）", "aliases": ["撤销预告登记"]}],
    }
    for change in (NEWBORN, rename, rename_matter):
        editor.approve(BOB, editor.propose(ALICE, change, SOURCE)["id"])

    guide = read_yaml(registry_copy / "scenarios" / "newborn.yml")
    assert guide["kept"] == ["name"] and list(guide)[:4] == ["id", "name", "aliases", "kept"]
    kept = {r["material"]: r.get("kept") for r in guide["requirements"]}
    assert kept["marriage_certificate"] == ["issuer", "exemption"]
    assert kept["diagnosis_certificate"] == ["necessity", "condition"]
    assert kept["birth_certificate_issue_form"] == ["exemption"]
    assert kept["id_card"] is None, "an untouched requirement records nothing"
    assert _first_catalogue_entry(registry_copy)["kept"] == ["name"]
    matter = read_yaml(registry_copy / "matters" / "advance_registration_cancellation.yml")
    assert list(matter)[:5] == ["id", "kind", "name", "aliases", "kept"] and matter["kept"] == ["name"]
    published = files_of(registry_copy)

    # The dry run (a real import into a staged copy) finds nothing to change and says what it kept.
    plan = dry_run_seed(DEFAULT_SEED, registry_copy, tmp_path / "work")
    assert plan.empty, plan.lines()
    assert plan.counts["kept"] == 8

    counts = import_seed(DEFAULT_SEED, registry_copy)
    assert counts["kept"] == 8
    assert files_of(registry_copy) == published, "the import leaves the edited files byte-identical"
    assert _status(registry_copy, "marriage_certificate") == "exempt"
    assert _status(registry_copy, "birth_certificate_issue_form") == "to_submit"
    registry = load_registry(registry_copy)
    newborn = registry.scenarios["newborn"]
    assert newborn.name == "新生儿出生“一件事”"
    [diagnosis] = [r for r in newborn.requirements if r.material == "diagnosis_certificate"]
    assert (diagnosis.necessity, diagnosis.condition) == ("conditional", "住院分娩需报销费用时提供")
    assert registry.catalogue[entry["service_id"]].name.endswith("（测试改名）")
    assert registry.matters["advance_registration_cancellation"].name.endswith("（测试改名）")


def test_a_seed_fact_people_never_edited_is_still_refreshed(registry_copy):
    """``kept`` names only what people set: a hand-damaged fact it does not list comes back from the seed."""
    path = registry_copy / "scenarios" / "newborn.yml"
    original = path.read_bytes()
    path.write_text(
        path.read_text(encoding="utf-8").replace("issuer: 民政\n", "issuer: 不知道\n", 1), encoding="utf-8"
    )
    counts = import_seed(DEFAULT_SEED, registry_copy)
    assert counts["kept"] == 0
    assert path.read_bytes() == original
