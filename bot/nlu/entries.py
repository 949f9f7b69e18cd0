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


def _scenario_entry(s: Any, materials: dict[str, Any], kind: str = "scenario") -> Entry:
    fields: dict[str, tuple[str, ...]] = {
        "materials": _material_names(s, materials),
    }
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


def registry_entries(registry_dir: Path) -> list[Entry]:
    """Scenarios, detailed matters and catalogue-only entries (a matter's own catalogue row is
    dropped: it appears once, as the matter)."""
    from bot.registry.files import load_registry

    registry = load_registry(registry_dir)
    entries = [_scenario_entry(s, registry.materials) for s in registry.scenarios.values()]
    entries += [_scenario_entry(m, registry.materials, "matter") for m in registry.matters.values()]
    detailed = {m.service_id for m in registry.matters.values()}
    entries += [
        _catalogue_entry(c)
        for c in registry.catalogue.values()
        if not c.matter and c.service_id not in detailed
    ]
    return entries
