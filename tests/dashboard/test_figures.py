"""The dashboard's figures over the real registry data (data/registry), checked against the
registry's own ``/stats`` figures and by doing what they claim: exempting the material ranked
first really raises the share to the figure it promises."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bot.dashboard.figures import (
    by_issuer_kind,
    dashboard_figures,
    once_or_exempt,
    push_next,
    reform_figures,
    trend_point,
)
from bot.registry.files import Registry
from bot.registry.model import Exemption, Scenario
from bot.registry.stats import REFORM_KEYS, registry_stats


@pytest.fixture(scope="module")
def guides(registry: Registry) -> list[Scenario]:
    return list(registry.guides().values())


def exempting(guides: list[Scenario], material: str) -> list[Scenario]:
    """The guides as they would be if every guide exempted ``material`` (an e-licence check)."""
    licence = Exemption("e_licence_verification", "通过电子证照核验获取")
    return [
        dataclasses.replace(
            g,
            requirements=tuple(
                dataclasses.replace(r, exemption=licence)
                if r.material == material and not once_or_exempt(r)
                else r
                for r in g.requirements
            ),
        )
        for g in guides
    ]


def test_issuer_kinds_add_up_to_the_registrys_own_totals(guides: list[Scenario]) -> None:
    every = registry_stats(guides)["all"]
    rows = by_issuer_kind(guides)
    assert [r["issuer_kind"] for r in rows] == ["government", "applicant", "third_party"]
    for key in ("requirements", "exempt", "submit_once"):
        assert sum(r[key] for r in rows) == every[key]
    counted = Counter(r.issuer_kind for g in guides for r in g.requirements)
    assert {r["issuer_kind"]: r["requirements"] for r in rows} == dict(counted)
    government = next(r for r in rows if r["issuer_kind"] == "government")
    assert government["label"] == "政府部门核发"
    assert government["once_or_exempt_share"] == round(
        (government["exempt"] + government["submit_once"]) / government["requirements"], 3
    )


def test_reform_figures_are_the_guides_own_and_nothing_is_estimated(registry: Registry) -> None:
    guides = list(registry.guides().values())
    reform = reform_figures(guides)
    given = [s for s in registry.scenarios.values() if all(s.reform.get(k) is not None for k in REFORM_KEYS)]
    assert reform["guides_with_figures"] == len(given) > 0
    assert {r["id"] for r in reform["rows"]} == {s.id for s in given}
    overall = registry_stats(guides)["overall"]["reform"]
    totals = {t["measure"]: t for t in reform["totals"]}
    for measure in ("materials", "visits", "days"):
        assert totals[measure]["before"] == overall[f"before_{measure}"]
        assert totals[measure]["after"] == overall[f"after_{measure}"]
    # Every scenario without all six figures is named; matters give none and are only counted.
    missing = {s.name for s in registry.scenarios.values() if s.id not in {g.id for g in given}}
    assert set(reform["without_figures"]["scenarios"]) == missing
    assert reform["without_figures"]["matters"] == sum(
        1 for m in registry.matters.values() if not all(m.reform.get(k) is not None for k in REFORM_KEYS)
    )
    # The seed says the fields' meaning is inferred; the page must be able to say so.
    assert reform["notes_say_inferred"] == sum(1 for s in given if "inferred" in s.reform.get("note", ""))


def test_the_first_material_to_push_raises_the_share_as_promised(
    registry: Registry, guides: list[Scenario]
) -> None:
    push = push_next(guides, registry.materials)
    every = registry_stats(guides)["all"]
    assert push["requirements"] == every["requirements"]
    assert push["once_or_exempt_share"] == every["once_or_exempt_share"]
    rows = push["materials"]
    assert push["materials_pending"] == len(rows)
    assert (
        sum(r["pending_requirements"] for r in rows)
        == every["requirements"] - every["exempt"] - every["submit_once"]
    )
    gains = [r["pending_requirements"] for r in rows]
    assert gains == sorted(gains, reverse=True)
    first = rows[0]
    # Doing what the dashboard proposes gives exactly the share it promised.
    after = registry_stats(exempting(guides, first["material"]))["all"]
    assert after["once_or_exempt_share"] == first["share_if_exempt"]
    assert after["once_or_exempt_share"] > every["once_or_exempt_share"]
    # …and no other material would raise it more.
    best_other = max(rows[1:], key=lambda r: r["pending_requirements"])
    assert best_other["pending_requirements"] <= first["pending_requirements"]
    # Its counts are the registry's: the guides of each kind still asking for it.
    asking = [
        g
        for g in guides
        if any(r.material == first["material"] and not once_or_exempt(r) for r in g.requirements)
    ]
    assert first["scenarios"] == sum(1 for g in asking if g.kind == "scenario")
    assert first["matters"] == sum(1 for g in asking if g.kind == "matter")
    assert first["name"] == registry.materials[first["material"]].name


def test_issuing_bodies_are_the_catalogues_never_invented(registry: Registry, guides: list[Scenario]) -> None:
    push = push_next(guides, registry.materials, limit=5)
    assert len(push["materials"]) == 5
    issuers = push["issuers"]
    assert sum(i["pending_requirements"] for i in issuers) == push["requirements"] - push["once_or_exempt"]
    assert sum(i["materials"] for i in issuers) == push["materials_pending"]
    named = {m.issuer for m in registry.materials.values() if m.issuer} | {
        r.issuer for g in guides for r in g.requirements if r.issuer
    }
    for row in issuers:
        assert row["issuer"] in named or row["issuer"].startswith("（"), row
    named_first = [i for i in issuers if not i["issuer"].startswith("（")]
    assert issuers[: len(named_first)] == named_first  # someone to talk to comes first
    counts = [i["pending_requirements"] for i in named_first]
    assert counts == sorted(counts, reverse=True)


def test_a_trend_point_is_the_versions_share(guides: list[Scenario]) -> None:
    version = {"number": 3, "date": "2026-12-01", "summary": "修改 1 项", "note": "湘政办发〔2026〕1号"}
    point = trend_point(version, guides)
    every = registry_stats(guides)
    assert point["version"] == 3 and point["date"] == "2026-12-01" and point["note"] == version["note"]
    assert point["once_or_exempt_share"] == every["all"]["once_or_exempt_share"]
    assert point["scenario_share"] == every["overall"]["once_or_exempt_share"]
    assert point["matter_share"] == every["by_kind"]["matter"]["once_or_exempt_share"]


def test_no_guides_gives_no_share_rather_than_zero() -> None:
    found = dashboard_figures([], {})
    assert found["push_next"]["once_or_exempt_share"] is None
    assert found["push_next"]["materials"] == []
    assert all(r["once_or_exempt_share"] is None for r in found["issuer_kinds"])
    assert found["reform"]["guides_with_figures"] == 0
