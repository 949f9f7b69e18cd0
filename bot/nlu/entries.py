"""Every registry entry a person can mean, as the matcher indexes it.

One flat record per scenario, detailed matter and catalogue-only entry, with the texts
that describe it (names, aliases, result, categories, department, materials, bundled
matters), read from ``data/registry`` through ``load_registry``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PROVINCE = re.compile(r"^(湖南省|湖南|中华人民共和国)")


@dataclass(frozen=True)
class Entry:
    """One thing a person can ask to do; ``fields`` holds its indexed texts by field name."""

    id: str
    kind: str  # "scenario" | "matter" | "catalogue"
    name: str
    aliases: tuple[str, ...] = ()
    audience: str = ""  # "personal" | "personal_and_legal" | "legal_entity" | ""
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "aliases": list(self.aliases),
            "audience": self.audience,
            "fields": {k: list(v) for k, v in self.fields.items()},
            "related": list(self.related),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            id=data["id"],
            kind=data["kind"],
            name=data["name"],
            aliases=tuple(data.get("aliases") or ()),
            audience=data.get("audience") or "",
            fields={k: tuple(v) for k, v in (data.get("fields") or {}).items()},
            related=tuple(data.get("related") or ()),
        )


def short_department(name: str | None) -> str:
    """湖南省市场监督管理局 → 市场监督管理局: the province prefix says nothing about the matter."""
    return _PROVINCE.sub("", (name or "").strip())


def _audience(service_object: str | None, audience: str | None) -> str:
    if audience:
        return audience
    text = service_object or ""
    if "个人" in text and "法人" in text:
        return "personal_and_legal"
    if "法人" in text:
        return "legal_entity"
    return "personal" if text else ""


def _clean_result(text: Any) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    parts = [p.strip(" 《》;；") for p in re.split(r"[、,，;；^/]", text)]
    return tuple(p for p in parts if len(p) >= 2 and p not in {"暂无", "无", "其他", "其它", "暂无结果样本"})


def _material_names(guide: Any, materials: dict[str, Any]) -> tuple[str, ...]:
    names = []
    for req in getattr(guide, "requirements", ()) or ():
        material = materials.get(req.material)
        names.append(material.name if material is not None else req.seed_name)
    return tuple(dict.fromkeys(names))


def _scenario_entry(
    s: Any, materials: dict[str, Any], kind: str = "scenario", phrases: tuple[str, ...] = ()
) -> Entry:
    fields: dict[str, tuple[str, ...]] = {
        "materials": _material_names(s, materials),
    }
    if phrases:
        fields["phrases" if kind == "matter" else "scenario_phrases"] = phrases
    if kind == "scenario":
        fields["bundled"] = tuple(m.name for m in s.matters)
        fields["result"] = tuple(r for m in s.matters for r in _clean_result(m.result))
        fields["department"] = tuple(short_department(d) for d in (s.lead_department,) if d)
    else:
        fields["result"] = _clean_result(getattr(s, "result", None))
        fields["categories"] = tuple(getattr(s, "categories", ()) or ())
        fields["department"] = tuple(short_department(d) for d in (getattr(s, "department", None),) if d)
    return Entry(
        id=s.id,
        kind=kind,
        name=s.name,
        aliases=tuple(s.aliases),
        audience=_audience(getattr(s, "service_object", None), getattr(s, "audience", None))
        if kind == "matter"
        else "personal",
        fields=fields,
        related=tuple(getattr(s, "related_scenarios", ()) or ()),
    )


def _catalogue_entry(c: Any) -> Entry:
    get: Callable[..., Any] = c.get if isinstance(c, dict) else lambda k, d=None: getattr(c, k, d)
    return Entry(
        id=get("service_id"),
        kind="catalogue",
        name=get("name"),
        aliases=tuple(get("aliases") or ()),
        audience=get("audience") or "",
        fields={
            "categories": tuple(x for x in get("categories") or () if x != "其他"),
            "department": tuple(short_department(d) for d in (get("department"),) if d),
        },
    )


def registry_entries(
    registry_dir: Path, phrases_dir: Path | None = None, scenario_phrases_dir: Path | None = None
) -> list[Entry]:
    """Scenarios, detailed matters and catalogue-only entries (a matter's own catalogue row is
    dropped: it appears once, as the matter). With ``phrases_dir``, each detailed matter
    carries the phrases written for it there (``<id>.yml``, people's own words) as the field
    ``phrases``: what asking for it sounds like, which its official texts rarely say. With
    ``scenario_phrases_dir``, each scenario carries its training phrases (the examples of
    ``<id>.yml``, a Rasa NLU file) as the field ``scenario_phrases``: a life event told as a
    story (厂房盖好了要交付) shares few words with the scenario's guide, many with its phrases."""
    from bot.registry.files import load_registry

    registry = load_registry(registry_dir)
    phrases = matter_phrases_by_id(phrases_dir) if phrases_dir is not None else {}
    told = scenario_phrases_by_id(scenario_phrases_dir) if scenario_phrases_dir is not None else {}
    entries = [
        _scenario_entry(s, registry.materials, phrases=told.get(s.id, ()))
        for s in registry.scenarios.values()
    ]
    entries += [
        _scenario_entry(m, registry.materials, "matter", phrases.get(m.id, ()))
        for m in registry.matters.values()
    ]
    detailed = {m.service_id for m in registry.matters.values()}
    entries += [
        _catalogue_entry(c)
        for c in registry.catalogue.values()
        if not c.matter and c.service_id not in detailed
    ]
    return entries


def phrase_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, phrase) for every example of a Rasa NLU file, as written."""
    import yaml

    out: list[tuple[str, str]] = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- ") and line[2:].strip():
                out.append((str(block.get("intent") or ""), line[2:].strip()))
    return out


def scenario_phrases_by_id(phrases_dir: Path) -> dict[str, tuple[str, ...]]:
    """The examples of ``<id>.yml`` in ``phrases_dir`` (a Rasa NLU file) by scenario id."""
    return {
        path.stem: tuple(dict.fromkeys(p for _, p in phrase_examples(path)))
        for path in sorted(phrases_dir.glob("*.yml"))
    }


def matter_phrases_by_id(phrases_dir: Path) -> dict[str, tuple[str, ...]]:
    """The phrases of ``<id>.yml`` in ``phrases_dir`` (a list under ``phrases``) by matter id."""
    return {path.stem: read_matter_phrases(path) for path in sorted(phrases_dir.glob("*.yml"))}


def read_matter_phrases(path: Path) -> tuple[str, ...]:
    """One matter's phrases, as written; ``ValueError`` when the file is not a list of texts."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ValueError(f"{path.name}: expected `phrases:` with a list of texts")
    return tuple(dict.fromkeys(" ".join(p.split()) for p in phrases))
