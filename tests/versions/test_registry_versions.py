"""Registry versions end to end: an edit of the YAML while the registry runs becomes a version, its diff
names the changed material, and a notice link issued before the edit says what changed.

A private copy of the registry (so the edit touches nobody else), the registry service
over HTTP picking the edit up by itself, and the web server serving the notice.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.settings import ROOT, load_settings
from tests.accounts.helpers import account
from tests.conftest import REGISTRY_TOKEN, start_registry, start_web

AUTH = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
STAFF = {"Authorization": "Bearer dev-staff-token", "X-Staff-Name": "tester"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("versions")
    data = tmp / "registry"
    shutil.copytree(ROOT / "data" / "registry", data)
    env = {"ONCEONLY_REGISTRY_DIR": str(data), "ONCEONLY_REGISTRY_RELOAD_SECONDS": "0.2"}
    registry = start_registry(tmp, **env)
    web = start_web(tmp, registry, **env, ONCEONLY_STAFF_TOKEN="dev-staff-token")
    try:
        web.wait_ready(60)
        # The machine door acts only as an existing account.
        account(load_settings(var_dir=tmp / "var"), STAFF["X-Staff-Name"])
        yield registry.url, web.url, data, f"sqlite:///{tmp / 'var' / 'registry.sqlite3'}"
    finally:
        web.stop()
        registry.stop()


def wait_for_version(api: str, number: int, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = requests.get(f"{api}/versions", timeout=5).json()
        if listed["current"] == number:
            return listed
        time.sleep(0.2)
    raise AssertionError(f"no version {number}: {listed}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def newborn_notice(web: str, answers: dict[str, str]) -> dict:
    """The notice the console issues for newborn with these answers."""
    response = requests.post(
        f"{web}/console/api/notice",
        json={"scenario": "newborn", "answers": answers},
        headers=STAFF,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def rows(page: str) -> list[tuple[str, str]]:
    return sorted(re.findall(r'data-material="([^"]+)" data-status="([^"]+)"', page))


def test_an_edit_becomes_a_version_whose_diff_names_the_material_and_old_links_say_so(servers, registry):
    api, web, data, db = servers
    first = wait_for_version(api, 1)
    summary = first["versions"][0]["summary"]
    assert summary.startswith(f"首个版本：{len(registry.scenarios)} 个")
    assert f"{len(registry.matters)} 个办事事项" in summary
    assert first["versions"][0]["matters"] == len(registry.matters)
    answers = {"parents_ethnicity": "different"}
    before = requests.post(
        f"{api}/checklist", json={"scenario": "newborn", "answers": answers}, timeout=10
    ).json()
    assert before["registry_version"]["number"] == 1

    # A notice issued now, then the guide edited: the ethnicity application must now come from the
    # residents' committee, and the promised time shortens.
    issued = newborn_notice(web, answers)
    assert issued["version"] == 1
    untouched = requests.get(f"{web}/n/{issued['code']}", timeout=30).text
    assert 'id="changes"' not in untouched and "v1（" in untouched

    scenario = data / "scenarios" / "newborn.yml"
    edit(
        scenario,
        "  obtain_from: 申请人自备\n  requirements: 申请人及相关证明材料出具人应当对本条规定的证明材料的真实性、合法性负责。\n  fill_notes: 父母双方是不同民族时提供。",
        "  obtain_from: 户籍所在地村（居）委会\n  requirements: 申请人及相关证明材料出具人应当对本条规定的证明材料的真实性、合法性负责。\n  fill_notes: 父母双方是不同民族时提供。",
    )
    edit(scenario, "promised_days: 5\nprocess:", "promised_days: 3\nprocess:")
    listed = wait_for_version(api, 2)
    latest = listed["versions"][0]
    assert (
        latest["date"] == latest["created_at"][:10] == time.strftime("%Y-%m-%d", time.gmtime(time.time() - 5))
    )
    assert "新生儿民族成份申请" in latest["summary"] and "承诺时限 5→3" in latest["summary"]

    diff = requests.get(f"{api}/versions/1/diff/2", timeout=10).json()
    assert [s["id"] for s in diff["scenarios"]] == ["newborn"]
    [material] = diff["scenarios"][0]["materials"]
    assert material["material"] == "newborn_ethnicity_application" and material["change"] == "changed"
    assert material["fields"] == [
        {"field": "obtain_from", "label": "去哪开", "before": "申请人自备", "after": "户籍所在地村（居）委会"}
    ]
    assert (
        requests.get(f"{api}/versions/1/diff/2", params={"scenario": "retirement"}, timeout=10).json()[
            "scenarios"
        ]
        == []
    )

    # Checklists say which version they were read from; version 1 can still be asked for.
    now = requests.post(
        f"{api}/checklist", json={"scenario": "newborn", "answers": answers}, timeout=10
    ).json()
    assert now["registry_version"]["number"] == 2
    then = requests.post(
        f"{api}/checklist", json={"scenario": "newborn", "answers": answers, "version": 1}, timeout=10
    ).json()
    assert then["registry_version"]["number"] == 1
    assert then["items"] == before["items"]

    # The old link reopens the notice, up to date, saying what changed since it was issued.
    page = requests.get(f"{web}/n/{issued['code']}", timeout=30).text
    banner = re.search(r'<section class="banner banner-changed" id="changes".*?</section>', page, re.S)
    assert banner, "an old notice says its content changed"
    assert "v1" in banner.group(0) and "v2" in banner.group(0)
    assert "「新生儿民族成份申请」的出具单位改为：户籍所在地村（居）委会" in banner.group(0)
    assert "承诺时限有修改：5 → 3" in banner.group(0)
    assert "户籍所在地村（居）委会" in page and ">3 个工作日<" in page
    assert rows(page) == sorted((i["material"], i["status"]) for i in now["items"])

    # A new notice for the same answers is a new code at version 2, and says nothing changed.
    again = newborn_notice(web, answers)
    assert again["code"] != issued["code"] and again["version"] == 2
    assert 'id="changes"' not in requests.get(f"{web}/n/{again['code']}", timeout=30).text

    # A matter is versioned like a scenario: its edit is a version that names it as a matter,
    # and its checklist as the version before gave it can still be asked for.
    matter = next(m for m in registry.matters.values() if m.promised_days and m.requirements)
    was = requests.post(f"{api}/checklist", json={"matter": matter.id}, timeout=10).json()
    assert was["registry_version"]["number"] == 2 and was["scenario"]["kind"] == "matter"
    days = f"{matter.promised_days:g}"
    edit(data / "matters" / f"{matter.id}.yml", f"\npromised_days: {days}\n", "\npromised_days: 99\n")
    latest = wait_for_version(api, 3)["versions"][0]
    assert f"办事事项「{matter.name}」" in latest["summary"] and f"承诺时限 {days}→99" in latest["summary"]
    diff = requests.get(f"{api}/versions/2/diff/3", params={"scenario": matter.id}, timeout=10).json()
    assert [(s["id"], s["kind"]) for s in diff["scenarios"]] == [(matter.id, "matter")]
    then = requests.post(f"{api}/checklist", json={"matter": matter.id, "version": 2}, timeout=10).json()
    assert then["registry_version"]["number"] == 2 and then["items"] == was["items"]
    assert requests.get(f"{api}/matters/{matter.id}", timeout=5).json()["promised_days"] == 99

    # An edit that does not load (a half-saved file) makes no version; the last good one keeps answering.
    log = data.parent / "registry.log"
    refused = "registry files changed but do not load"
    seen = log.read_text(encoding="utf-8", errors="replace").count(refused)
    scenario.write_text("id: newborn\n  name: [", encoding="utf-8")
    deadline = time.monotonic() + 20
    while log.read_text(encoding="utf-8", errors="replace").count(refused) == seen:
        assert time.monotonic() < deadline, "the service never looked at the half-saved file"
        time.sleep(0.1)
    assert requests.get(f"{api}/versions", timeout=5).json()["current"] == 3
    assert requests.get(f"{api}/scenarios/newborn", timeout=5).json()["promised_days"] == 3
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM registry_versions")).scalar() == 3
    engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/versions/0/diff/1", None, 422),
        ("GET", "/versions/1/diff/999", None, 404),
        ("GET", "/versions/x/diff/1", None, 422),
        ("GET", "/versions/1/diff/1?scenario=../../etc", None, 422),
        ("GET", "/versions/99999999999", None, 422),
        ("POST", "/checklist", {"scenario": "newborn", "version": 999}, 404),
        ("POST", "/checklist", {"scenario": "newborn", "version": "1"}, 422),
        ("POST", "/checklist", {"scenario": "newborn", "version": 1, "citizen_id": "demo-citizen-001"}, 422),
        ("POST", "/notices", {"scenario": "newborn", "answers": {"parents_ethnicity": "maybe"}}, 422),
        ("POST", "/notices", {"scenario": "no_such_thing"}, 404),
        ("POST", "/notices", {"scenario": "newborn", "extra": 1}, 422),
        ("GET", "/notices/ABCDEFGHIJ", None, 422),
        ("GET", "/notices/aaaaaaaaaa", None, 404),
    ],
)
def test_bad_version_and_notice_requests_are_refused(servers, method, path, body, status):
    api = servers[0]
    response = requests.request(method, api + path, json=body, headers=AUTH, timeout=10)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}


def test_notices_need_the_service_token(servers):
    api = servers[0]
    assert requests.post(f"{api}/notices", json={"scenario": "newborn"}, timeout=10).status_code == 401
