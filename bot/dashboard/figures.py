"""The reform dashboard's figures, computed from registry records alone (no I/O).

Pure functions over :class:`~bot.registry.model.Scenario` guides and catalogue
:class:`~bot.registry.model.Material` records, so the registry service computes them next to its
data (bot/registry/dashboard_api.py) and the tests compute them from the YAML files, and the
two cannot disagree. The headline share is :func:`bot.registry.stats.registry_stats`' own (the
same figure ``/stats`` has always given); what is added here:

- the share per issuer kind (who issues the material a requirement asks for);
- the before/after-reform figures exactly as the guides give them (and only those: a guide
  without them is listed as having none, never estimated);
- "where to push next": every material still to be handed over somewhere, ranked by how many
  requirements an exemption of it would turn, with who issues it, and the same per issuing body
  so the reform office knows which department to talk to first;
- one point of the trend across registry versions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from bot.registry.checklist import EXEMPT_REASONS, ISSUER_KIND_LABELS, SUBMIT_ONCE_KIND
from bot.registry.model import ISSUER_KINDS, Material, Requirement, Scenario
from bot.registry.stats import REFORM_KEYS, registry_stats

# The figure the portal's guides give for each step of the reform (before → after).
REFORM_MEASURES = (
    ("materials", "申报材料（份）"),
    ("visits", "跑动次数（次）"),
    ("days", "办理时限（天）"),
)
UNKNOWN_ISSUER = "（未注明）"


def once_or_exempt(requirement: Requirement) -> bool:
    """Whether the guide spares the applicant this material: exempt, or submitted only once."""
    kind = requirement.exemption.kind if requirement.exemption else None
    return kind in EXEMPT_REASONS or kind == SUBMIT_ONCE_KIND


def share(part: int, whole: int) -> float | None:
    """A share to three places, or None when there is nothing to share (never a made-up 0)."""
    return round(part / whole, 3) if whole else None


def by_issuer_kind(guides: Iterable[Scenario]) -> list[dict[str, Any]]:
    """The once-or-exempt share per issuer kind of the material asked for (government, third party,
    applicant): a government-issued material still to be handed over is the reform's unfinished part."""
    counts: dict[str, Counter] = {kind: Counter() for kind in ISSUER_KINDS}
    for guide in guides:
        for req in guide.requirements:
            c = counts.setdefault(req.issuer_kind, Counter())
            c["requirements"] += 1
            if req.exemption and req.exemption.kind in EXEMPT_REASONS:
                c["exempt"] += 1
            elif req.exemption and req.exemption.kind == SUBMIT_ONCE_KIND:
                c["submit_once"] += 1
    return [
        {
            "issuer_kind": kind,
            "label": ISSUER_KIND_LABELS.get(kind, kind),
            "requirements": c["requirements"],
            "exempt": c["exempt"],
            "submit_once": c["submit_once"],
            "once_or_exempt_share": share(c["exempt"] + c["submit_once"], c["requirements"]),
        }
        for kind, c in counts.items()
    ]


def reform_figures(guides: Iterable[Scenario]) -> dict[str, Any]:
    """Before/after-reform figures where a guide gives all six, their totals, and who gives none.

    The seed read these from the portal's fields (gqsbcl/xzsbcl …) and says in each guide's
    ``reform.note`` that the fields' meaning is inferred from their names; ``notes_say_inferred``
    counts those notes so the page can say so rather than present the reading as the portal's word.
    """
    guides = list(guides)
    given = [g for g in guides if all(g.reform.get(k) is not None for k in REFORM_KEYS)]
    with_figures = {g.id for g in given}
    rows = [
        {"id": g.id, "name": g.name, "kind": g.kind, **{k: g.reform[k] for k in REFORM_KEYS}} for g in given
    ]
    totals = []
    for measure, label in REFORM_MEASURES:
        before = sum(g.reform[f"before_{measure}"] for g in given)
        after = sum(g.reform[f"after_{measure}"] for g in given)
        totals.append(
            {
                "measure": measure,
                "label": label,
                "before": before,
                "after": after,
                "reduction_share": share(before - after, before),
            }
        )
    return {
        "guides_with_figures": len(given),
        "rows": rows,
        "totals": totals,
        "without_figures": {
            "scenarios": sorted(g.name for g in guides if g.id not in with_figures and g.kind != "matter"),
            "matters": sum(1 for g in guides if g.id not in with_figures and g.kind == "matter"),
        },
        "notes_say_inferred": sum(1 for g in given if "inferred" in str(g.reform.get("note") or "")),
    }


def _issuer(material: Material | None, pending: list[Requirement]) -> str | None:
    """Who issues a material: the catalogue's word, else what its guides say most often."""
    if material is not None and material.issuer:
        return material.issuer
    named = Counter(r.issuer for r in pending if r.issuer)
    return named.most_common(1)[0][0] if named else None


