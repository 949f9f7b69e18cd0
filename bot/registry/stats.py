"""The reform's headline figure, computed from the registry: how many material
requirements are exempt or submitted only once.

Three figures are kept apart, so none is inflated by another:
``exempt`` (the guide exempts it: e-licence or system-generated form),
``submit_once`` (the guide reuses an earlier upload: the portal's own 只提交一次),
and ``shared`` (a material several scenarios ask for, which our citizen file
lets a person hand over once and reuse; a capability, not a guide's statement).

Given guides of both kinds, ``scenarios`` and ``overall`` keep meaning the one-thing
scenarios alone (the figures as before matters were added); ``matters`` lists the
ordinary matters, ``by_kind`` and ``all`` total each kind and both, and
``by_department`` totals per department (a scenario's lead department, a matter's
owning department).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.registry.checklist import EXEMPT_REASONS, SUBMIT_ONCE_KIND
from bot.registry.model import Scenario

REFORM_KEYS = (
    "before_materials",
    "after_materials",
    "before_visits",
    "after_visits",
    "before_days",
    "after_days",
)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _rows_and_totals(guides: list[Scenario]) -> tuple[list[dict[str, Any]], Counter, Counter]:
    """Per-guide rows, their totals, and how many of these guides use each material."""
    usage = Counter(m for s in guides for m in {r.material for r in s.requirements})
    rows = []
    totals: Counter = Counter(requirements=0, exempt=0, submit_once=0, shared_not_exempt=0)
    for s in guides:
        n = len(s.requirements)
        exempt = sum(1 for r in s.requirements if r.exemption and r.exemption.kind in EXEMPT_REASONS)
        once = sum(1 for r in s.requirements if r.exemption and r.exemption.kind == SUBMIT_ONCE_KIND)
        shared = sum(
            1
            for r in s.requirements
            if usage[r.material] > 1 and not (r.exemption and r.exemption.kind in EXEMPT_REASONS)
        )
        row = {
            "id": s.id,
            "name": s.name,
            "requirements": n,
            "exempt": exempt,
            "submit_once": once,
            "once_or_exempt_share": _share(exempt + once, n),
            "shared_not_exempt": shared,
            "materials_incomplete": bool(s.materials_incomplete),
        }
        if s.kind == "matter":
            row |= {"department": s.department, "matter_type": s.matter_type}
        else:
            row["reform"] = {k: s.reform.get(k) for k in REFORM_KEYS if s.reform.get(k) is not None}
        rows.append(row)
        totals.update(requirements=n, exempt=exempt, submit_once=once, shared_not_exempt=shared)
    return rows, totals, usage


def _summary(guides: list[Scenario], totals: Counter, usage: Counter) -> dict[str, Any]:
    return {
        "guides": len(guides),
        "with_materials_incomplete": sum(1 for s in guides if s.materials_incomplete),
        "requirements": totals["requirements"],
        "exempt": totals["exempt"],
        "submit_once": totals["submit_once"],
        "once_or_exempt_share": _share(totals["exempt"] + totals["submit_once"], totals["requirements"]),
        "shared_not_exempt": totals["shared_not_exempt"],
        "materials_in_catalogue_used": len(usage),
        "materials_shared_by_several_guides": sum(1 for c in usage.values() if c > 1),
    }


def _department(guide: Scenario) -> str:
    return (guide.department if guide.kind == "matter" else guide.lead_department) or "（未注明）"


def _by_department(guides: list[Scenario]) -> list[dict[str, Any]]:
    totals: dict[str, Counter] = {}
    for s in guides:
        exempt = sum(1 for r in s.requirements if r.exemption and r.exemption.kind in EXEMPT_REASONS)
        once = sum(1 for r in s.requirements if r.exemption and r.exemption.kind == SUBMIT_ONCE_KIND)
        totals.setdefault(_department(s), Counter()).update(
            {
                "scenarios": s.kind != "matter",
                "matters": s.kind == "matter",
                "requirements": len(s.requirements),
                "exempt": exempt,
                "submit_once": once,
            }
        )
    rows = [
        {
            "department": name,
            "scenarios": c["scenarios"],
            "matters": c["matters"],
            "requirements": c["requirements"],
            "exempt": c["exempt"],
            "submit_once": c["submit_once"],
            "once_or_exempt_share": _share(c["exempt"] + c["submit_once"], c["requirements"]),
        }
        for name, c in totals.items()
    ]
    return sorted(rows, key=lambda r: (-r["requirements"], r["department"]))


def registry_stats(guides: Iterable[Scenario]) -> dict[str, Any]:
    """The figures over scenarios and matters (pass ``Registry.guides().values()`` or the store's
    ``all_guides()``; scenarios alone give the figures as before)."""
    guides = list(guides)
    scenarios = [s for s in guides if s.kind != "matter"]
    matters = [s for s in guides if s.kind == "matter"]
    rows, totals, usage = _rows_and_totals(scenarios)
    matter_rows, matter_totals, matter_usage = _rows_and_totals(matters)
    _, all_totals, all_usage = _rows_and_totals(guides)
    with_reform = [s for s in scenarios if all(s.reform.get(k) is not None for k in REFORM_KEYS)]
    reform_totals = {k: sum(s.reform[k] for s in with_reform) for k in REFORM_KEYS}
    return {
        "scenarios": rows,
        "matters": matter_rows,
        "overall": {
            "scenarios": len(scenarios),
            "scenarios_with_materials_incomplete": sum(1 for s in scenarios if s.materials_incomplete),
            **totals,
            "once_or_exempt_share": _share(totals["exempt"] + totals["submit_once"], totals["requirements"]),
            "materials_in_catalogue_used": len(usage),
            "materials_shared_by_several_scenarios": sum(1 for c in usage.values() if c > 1),
            "reform": {"scenarios_with_figures": len(with_reform), **reform_totals},
        },
        "by_kind": {
            "scenario": _summary(scenarios, totals, usage),
            "matter": _summary(matters, matter_totals, matter_usage),
        },
        "all": {
            "scenarios": len(scenarios),
            "matters": len(matters),
            **_summary(guides, all_totals, all_usage),
        },
        "by_department": _by_department(guides),
    }
