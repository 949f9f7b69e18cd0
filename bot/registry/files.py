"""Reading and writing the human-edited registry under ``data/registry/``.

Layout: ``materials.yml`` (the catalogue, with every merge decision),
``scenarios/<id>.yml`` (one scenario each) and ``demo_citizens.yml``.
The YAML is written so that a person can read and edit it in any editor:
keys in a fixed order, Chinese as is, multi-line text as blocks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.registry.model import (
    EXEMPT_KINDS,
    FETCH_KINDS,
    ISSUER_KINDS,
    NECESSITIES,
    FileEntry,
    Material,
    Scenario,
)


class RegistryError(ValueError):
    """The registry data is inconsistent; the message says which file and record."""


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any, header: str = "") -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return (header + body) if header else body


# libyaml's parser when PyYAML has it: the same safe constructor, about 14 times faster, which
# decides how long the registry takes to start at a city's scale (docs/benchmarks.md).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SafeLoader)


@dataclass(frozen=True)
class Registry:
    """Everything the registry data says, loaded and cross-checked."""

    scenarios: dict[str, Scenario]
    materials: dict[str, Material]
    demo_citizens: tuple[FileEntry, ...]
    digest: str

    def material_by_name(self, name: str) -> Material | None:
        return next((m for m in self.materials.values() if name == m.name or name in m.aliases), None)


def content_digest(directory: Path) -> str:
    """A hash of every registry file, so a store knows when to reload."""
    h = hashlib.sha256()
    for path in sorted(directory.rglob("*.yml")):
        h.update(path.relative_to(directory).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def load_registry(directory: Path) -> Registry:
    """Load and validate the registry; raises RegistryError naming the first problem found."""
    catalogue = read_yaml(directory / "materials.yml") or {}
    materials: dict[str, Material] = {}
    for raw in catalogue.get("materials") or []:
        material = Material.from_dict(raw)
        if material.id in materials:
            raise RegistryError(f"materials.yml: duplicate material id {material.id!r}")
        materials[material.id] = material
    scenarios: dict[str, Scenario] = {}
    for path in sorted((directory / "scenarios").glob("*.yml")):
        scenario = Scenario.from_dict(read_yaml(path))
        if scenario.id != path.stem:
            raise RegistryError(f"{path.name}: id {scenario.id!r} must match the file name")
        scenarios[scenario.id] = scenario
    demo = _load_demo(directory / "demo_citizens.yml")
    registry = Registry(scenarios, materials, demo, content_digest(directory))
    validate(registry)
    return registry


def _load_demo(path: Path) -> tuple[FileEntry, ...]:
    if not path.exists():
        return ()
    entries = []
    for citizen in (read_yaml(path) or {}).get("citizens") or []:
        for held in citizen.get("materials") or []:
            entries.append(
                FileEntry(
                    citizen_id=str(citizen["id"]),
                    material=str(held["material"]),
                    submitted_at=str(held["submitted_at"]),
                    valid_until=str(held["valid_until"]) if held.get("valid_until") else None,
                    channel=held.get("channel"),
                    demo=True,
                )
            )
    return tuple(entries)


def validate(registry: Registry) -> None:
    """Cross-check references and vocabularies; every scenario must say where it came from."""
    for m in registry.materials.values():
        if m.issuer_kind not in ISSUER_KINDS:
            raise RegistryError(f"material {m.id}: issuer_kind {m.issuer_kind!r} not in {ISSUER_KINDS}")
        if m.fetchable is not None and m.fetchable not in FETCH_KINDS:
            raise RegistryError(f"material {m.id}: fetchable {m.fetchable!r} not in {FETCH_KINDS}")
    for s in registry.scenarios.values():
        where = f"scenarios/{s.id}.yml"
        if not (s.source.official_url or s.source.origin):
            raise RegistryError(f"{where}: every scenario needs a source (official_url or origin)")
        question_ids = [q.id for q in s.questions]
        if len(set(question_ids)) != len(question_ids):
            raise RegistryError(f"{where}: duplicate question ids")
        for q in s.questions:
            if len(q.options) < 2:
                raise RegistryError(f"{where}: question {q.id} needs at least two options")
        for i, r in enumerate(s.requirements):
            at = f"{where} requirement {i + 1} ({r.seed_name})"
            if r.material not in registry.materials:
                raise RegistryError(f"{at}: unknown material {r.material!r}")
            if r.necessity not in NECESSITIES:
                raise RegistryError(f"{at}: necessity {r.necessity!r} not in {NECESSITIES}")
            if r.issuer_kind not in ISSUER_KINDS:
                raise RegistryError(f"{at}: issuer_kind {r.issuer_kind!r} not in {ISSUER_KINDS}")
            if r.exemption and r.exemption.kind not in EXEMPT_KINDS:
                raise RegistryError(f"{at}: exemption kind {r.exemption.kind!r} not in {EXEMPT_KINDS}")
            if r.when and r.necessity != "conditional":
                raise RegistryError(f"{at}: only a conditional requirement can have 'when'")
            for qid, options in r.when.items():
                question = s.question(qid)
                if question is None:
                    raise RegistryError(f"{at}: 'when' names unknown question {qid!r}")
                for option in options:
                    if question.option(option) is None:
                        raise RegistryError(f"{at}: question {qid} has no option {option!r}")
    for entry in registry.demo_citizens:
        if entry.material not in registry.materials:
            raise RegistryError(f"demo_citizens.yml: unknown material {entry.material!r}")