def push_next(
    guides: Iterable[Scenario], materials: Mapping[str, Material], limit: int | None = None
) -> dict[str, Any]:
    """Materials whose exemption would raise the share most, and the same per issuing body.

    A material's weight is the requirements still asking for it (each one an exemption would
    turn); ``already_exempt`` counts the requirements that exempt it already, which tells
    the office the e-licence or data-sharing exists and only the remaining guides must follow.
    Ties go to the material already exempt more often, then to its id, so the order is stable.
    """
    guides = list(guides)
    total = sum(len(g.requirements) for g in guides)
    done = sum(1 for g in guides for r in g.requirements if once_or_exempt(r))
    pending: dict[str, list[tuple[Scenario, Requirement]]] = defaultdict(list)
    already: Counter = Counter()
    for guide in guides:
        for req in guide.requirements:
            if once_or_exempt(req):
                already[req.material] += 1
            else:
                pending[req.material].append((guide, req))
    rows: list[dict[str, Any]] = []
    for material_id, found in pending.items():
        material = materials.get(material_id)
        reqs = [r for _, r in found]
        n = len(reqs)
        rows.append(
            {
                "material": material_id,
                "name": material.name if material else reqs[0].seed_name,
                "issuer_kind": material.issuer_kind if material else reqs[0].issuer_kind,
                "issuer": _issuer(material, reqs),
                "fetchable": material.fetchable if material else None,
                "pending_requirements": n,
                "scenarios": len({g.id for g, _ in found if g.kind != "matter"}),
                "matters": len({g.id for g, _ in found if g.kind == "matter"}),
                "already_exempt": already[material_id],
                "share_if_exempt": share(done + n, total),
                "gain": share(n, total),
            }
        )
    rows.sort(key=lambda r: (-r["pending_requirements"], -r["already_exempt"], r["material"]))
    return {
        "requirements": total,
        "once_or_exempt": done,
        "once_or_exempt_share": share(done, total),
        "materials_pending": len(rows),
        "materials": rows[:limit] if limit is not None else rows,
        "issuers": _by_issuer(rows, pending, total, done),
    }


def _by_issuer(
    rows: list[dict[str, Any]],
    pending: Mapping[str, list[tuple[Scenario, Requirement]]],
    total: int,
    done: int,
) -> list[dict[str, Any]]:
    """The materials still to be handed over, per body that issues them: whom to talk to first.
    Materials with no issuer named are grouped by issuer kind (申请人自备 …), never assigned one."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row["issuer"] or f"（{ISSUER_KIND_LABELS.get(row['issuer_kind'], row['issuer_kind'])}）"
        group = groups.setdefault(
            name, {"issuer": name, "materials": 0, "pending_requirements": 0, "guides": set(), "kinds": set()}
        )
        group["materials"] += 1
        group["pending_requirements"] += row["pending_requirements"]
        group["guides"] |= {g.id for g, _ in pending[row["material"]]}
        group["kinds"].add(row["issuer_kind"])
    found = [
        {
            "issuer": g["issuer"],
            "issuer_kinds": sorted(g["kinds"]),
            "materials": g["materials"],
            "pending_requirements": g["pending_requirements"],
            "guides": len(g["guides"]),
            "share_if_exempt": share(done + g["pending_requirements"], total),
            "gain": share(g["pending_requirements"], total),
        }
        for g in groups.values()
    ]
    # Named bodies first (someone to talk to), then the groups of materials no catalogue entry names.
    return sorted(
        found, key=lambda r: (r["issuer"].startswith("（"), -r["pending_requirements"], r["issuer"])
    )


def trend_point(version: Mapping[str, Any], guides: Iterable[Scenario]) -> dict[str, Any]:
    """One registry version's place in the trend: its number and date and the shares it gave."""
    stats = registry_stats(guides)
    every, kinds = stats["all"], stats["by_kind"]
    return {
        "version": version["number"],
        "date": version["date"],
        "summary": version.get("summary"),
        "note": version.get("note"),
        "guides": every["guides"],
        "requirements": every["requirements"],
        "exempt": every["exempt"],
        "submit_once": every["submit_once"],
        "once_or_exempt_share": every["once_or_exempt_share"],
        "scenario_share": kinds["scenario"]["once_or_exempt_share"],
        "matter_share": kinds["matter"]["once_or_exempt_share"],
    }


def dashboard_figures(
    guides: Iterable[Scenario], materials: Mapping[str, Material], push_limit: int | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows for one registry state (the trend apart: it spans versions)."""
    guides = list(guides)
    return {
        "stats": registry_stats(guides),
        "issuer_kinds": by_issuer_kind(guides),
        "reform": reform_figures(guides),
        "push_next": push_next(guides, materials, push_limit),
    }
