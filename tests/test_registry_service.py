"""The registry HTTP service as a started process, on SQLite and on PostgreSQL.

Scenarios and matters are both guides with a material list: every checklist check holds
for either kind, and a citizen's file serves both. Expectations are read from the
registry's files (the ``registry`` fixture), so the tests follow the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests
import sqlalchemy as sa

from bot.registry.checklist import EXEMPT_REASONS
from bot.registry.files import Registry
from bot.registry.model import Requirement, Scenario
from tests.conftest import REGISTRY_TOKEN

AUTH = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}


@pytest.fixture(scope="module")
def api(registry_service):
    return registry_service[0]


@pytest.fixture(scope="module")
def db(registry_service):
    engine = sa.create_engine(registry_service[1], future=True)
    yield engine
    engine.dispose()


def file_rows(db, citizen: str) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(
            sa.text("SELECT material_id, submitted_at FROM citizen_materials WHERE citizen_id = :c"),
            {"c": citizen},
        ).all()


def test_health_counts_the_whole_registry(api, registry):
    body = requests.get(f"{api}/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["scenarios"] == len(registry.scenarios) >= 40
    assert body["matters"] == len(registry.matters)
    assert body["catalogue"] == len(registry.catalogue)
    assert body["catalogue_only"] == sum(1 for e in registry.catalogue.values() if e.matter is None)
    assert body["materials"] == len(registry.materials)
    assert body["requirements"] == sum(len(s.requirements) for s in registry.guides().values())


def test_search_scenarios_by_name_and_alias(api, registry):
    found = requests.get(f"{api}/scenarios", params={"q": "出生"}, timeout=5).json()["scenarios"]
    assert "newborn" in [s["id"] for s in found]
    alias_owner = next(s for s in registry.scenarios.values() if s.aliases)
    alias = alias_owner.aliases[0]
    found = requests.get(f"{api}/scenarios", params={"q": alias}, timeout=5).json()["scenarios"]
    assert alias_owner.id in [s["id"] for s in found]
    everything = requests.get(f"{api}/scenarios", params={"limit": 500}, timeout=5).json()["scenarios"]
    assert sorted(s["id"] for s in everything) == sorted(registry.scenarios)  # no matters here
    assert requests.get(f"{api}/scenarios", params={"q": "%_"}, timeout=5).json()["scenarios"] == []


def test_scenario_detail_keeps_its_source(api, registry):
    body = requests.get(f"{api}/scenarios/newborn", timeout=5).json()
    assert body["name"] == "新生儿出生一件事" and body["kind"] == "scenario"
    assert body["source"]["official_url"].startswith("https://zwfw-new.hunan.gov.cn/")
    assert len(body["requirements"]) == len(registry.scenarios["newborn"].requirements) >= 14


def test_material_lookup_by_everyday_name(api):
    found = requests.get(f"{api}/materials", params={"q": "身份证"}, timeout=5).json()["materials"]
    assert found
    detail = requests.get(f"{api}/materials/{found[0]['id']}", timeout=5).json()
    assert detail["used_by"]


def test_checklist_for_newborn(api):
    r = requests.post(f"{api}/checklist", json={"scenario": "newborn"}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    statuses = {n: i["status"] for i in body["items"] for n in i["listed_as"]}
    assert statuses["父母身份证"] == "exempt"
    assert statuses["费用清单"] == "to_submit"
    assert body["summary"]["total"] >= 10
    assert body["citizen"] is None


def test_demo_citizens_earlier_submission_is_reusable(api, registry):
    newborn = registry.scenarios["newborn"]
    candidates = [
        e
        for e in registry.demo_citizens
        if any(r.material == e.material and not r.exemption for r in newborn.requirements)
        and (e.valid_until is None or e.valid_until > "2026-12-31")
    ]
    assert candidates, "demo data should hold a newborn material a parent submits"
    entry = candidates[0]
    body = requests.post(
        f"{api}/checklist",
        json={"scenario": "newborn", "citizen_id": entry.citizen_id},
        headers=AUTH,
        timeout=5,
    ).json()
    item = next(i for i in body["items"] if i["material"] == entry.material)
    assert item["status"] == "reusable"
    assert item["reuse"]["submitted_at"] == entry.submitted_at
    assert body["summary"]["reusable"] >= 1


def test_reading_a_file_needs_the_service_token(api):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": REGISTRY_TOKEN}):
        r = requests.post(
            f"{api}/checklist",
            json={"scenario": "newborn", "citizen_id": "demo-citizen-001"},
            headers=headers,
            timeout=5,
        )
        assert r.status_code == 401, headers
        assert (
            requests.get(f"{api}/citizens/demo-citizen-001/materials", headers=headers, timeout=5).status_code
            == 401
        )
        assert (
            requests.delete(
                f"{api}/citizens/demo-citizen-001/materials", headers=headers, timeout=5
            ).status_code
            == 401
        )


def test_file_round_trip_and_real_deletion(api, db, registry):
    citizen = "test-citizen-roundtrip"
    material = next(iter(registry.materials))
    r = requests.post(
        f"{api}/citizens/{citizen}/materials",
        headers=AUTH,
        timeout=5,
        json={
            "material": material,
            "submitted_at": "2026-01-02",
            "valid_until": "2030-01-01",
            "channel": "窗口",
        },
    )
    assert r.status_code == 201, r.text
    listed = requests.get(f"{api}/citizens/{citizen}/materials", headers=AUTH, timeout=5).json()
    assert [m["material"] for m in listed["materials"]] == [material]
    assert listed["materials"][0]["name"] == registry.materials[material].name
    # A newer submission replaces the older one.
    requests.post(
        f"{api}/citizens/{citizen}/materials",
        headers=AUTH,
        timeout=5,
        json={"material": material, "submitted_at": "2026-03-04"},
    )
    assert file_rows(db, citizen) == [(material, "2026-03-04")]
    r = requests.delete(f"{api}/citizens/{citizen}/materials/{material}", headers=AUTH, timeout=5)
    assert r.json()["deleted"] == 1
    assert file_rows(db, citizen) == []
    assert (
        requests.delete(f"{api}/citizens/{citizen}/materials/{material}", headers=AUTH, timeout=5).status_code
        == 404
    )


def test_deleting_a_whole_file(api, db, registry):
    citizen = "test-citizen-erase"
    for material in list(registry.materials)[:3]:
        requests.post(
            f"{api}/citizens/{citizen}/materials", headers=AUTH, timeout=5, json={"material": material}
        )
    assert len(file_rows(db, citizen)) == 3
    assert (
        requests.delete(f"{api}/citizens/{citizen}/materials", headers=AUTH, timeout=5).json()["deleted"] == 3
    )
    assert file_rows(db, citizen) == []


def test_stats_from_the_real_data(api, registry):
    body = requests.get(f"{api}/stats", timeout=10).json()
    assert body["overall"]["scenarios"] == len(registry.scenarios)
    assert 0 < body["overall"]["once_or_exempt_share"] < 1
    newborn = next(r for r in body["scenarios"] if r["id"] == "newborn")
    assert newborn["exempt"] >= 5 and newborn["requirements"] == len(
        registry.scenarios["newborn"].requirements
    )
    # Scenarios and matters, per kind and per department.
    assert body["by_kind"]["scenario"]["guides"] == len(registry.scenarios)
    assert body["by_kind"]["matter"]["guides"] == len(registry.matters) == len(body["matters"])
    assert body["all"]["guides"] == len(registry.scenarios) + len(registry.matters)
    assert body["all"]["requirements"] == sum(len(s.requirements) for s in registry.guides().values())
    departments = body["by_department"]
    assert sum(d["scenarios"] for d in departments) == len(registry.scenarios)
    assert sum(d["matters"] for d in departments) == len(registry.matters)
    if registry.matters:
        assert 0 < body["by_kind"]["matter"]["once_or_exempt_share"] < 1
        matter = next(iter(registry.matters.values()))
        row = next(r for r in body["matters"] if r["id"] == matter.id)
        assert row["department"] == matter.department and row["requirements"] == len(matter.requirements)


def test_openapi_describes_every_route(api):
    paths = requests.get(f"{api}/openapi.json", timeout=5).json()["paths"]
    for path in (
        "/health",
        "/scenarios",
        "/scenarios/{scenario_id}",
        "/checklist",
        "/citizens/{citizen_id}/materials",
        "/citizens/{citizen_id}/materials/{material_id}",
        "/stats",
        "/matters",
        "/matters/{matter_id}",
    ):
        assert path in paths


# -- matters -----------------------------------------------------------------


def _key(r: Requirement) -> tuple[str, str]:
    """How the checklist groups listings: a material once, someone else's copy apart."""
    return (r.material, "self" if r.holder == "self" else f"other:{r.role}")


