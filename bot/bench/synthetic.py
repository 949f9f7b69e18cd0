"""A synthetic registry k times the size of the real one, for measuring how a checklist scales.

Copy 0 is the real registry unchanged; copy i (1 ≤ i < k) repeats every scenario, every
matter, every catalogue entry and every material under ids and names suffixed ``_x<i>``
(a material's standard codes and a matter's ``service_id`` too, since both must stay
unique): each guide copy requires the material copies of its own generation, a matter
copy names the scenario copies that bundle it, and a catalogue copy points at its
matter copy. So a 100× registry has the real one's shape (5,200 scenarios, 32,800
matters, 313,500 catalogue entries, 109,000 materials) and is still valid YAML the
registry service loads the ordinary way. Citizens' files (which only the store holds)
are generated as rows: 1,000·k citizens with 10 materials each.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.registry.files import Registry, read_yaml
from bot.registry.model import FileEntry
from bot.registry.store import citizen_materials

CITIZENS_PER_FACTOR = 1000
MATERIALS_PER_CITIZEN = 10
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# The guides' folders and their kind, as bot.registry.files reads them.
GUIDE_FOLDERS = (("scenarios", "scenario"), ("matters", "matter"))


# Where a copy's number goes in a record written once as text (then replaced per copy):
# writing each copy through the YAML dumper took minutes at 100×, a text copy takes nothing.
MARK = "⟦n⟧"


def _suffix(value: str, copy_no: int | str) -> str:
    return value if copy_no == 0 else f"{value}_x{copy_no}"


def _renamed(raw: dict[str, Any], copy_no: int | str) -> dict[str, Any]:
    """A deep copy of a guide or material record under the id and names of copy ``copy_no``."""
    out = copy.deepcopy(raw)
    out["id"] = _suffix(raw["id"], copy_no)
    out["name"] = f"{raw['name']}（副本{copy_no}）"
    out["aliases"] = [f"{a}（副本{copy_no}）" for a in raw.get("aliases") or []]
    return out


def _material_copy(raw: dict[str, Any], copy_no: int | str) -> dict[str, Any]:
    """A material copy; its standard codes are suffixed too (one code, one material)."""
    out = _renamed(raw, copy_no)
    if raw.get("standard_code"):
        out["standard_code"] = _suffix(raw["standard_code"], copy_no)
    if raw.get("other_codes"):
        out["other_codes"] = [_suffix(c, copy_no) for c in raw["other_codes"]]
    return out


def _guide_copy(raw: dict[str, Any], copy_no: int | str) -> dict[str, Any]:
    """A scenario or matter copy requiring the material copies of its own generation."""
    out = _renamed(raw, copy_no)
    for requirement in out.get("requirements") or []:
        requirement["material"] = _suffix(requirement["material"], copy_no)
    if raw.get("service_id"):
        out["service_id"] = _suffix(str(raw["service_id"]), copy_no)
    if raw.get("related_scenarios"):
        out["related_scenarios"] = [_suffix(s, copy_no) for s in raw["related_scenarios"]]
    return out


def _catalogue_copy(raw: dict[str, Any], copy_no: int | str) -> dict[str, Any]:
    out = dict(raw)
    out["service_id"] = _suffix(str(raw["service_id"]), copy_no)
    out["name"] = f"{raw['name']}（副本{copy_no}）"
    if raw.get("matter"):
        out["matter"] = _suffix(raw["matter"], copy_no)
    return out


def _yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)


def catalogue_entries(path: Path) -> list[dict[str, Any]]:
    """The raw catalogue entries as ``bot.registry.files`` reads them (JSON lines, else YAML)."""
    if not path.exists():
        return []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("- {")]
    try:
        return [json.loads(ln[2:]) for ln in lines]
    except json.JSONDecodeError:
        return (read_yaml(path) or {}).get("catalogue") or []


def _copies(template: str, factor: int) -> Iterator[str]:
    """The text of copies 1 … factor-1 of a record written with :data:`MARK` for its number."""
    for i in range(1, factor):
        yield template.replace(MARK, str(i))


def write_scaled_registry(source: Path, target: Path, factor: int) -> Path:
    """Write the registry in ``source`` scaled ``factor`` times into ``target`` (replaced)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    base_materials = (read_yaml(source / "materials.yml") or {}).get("materials") or []
    with (target / "materials.yml").open("w", encoding="utf-8") as fh:
        fh.write(_yaml({"materials": base_materials}))
        # The copies' items continue the same list: the header line once, then only items.
        template = _yaml({"materials": [_material_copy(m, MARK) for m in base_materials]})
        for text in _copies(template.split("\n", 1)[1], factor):
            fh.write(text)
    for folder, _kind in GUIDE_FOLDERS:
        (target / folder).mkdir()
        for path in sorted((source / folder).glob("*.yml")):
            shutil.copyfile(path, target / folder / path.name)
            if factor > 1:
                template = _yaml(_guide_copy(read_yaml(path), MARK))
                for i, text in enumerate(_copies(template, factor), start=1):
                    (target / folder / f"{path.stem}_x{i}.yml").write_text(text, encoding="utf-8")
    entries = catalogue_entries(source / "catalogue.yml")
    if entries:
        # One JSON object a line, as the import writes it (valid YAML, read fast by the registry).
        lines = "".join("- " + json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        copied = "".join(
            "- " + json.dumps(_catalogue_copy(e, MARK), ensure_ascii=False) + "\n" for e in entries
        )
        with (target / "catalogue.yml").open("w", encoding="utf-8") as fh:
            fh.write("catalogue:\n" + lines)
            for text in _copies(copied, factor):
                fh.write(text)
    if (source / "demo_citizens.yml").exists():
        shutil.copyfile(source / "demo_citizens.yml", target / "demo_citizens.yml")
    return target


@dataclass(frozen=True)
class CitizenFiles:
    """Generated citizens' files: the rows for the store, and each citizen's entries."""

    rows: list[dict[str, Any]]
    by_citizen: dict[str, list[FileEntry]]


def citizen_files(registry: Registry, factor: int, seed: int = 5) -> CitizenFiles:
    """1,000·k citizens, each holding 10 materials: about half from one guide (scenario or
    matter) they are likely to ask about (so checklists find reusable items), some expired."""
    rng = random.Random(seed)
    guide_materials = [
        sorted({r.material for r in s.requirements}) for s in registry.guides().values() if s.requirements
    ]
    all_materials = sorted(registry.materials)
    today = date.today()
    rows: list[dict[str, Any]] = []
    by_citizen: dict[str, list[FileEntry]] = {}
    for n in range(CITIZENS_PER_FACTOR * factor):
        citizen = f"bench-citizen-{n:07d}"
        own = rng.choice(guide_materials)
        held = set(rng.sample(own, min(len(own), MATERIALS_PER_CITIZEN // 2)))
        while len(held) < MATERIALS_PER_CITIZEN:
            held.add(rng.choice(all_materials))
        entries = []
        for material in sorted(held):
            submitted = today - timedelta(days=rng.randrange(30, 2000))
            expiry = rng.random()
            valid_until = None if expiry < 0.6 else submitted + timedelta(days=rng.randrange(100, 4000))
            entry = FileEntry(
                citizen_id=citizen,
                material=material,
                submitted_at=submitted.isoformat(),
                valid_until=valid_until.isoformat() if valid_until else None,
                channel="湘易办",
            )
            entries.append(entry)
            rows.append(
                {
                    "citizen_id": citizen,
                    "material_id": material,
                    "submitted_at": entry.submitted_at,
                    "valid_until": entry.valid_until,
                    "channel": entry.channel,
                    "demo": False,
                }
            )
        by_citizen[citizen] = entries
    return CitizenFiles(rows, by_citizen)


def batches(rows: list[dict[str, Any]], size: int = 20000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_citizen_files(engine: Any, files: CitizenFiles) -> int:
    """Bulk-insert the generated rows (the store's own table definition); returns the count."""
    with engine.begin() as conn:
        for chunk in batches(files.rows):
            conn.execute(citizen_materials.insert(), chunk)
    return len(files.rows)
