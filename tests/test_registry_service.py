"""The registry HTTP service as a started process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
import requests
import sqlalchemy as sa

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
    assert body["scenarios"] == len(registry.scenarios) == 40
    assert body["requirements"] == sum(len(s.requirements) for s in registry.scenarios.values())


def test_search_scenarios_by_name_and_alias(api, registry):
    found = requests.get(f"{api}/scenarios", params={"q": "出生"}, timeout=5).json()["scenarios"]
    assert "newborn" in [s["id"] for s in found]
    alias_owner = next(s for s in registry.scenarios.values() if s.aliases)
    alias = alias_owner.aliases[0]
    found = requests.get(f"{api}/scenarios", params={"q": alias}, timeout=5).json()["scenarios"]
    assert alias_owner.id in [s["id"] for s in found]
    everything = requests.get(f"{api}/scenarios", params={"limit": 500}, timeout=5).json()["scenarios"]
    assert len(everything) == 40
    assert requests.get(f"{api}/scenarios", params={"q": "%_"}, timeout=5).json()["scenarios"] == []


def test_scenario_detail_keeps_its_source(api):
    body = requests.get(f"{api}/scenarios/newborn", timeout=5).json()
    assert body["name"] == "新生儿出生一件事"
    assert body["source"]["official_url"].startswith("https://zwfw-new.hunan.gov.cn/")
    assert len(body["requirements"]) == 14


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


def test_stats_from_the_real_data(api):
    body = requests.get(f"{api}/stats", timeout=10).json()
    assert body["overall"]["scenarios"] == 40
    assert 0 < body["overall"]["once_or_exempt_share"] < 1
    newborn = next(r for r in body["scenarios"] if r["id"] == "newborn")
    assert newborn["exempt"] == 5 and newborn["requirements"] == 14


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
    ):
        assert path in paths


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
