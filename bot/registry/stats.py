"""The reform's headline figure, computed from the registry: how many material
requirements are exempt or submitted only once.

Three figures are kept apart, so none is inflated by another:
``exempt`` (the guide exempts it: e-licence or system-generated form),
``submit_once`` (the guide reuses an earlier upload: the portal's own 只提交一次),
and ``shared`` (a material several scenarios ask for, which our citizen file
lets a person hand over once and reuse; a capability, not a guide's statement).
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


def registry_stats(scenarios: Iterable[Scenario]) -> dict[str, Any]:
    scenarios = list(scenarios)
    usage = Counter(m for s in scenarios for m in {r.material for r in s.requirements})
    rows = []
    totals = Counter()
    for s in scenarios:
        n = len(s.requirements)
        exempt = sum(1 for r in s.requirements if r.exemption and r.exemption.kind in EXEMPT_REASONS)
        once = sum(1 for r in s.requirements if r.exemption and r.exemption.kind == SUBMIT_ONCE_KIND)
        shared = sum(
            1
            for r in s.requirements
            if usage[r.material] > 1 and not (r.exemption and r.exemption.kind in EXEMPT_REASONS)
        )
        rows.append(
            {
                "id": s.id,
                "name": s.name,
                "requirements": n,
                "exempt": exempt,
                "submit_once": once,
                "once_or_exempt_share": _share(exempt + once, n),
                "shared_not_exempt": shared,
                "materials_incomplete": bool(s.materials_incomplete),
                "reform": {k: s.reform.get(k) for k in REFORM_KEYS if s.reform.get(k) is not None},
            }
        )
        totals.update(requirements=n, exempt=exempt, submit_once=once, shared_not_exempt=shared)
    with_reform = [s for s in scenarios if all(s.reform.get(k) is not None for k in REFORM_KEYS)]
    reform_totals = {k: sum(s.reform[k] for s in with_reform) for k in REFORM_KEYS}
    return {
        "scenarios": rows,
        "overall": {
            "scenarios": len(scenarios),
            "scenarios_with_materials_incomplete": sum(1 for s in scenarios if s.materials_incomplete),
            **totals,
            "once_or_exempt_share": _share(totals["exempt"] + totals["submit_once"], totals["requirements"]),
            "materials_in_catalogue_used": len(usage),
            "materials_shared_by_several_scenarios": sum(1 for c in usage.values() if c > 1),
            "reform": {"scenarios_with_figures": len(with_reform), **reform_totals},
        },
    }
