"""A synthetic registry k times the size of the real one, for measuring how a checklist scales.

Copy 0 is the real registry unchanged; copy i (1 ≤ i < k) repeats every scenario and
every material under ids and names suffixed ``_x<i>``, each scenario copy requiring
the material copies of its own generation. So a 100× registry has the real one's
shape (4,000 scenarios, 37,000 requirements, 26,700 materials) and is still valid
YAML the registry service loads the ordinary way. Citizens' files (which only the
store holds) are generated as rows: 1,000·k citizens with 10 materials each.
"""

from __future__ import annotations

import copy
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


def _suffix(value: str, copy_no: int) -> str:
    return value if copy_no == 0 else f"{value}_x{copy_no}"


def _renamed(raw: dict[str, Any], copy_no: int) -> dict[str, Any]:
    """A deep copy of a scenario or material record under the id and names of copy ``copy_no``."""
    out = copy.deepcopy(raw)
    out["id"] = _suffix(raw["id"], copy_no)
    out["name"] = f"{raw['name']}（副本{copy_no}）"
    out["aliases"] = [f"{a}（副本{copy_no}）" for a in raw.get("aliases") or []]
    return out


def _scenario_copy(raw: dict[str, Any], copy_no: int) -> dict[str, Any]:
    out = _renamed(raw, copy_no)
    for requirement in out.get("requirements") or []:
        requirement["material"] = _suffix(requirement["material"], copy_no)
    return out


def _dump(data: Any, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def write_scaled_registry(source: Path, target: Path, factor: int) -> Path:
    """Write the registry in ``source`` scaled ``factor`` times into ``target`` (replaced)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "scenarios").mkdir(parents=True)
    catalogue = read_yaml(source / "materials.yml") or {}
    base_materials = catalogue.get("materials") or []
    _dump(
        {"materials": [_renamed(m, i) if i else m for i in range(factor) for m in base_materials]},
        target / "materials.yml",
    )
    for path in sorted((source / "scenarios").glob("*.yml")):
        raw = read_yaml(path)
        shutil.copyfile(path, target / "scenarios" / path.name)
        for i in range(1, factor):
            scaled = _scenario_copy(raw, i)
            _dump(scaled, target / "scenarios" / f"{scaled['id']}.yml")
    if (source / "demo_citizens.yml").exists():
        shutil.copyfile(source / "demo_citizens.yml", target / "demo_citizens.yml")
    return target


@dataclass(frozen=True)
class CitizenFiles:
    """Generated citizens' files: the rows for the store, and each citizen's entries."""

    rows: list[dict[str, Any]]
    by_citizen: dict[str, list[FileEntry]]


def citizen_files(registry: Registry, factor: int, seed: int = 5) -> CitizenFiles:
    """1,000·k citizens, each holding 10 materials: about half from one scenario they are
    likely to ask about (so checklists find reusable items), some already expired."""
    rng = random.Random(seed)
    scenario_materials = [
        sorted({r.material for r in s.requirements}) for s in registry.scenarios.values() if s.requirements
    ]
    all_materials = sorted(registry.materials)
    today = date.today()
    rows: list[dict[str, Any]] = []
    by_citizen: dict[str, list[FileEntry]] = {}
    for n in range(CITIZENS_PER_FACTOR * factor):
        citizen = f"bench-citizen-{n:07d}"
        own = rng.choice(scenario_materials)
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
