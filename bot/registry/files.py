"""Reading and writing the human-edited registry under ``data/registry/``.

Layout: ``materials.yml`` (the material catalogue, with every merge decision),
``scenarios/<id>.yml`` (one scenario each), ``matters/<id>.yml`` (one ordinary
matter each, same shape), ``catalogue.yml`` (every matter the portal lists, by
``service_id``) and ``demo_citizens.yml``.
The YAML is written so that a person can read and edit it in any editor:
keys in a fixed order, Chinese as is, multi-line text as blocks.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.registry.model import (
    EXEMPT_KINDS,
    FETCH_KINDS,
    GUIDE_KINDS,
    ISSUER_KINDS,
    NECESSITIES,
    CatalogueEntry,
    FileEntry,
    Material,
    Scenario,
)


class RegistryError(ValueError):
    """The registry data is inconsistent; the message says which file and record."""


# libyaml's emitter when PyYAML has it: byte-identical output for the registry's files (checked
# over all of them) and about 5 times faster, which decides how long an import takes.
if TYPE_CHECKING:  # mypy takes no dynamic base class; both are safe dumpers alike
    _BaseDumper = yaml.SafeDumper
else:
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
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
    matters: dict[str, Scenario] = field(default_factory=dict)
    catalogue: dict[str, CatalogueEntry] = field(default_factory=dict)

    def guides(self) -> dict[str, Scenario]:
        """Every entry with a material list, scenarios first: what a checklist can answer."""
        return {**self.scenarios, **self.matters}


def content_digest(directory: Path) -> str:
    """A hash of every registry file, so a store knows when to reload."""
    h = hashlib.sha256()
    for path in sorted(directory.rglob("*.yml")):
        h.update(path.relative_to(directory).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def load_registry(directory: Path) -> Registry:
    """Load and validate the registry; raises RegistryError naming the first problem found."""
    digest = content_digest(directory)
    parsed = _ParsedFiles(directory, digest)
    catalogue = parsed.read(directory / "materials.yml") or {}
    materials: dict[str, Material] = {}
    for raw in catalogue.get("materials") or []:
        material = Material.from_dict(raw)
        if material.id in materials:
            raise RegistryError(f"materials.yml: duplicate material id {material.id!r}")
        materials[material.id] = material
    scenarios = _load_guides(directory / "scenarios", "scenario", parsed)
    matters = _load_guides(directory / "matters", "matter", parsed)
    entries: dict[str, CatalogueEntry] = {}
    for raw in _read_catalogue(directory / "catalogue.yml"):
        entry = CatalogueEntry.from_dict(raw)
        if entry.service_id in entries:
            raise RegistryError(f"catalogue.yml: duplicate service_id {entry.service_id!r}")
        entries[entry.service_id] = entry
    demo = _load_demo(directory / "demo_citizens.yml")
    registry = Registry(scenarios, materials, demo, digest, matters, entries)
    validate(registry)
    parsed.save()
    return registry


# Where parsed registry files are kept between starts (var/ is not committed).
PARSE_CACHE = Path(__file__).resolve().parents[2] / "var" / "cache"


class _ParsedFiles:
    """The registry's YAML files as parsed data, cached as JSON under the content digest.

    Parsing ~380 guide files with libyaml costs about two seconds of CPU, paid by
    every process that loads the registry (service, actions, CLI); the cache, keyed
    by the digest of every file's bytes, cannot go stale. Only the project's own
    registry directory is cached, and only after it has validated.
    """

    def __init__(self, directory: Path, digest: str) -> None:
        self.directory = directory.resolve()
        self.files: dict[str, Any] = {}
        self.dirty = False
        self.path: Path | None = None
        if not self.directory.is_relative_to(PARSE_CACHE.parents[1]):
            return  # a registry elsewhere (tests' copies, imports to --out) is parsed each time
        where = hashlib.sha256(str(self.directory).encode()).hexdigest()[:8]
        self.path = PARSE_CACHE / f"registry-{where}-{digest}.json"
        try:
            self.files = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.files = {}

    def read(self, path: Path) -> Any:
        key = path.resolve().relative_to(self.directory).as_posix()
        if key not in self.files:
            self.files[key] = read_yaml(path)
            self.dirty = True
        return self.files[key]

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for old in self.path.parent.glob(self.path.name.rsplit("-", 1)[0] + "-*.json"):
                old.unlink(missing_ok=True)  # one cache per registry directory
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.files, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only checkout still loads, only slower


def _read_catalogue(path: Path) -> list[dict[str, Any]]:
    """The matter catalogue's raw entries: one JSON object per line as the import writes it,
    read with ``json`` (fast at thousands of entries); any other valid YAML is read as YAML."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines and lines[0] == "catalogue:" and all(line.startswith("- {") for line in lines[1:]):
        try:
            return [json.loads(line[2:]) for line in lines[1:]]
        except json.JSONDecodeError:
            pass  # hand-edited into other YAML: fall back to the YAML parser
    return (yaml.load(text, Loader=_SafeLoader) or {}).get("catalogue") or []


def _load_guides(folder: Path, kind: str, parsed: _ParsedFiles) -> dict[str, Scenario]:
    """One guide per file, named by its id; a file of the other kind's folder is refused."""
    guides: dict[str, Scenario] = {}
    for path in sorted(folder.glob("*.yml")):
        raw = dict(parsed.read(path) or {})
        raw.setdefault("kind", kind)
        guide = Scenario.from_dict(raw)
        if guide.id != path.stem:
            raise RegistryError(f"{folder.name}/{path.name}: id {guide.id!r} must match the file name")
        if guide.kind != kind:
            raise RegistryError(f"{folder.name}/{path.name}: kind {guide.kind!r}, expected {kind!r}")
        guides[guide.id] = guide
    return guides


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
    """Cross-check references and vocabularies; every guide and entry must say where it came from."""
    codes: dict[str, str] = {}
    for m in registry.materials.values():
        if m.issuer_kind not in ISSUER_KINDS:
            raise RegistryError(f"material {m.id}: issuer_kind {m.issuer_kind!r} not in {ISSUER_KINDS}")
        if m.fetchable is not None and m.fetchable not in FETCH_KINDS:
            raise RegistryError(f"material {m.id}: fetchable {m.fetchable!r} not in {FETCH_KINDS}")
        for code in m.codes:
            if codes.setdefault(code, m.id) != m.id:
                raise RegistryError(f"material {m.id}: standard code {code} is already {codes[code]}'s")
    clash = sorted(set(registry.scenarios) & set(registry.matters))
    if clash:
        raise RegistryError(f"matters/{clash[0]}.yml: id {clash[0]!r} is also a scenario's")
    service_ids: dict[str, str] = {}
    for s in registry.matters.values():
        if not s.service_id:
            raise RegistryError(f"matters/{s.id}.yml: every matter needs its service_id")
        if service_ids.setdefault(s.service_id, s.id) != s.id:
            raise RegistryError(
                f"matters/{s.id}.yml: service_id {s.service_id} is also {service_ids[s.service_id]}'s"
            )
        if registry.catalogue and s.service_id not in registry.catalogue:
            raise RegistryError(f"matters/{s.id}.yml: service_id {s.service_id} is not in catalogue.yml")
        for sid in s.related_scenarios:
            if sid not in registry.scenarios:
                raise RegistryError(f"matters/{s.id}.yml: related scenario {sid!r} is unknown")
    for e in registry.catalogue.values():
        where = f"catalogue.yml entry {e.service_id} ({e.name})"
        if not (e.source.repo and e.source.path):
            raise RegistryError(f"{where}: every catalogue entry needs a source (repo and path)")
        if e.matter is not None:
            matter = registry.matters.get(e.matter)
            if matter is None:
                raise RegistryError(f"{where}: matter {e.matter!r} is unknown")
            if matter.service_id != e.service_id:
                raise RegistryError(f"{where}: matter {e.matter!r} has service_id {matter.service_id}")
    for s in registry.guides().values():
        folder = "matters" if s.kind == "matter" else "scenarios"
        where = f"{folder}/{s.id}.yml"
        if s.kind not in GUIDE_KINDS:
            raise RegistryError(f"{where}: kind {s.kind!r} not in {GUIDE_KINDS}")
        if not (s.source.official_url or s.source.origin):
            raise RegistryError(f"{where}: every {s.kind} needs a source (official_url or origin)")
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