def _exempt(r: Requirement) -> bool:
    return bool(r.exemption and r.exemption.kind in EXEMPT_REASONS)


def a_matter(registry: Registry, wanted: Callable[[Scenario], bool], what: str) -> Scenario:
    found = next((m for m in registry.matters.values() if wanted(m)), None)
    if found is None:
        pytest.skip(f"no matter in the registry {what}")
    return found


def checklist(api: str, body: dict, headers: dict | None = None) -> dict:
    r = requests.post(f"{api}/checklist", json=body, headers=headers or {}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_search_matters_lists_detailed_ones_once_and_catalogue_only_ones(api, registry):
    matter = a_matter(registry, lambda m: True, "at all")
    found = requests.get(f"{api}/matters", params={"q": matter.name}, timeout=5).json()["matters"]
    mine = [m for m in found if matter.service_id in (m["id"], m["service_id"])]
    assert len(mine) == 1, mine  # once, as the matter, not again as its catalogue entry
    assert mine[0] | {"related_scenarios": None} == {
        "id": matter.id,
        "name": matter.name,
        "kind": "matter",
        "service_id": matter.service_id,
        "department": matter.department,
        "matter_type": matter.matter_type,
        "audience": matter.audience,
        "materials_known": True,
        "related_scenarios": None,
    }
    assert mine[0]["related_scenarios"] == list(matter.related_scenarios)
    entry = next((e for e in registry.catalogue.values() if e.matter is None), None)
    if entry is not None:
        found = requests.get(f"{api}/matters", params={"q": entry.name}, timeout=5).json()["matters"]
        item = next(m for m in found if m["id"] == entry.service_id)
        assert item["kind"] == "catalogue" and item["materials_known"] is False
        assert (item["name"], item["department"]) == (entry.name, entry.department)
    # Shortest names first; every word must match; a limit is a limit; wildcards are text.
    names = [
        m["name"] for m in requests.get(f"{api}/matters", params={"q": "证"}, timeout=5).json()["matters"]
    ]
    assert names == sorted(names, key=len)
    aliases: dict[str, list[str]] = {}
    for m in [*registry.matters.values(), *registry.catalogue.values()]:  # catalogue: curated aliases
        aliases.setdefault(m.name, []).extend(m.aliases)
    assert all("证" in n or any("证" in a for a in aliases.get(n, ())) for n in names), "names or aliases"
    assert len(requests.get(f"{api}/matters", params={"limit": 3}, timeout=5).json()["matters"]) == min(
        3, len(registry.matters) + len(registry.catalogue)
    )
    assert requests.get(f"{api}/matters", params={"q": "%_"}, timeout=5).json()["matters"] == []
    assert requests.get(f"{api}/matters", params={"q": f"{matter.name} 不存在的词"}, timeout=5).json() == {
        "matters": []
    }


def test_a_matter_by_id_or_service_id_and_a_catalogue_only_entry(api, registry):
    matter = a_matter(registry, lambda m: True, "at all")
    body = requests.get(f"{api}/matters/{matter.id}", timeout=5).json()
    assert body["kind"] == "matter" and body["materials_known"] is True
    assert body["service_id"] == matter.service_id and len(body["requirements"]) == len(matter.requirements)
    assert body["source"] and body["registry_version"]["number"] >= 1
    assert requests.get(f"{api}/matters/{matter.service_id}", timeout=5).json()["id"] == matter.id
    assert requests.get(f"{api}/scenarios/{matter.id}", timeout=5).json()["kind"] == "matter"
    entry = next((e for e in registry.catalogue.values() if e.matter is None), None)
    if entry is None:
        pytest.skip("no catalogue-only entry")
    body = requests.get(f"{api}/matters/{entry.service_id}", timeout=5).json()
    assert {k: body[k] for k in ("id", "service_id", "name", "kind", "materials_known")} == {
        "id": entry.service_id,
        "service_id": entry.service_id,
        "name": entry.name,
        "kind": "catalogue",
        "materials_known": False,
    }
    assert body["department"] == entry.department and body["matter_type"] == entry.matter_type
    assert body["official_url"] == entry.official_url and body["source"]["repo"] == entry.source.repo
    assert "requirements" not in body
    r = requests.post(f"{api}/checklist", json={"scenario": entry.service_id}, timeout=5)
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_material_list"
    assert "材料清单" in r.json()["error"]["message"]
    r = requests.post(f"{api}/checklist", json={"matter": entry.service_id}, timeout=5)
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_material_list"
    assert requests.get(f"{api}/scenarios/{entry.service_id}", timeout=5).status_code == 404


def test_checklist_for_a_matter_as_for_a_scenario(api, registry):
    matter = a_matter(
        registry,
        lambda m: any(_exempt(r) for r in m.requirements) and not all(_exempt(r) for r in m.requirements),
        "with exempt and non-exempt materials",
    )
    body = checklist(api, {"scenario": matter.id})
    assert body["scenario"] == {
        "id": matter.id,
        "name": matter.name,
        "region": matter.region,
        "kind": "matter",
    }
    groups: dict[tuple[str, str], list[Requirement]] = {}
    for r in matter.requirements:
        groups.setdefault(_key(r), []).append(r)
    assert len(body["items"]) == len(groups)  # each material once
    expected = sorted(
        (material, "exempt" if all(_exempt(r) for r in listed) else "to_submit")
        for (material, _), listed in groups.items()
    )
    assert sorted((i["material"], i["status"]) for i in body["items"]) == expected
    summary = body["summary"]
    for status in ("exempt", "reusable", "to_submit", "not_applicable"):
        assert summary[status] == sum(1 for i in body["items"] if i["status"] == status)
    assert summary["exempt"] >= 1 and summary["to_submit"] >= 1
    assert body["citizen"] is None and body["registry_version"]["number"] >= 1
    # {"matter": id} says the same; so does the matter's service_id.
    assert checklist(api, {"matter": matter.id})["items"] == body["items"]
    assert checklist(api, {"scenario": matter.service_id})["items"] == body["items"]


def test_a_matter_listing_a_material_twice_shows_it_once(api, registry):
    matter = a_matter(
        registry,
        lambda m: len({_key(r) for r in m.requirements}) < len(m.requirements),
        "listing one material twice",
    )
    body = checklist(api, {"matter": matter.id})
    assert len(body["items"]) == len({_key(r) for r in matter.requirements}) < len(matter.requirements)
    twice = next(
        k
        for k in {_key(r) for r in matter.requirements}
        if sum(_key(r) == k for r in matter.requirements) > 1
    )
    listed_as = {r.seed_name for r in matter.requirements if _key(r) == twice}
    assert any(i["material"] == twice[0] and set(i["listed_as"]) == listed_as for i in body["items"])


def test_a_citizens_file_serves_scenarios_and_matters_alike(api, registry):
    def own_not_exempt(guide: Scenario) -> set[str]:
        listed: dict[str, list[Requirement]] = {}
        for r in guide.requirements:
            listed.setdefault(r.material, []).append(r)
        return {
            m
            for m, rs in listed.items()
            if all(r.holder == "self" and not _exempt(r) and r.necessity == "required" for r in rs)
        }

    by_scenarios = {m: s for s in registry.scenarios.values() for m in own_not_exempt(s)}
    matter = a_matter(
        registry, lambda m: bool(own_not_exempt(m) & set(by_scenarios)), "sharing a material with a scenario"
    )
    material = sorted(own_not_exempt(matter) & set(by_scenarios))[0]
    scenario = by_scenarios[material]
    citizen = "test-citizen-across-kinds"
    r = requests.post(
        f"{api}/citizens/{citizen}/materials",
        headers=AUTH,
        timeout=5,
        json={"material": material, "submitted_at": "2026-05-06", "channel": "窗口"},
    )
    assert r.status_code == 201, r.text
    try:
        for guide in (scenario, matter):
            body = checklist(api, {"scenario": guide.id, "citizen_id": citizen}, AUTH)
            item = next(i for i in body["items"] if i["material"] == material)
            assert item["status"] == "reusable", guide.id
            assert item["reuse"]["submitted_at"] == "2026-05-06"
            assert body["summary"]["reusable"] >= 1 and body["citizen"]["id"] == citizen
        used_by = requests.get(f"{api}/materials/{material}", timeout=5).json()["used_by"]
        assert {"id": matter.id, "name": matter.name, "kind": "matter"} in used_by
        assert {"id": scenario.id, "name": scenario.name, "kind": "scenario"} in used_by
    finally:
        requests.delete(f"{api}/citizens/{citizen}/materials", headers=AUTH, timeout=5)


def test_a_matters_questions_are_checked_like_a_scenarios(api, registry):
    matter = a_matter(registry, lambda m: True, "at all")
    r = requests.post(f"{api}/checklist", json={"matter": matter.id, "answers": {"no_such": "x"}}, timeout=5)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_answer"


BAD_REQUESTS = [
    ("POST", "/checklist", b"", "application/json", 422),
    ("POST", "/checklist", b"{", "application/json", 422),
    ("POST", "/checklist", b"[1, 2]", "application/json", 422),
    ("POST", "/checklist", b'{"scenario": 5}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": null}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "newborn", "answers": []}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "newborn", "answers": {"x": 1}}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "newborn", "answers": {"x": "y"}}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "newborn", "extra": 1}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "no_such_thing"}', "application/json", 404),
    (
        "POST",
        "/checklist",
        b'{"scenario": "<script>alert(1)</script>\'; DROP TABLE x;--"}',
        "application/json",
        404,
    ),
    (
        "POST",
        "/checklist",
        b'{"scenario": "newborn", "citizen_id": "../../etc/passwd"}',
        "application/json",
        422,
    ),
    ("POST", "/checklist", b"scenario=newborn", "application/x-www-form-urlencoded", 422),
    ("POST", "/checklist", b"\xff\xfe\x00garbage", "application/json", 422),
    ("POST", "/checklist", json.dumps({"scenario": "x" * 5000}).encode(), "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "' + b"a" * 300_000 + b'"}', "application/json", 413),
    ("GET", "/scenarios/" + "x" * 300, b"", None, 422),
    ("GET", "/scenarios?limit=-1", b"", None, 422),
    ("GET", "/scenarios?limit=abc", b"", None, 422),
    ("GET", "/scenarios?q=" + "长" * 100, b"", None, 422),
    ("GET", "/materials/no_such_material", b"", None, 404),
    ("GET", "/matters/" + "x" * 300, b"", None, 422),
    ("GET", "/matters?limit=0", b"", None, 422),
    ("GET", "/matters?limit=501", b"", None, 422),
    ("GET", "/matters?q=" + "长" * 100, b"", None, 422),
    ("GET", "/matters/no_such_matter", b"", None, 404),
    ("GET", "/matters/newborn", b"", None, 404),
    ("POST", "/checklist", b"{}", "application/json", 422),
    ("POST", "/checklist", b'{"matter": null}', "application/json", 422),
    ("POST", "/checklist", b'{"matter": 7}', "application/json", 422),
    ("POST", "/checklist", b'{"scenario": "newborn", "matter": "newborn"}', "application/json", 422),
    ("POST", "/checklist", b'{"matter": "no_such_thing"}', "application/json", 404),
    ("GET", "/no/such/route", b"", None, 404),
    ("PUT", "/checklist", b"{}", "application/json", 405),
    (
        "POST",
        "/citizens/demo-citizen-001/materials",
        b'{"material": "no_such_material"}',
        "application/json",
        422,
    ),
    (
        "POST",
        "/citizens/demo-citizen-001/materials",
        b'{"material": "x", "submitted_at": "yesterday"}',
        "application/json",
        422,
    ),
    ("POST", "/citizens/%00/materials", b"{}", "application/json", 422),
    ("DELETE", "/citizens/" + "9" * 200 + "/materials", b"", None, 422),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "ctype", "status"),
    BAD_REQUESTS,
    ids=[f"{m} {p[:40]} {b[:20]!r}" for m, p, b, _, _ in BAD_REQUESTS],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api, db, method, path, body, ctype, status):
    before = file_rows(db, "demo-citizen-001")
    headers = dict(AUTH)
    if ctype:
        headers["Content-Type"] = ctype
    r = requests.request(method, api + path, data=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"]
    assert file_rows(db, "demo-citizen-001") == before
