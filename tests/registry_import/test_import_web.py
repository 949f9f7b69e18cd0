"""/admin/import on a real web server and registry service (over a private copy of the registry):
upload a filled-in template, see the diff with nothing changed, confirm, and the rows become a
registry-editor draft; a reviewer publishes it, the files change with the source in changelog.yml,
and the registry service records it as the new version's note. Bad input is a clear 4xx with
nothing changed; strangers get a 401 and roles without the capability a 403, path by path (with
/admin/model's: editors view, reviewers start)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from bot.ops.stack import settings_on_free_ports
from bot.registry.cli import DEFAULT_SEED
from bot.registry.files import content_digest, load_registry
from bot.registry_import.sheet import README, SHEET
from tests.accounts.helpers import bearer
from tests.conftest import REGISTRY_TOKEN
from tests.registry_import.helpers import SOURCE, filled, registry_copy
from tests.web.conftest import SCREENSHOTS, run_browser
from tests.web.test_directory import WebSite

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = "import-tester"
ROLES = {
    STAFF: "admin",
    "other-admin": "admin",
    "editor-1": "editor",
    "reviewer-1": "reviewer",
    "hotline-1": "hotline",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    tmp = tmp_path_factory.mktemp("import-web")
    registry = registry_copy(load_settings_dir(), tmp / "registry")
    settings = settings_on_free_ports(
        tmp / "var", registry_token=REGISTRY_TOKEN, registry_dir=registry, registry_reload_seconds=0.5
    )
    running = WebSite(settings, Path("no-model"), tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


def load_settings_dir() -> Path:
    from bot.settings import get_settings

    return get_settings().registry.dir


@pytest.fixture(scope="module")
def web(site: WebSite) -> str:
    return site.service("web").url


@pytest.fixture(scope="module")
def staff(site: WebSite) -> dict[str, str]:
    """The importing administrator's headers; every account of :data:`ROLES` exists."""
    headers = {name: bearer(site.settings, name, role=role) for name, role in ROLES.items()}
    return headers[STAFF]


def upload(
    web: str, staff: dict[str, str], data: bytes, source: str = SOURCE, name: str = "dept.xlsx"
) -> requests.Response:
    return requests.post(
        web + "/admin/import",
        headers=staff,
        files={"file": (name, data, XLSX)},
        data={"source": source},
        timeout=120,
    )


def a_requirement(directory: Path) -> tuple[str, str, str]:
    registry = load_registry(directory)
    for guide in registry.scenarios.values():
        names = [r.seed_name for r in guide.requirements]
        for req in guide.requirements:
            if req.necessity == "required" and req.exemption is None and names.count(req.seed_name) == 1:
                return guide.id, guide.name, req.seed_name
    raise AssertionError("no plain required requirement")


def test_the_page_and_its_template(web: str, staff: dict[str, str], tmp_path: Path) -> None:
    page = requests.get(web + "/admin/import", headers=staff, timeout=30)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'href="/admin/import/template.xlsx"' in page.text
    template = requests.get(web + "/admin/import/template.xlsx", headers=staff, timeout=30)
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    (tmp_path / "t.xlsx").write_bytes(template.content)
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == [README, SHEET]


def as_(staff: dict[str, str], name: str) -> dict[str, str]:
    return staff | {"X-Staff-Name": name}


def test_strangers_and_roles_without_the_capability_are_refused_path_by_path(
    web: str, staff: dict[str, str]
) -> None:
    assert requests.get(web + "/admin/import", timeout=30).status_code == 401
    assert (
        requests.post(web + "/admin/import", files={"file": ("a.xlsx", b"x")}, timeout=30).status_code == 401
    )
    assert requests.get(web + "/admin/api/model", timeout=30).status_code == 401
    for name in ("editor-1", "reviewer-1"):  # importing is an administrator's
        for method, path in (
            ("GET", "/admin/import"),
            ("GET", "/admin/import/template.xlsx"),
            ("POST", "/admin/import"),
            ("POST", "/admin/import/sometoken/apply"),
            ("POST", "/admin/import/sometoken/cancel"),
        ):
            response = requests.request(method, web + path, headers=as_(staff, name), timeout=30)
            assert response.status_code == 403, (name, path)
            assert response.json()["error"]["code"] == "forbidden"
    # The model page: editors see it, only reviewers (and administrators) start a training.
    page = requests.get(web + "/admin/model", headers=as_(staff, "editor-1"), timeout=30)
    assert page.status_code == 200 and "还没有训练记录" in page.text and "立即重新训练" not in page.text
    status = requests.get(web + "/admin/api/model", headers=as_(staff, "editor-1"), timeout=30)
    assert (
        status.status_code == 200
        and status.json()["running"] is False
        and status.json()["loaded_model"] is None
    )
    for path in ("/admin/model/retrain", "/admin/api/model/retrain"):
        refused = requests.post(web + path, headers=as_(staff, "editor-1"), timeout=30)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (
        "立即重新训练"
        in requests.get(web + "/admin/model", headers=as_(staff, "reviewer-1"), timeout=30).text
    )
    for path in ("/admin/model", "/admin/api/model", "/admin/model/progress.js", "/admin/import"):
        assert requests.get(web + path, headers=as_(staff, "hotline-1"), timeout=30).status_code == 403, path


def test_a_sheet_is_previewed_then_becomes_a_draft_a_reviewer_publishes(
    site: WebSite, web: str, staff: dict[str, str], tmp_path: Path
) -> None:
    directory = site.settings.registry.dir
    guide_id, guide_name, name = a_requirement(directory)
    before = content_digest(directory)
    row = [guide_id, name, "必要", "", "电子证照核验", "公安机关", "居民户口簿电子证照", SOURCE]
    preview = upload(web, staff, filled(tmp_path / "f.xlsx", [row]))
    assert preview.status_code == 200, preview.text
    assert f"「{guide_name}」{name}：免提交 不免提交 → 电子证照核验（居民户口簿电子证照）" in preview.text
    assert f"scenarios/{guide_id}.yml" in preview.text
    assert content_digest(directory) == before  # the preview changed nothing
    token = preview.text.split('action="/admin/import/')[1].split("/apply")[0]

    # Someone else's token, and a token that does not exist, are a 404.
    other = staff | {"X-Staff-Name": "other-admin"}
    assert requests.post(f"{web}/admin/import/{token}/apply", headers=other, timeout=30).status_code == 404
    missing = requests.post(f"{web}/admin/import/nosuchtoken/apply", headers=staff, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "import_not_found"
    assert content_digest(directory) == before

    confirmed = requests.post(
        f"{web}/admin/import/{token}/apply", headers=staff, allow_redirects=False, timeout=120
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/admin/drafts/")
    draft = int(confirmed.headers["location"].rsplit("/", 1)[1])
    assert content_digest(directory) == before  # a department's rows wait for a reviewer
    found = requests.get(f"{web}/admin/api/drafts/{draft}", headers=staff, timeout=30).json()
    assert (found["status"], found["author"], found["source"]) == ("draft", STAFF, SOURCE)

    approved = requests.post(
        f"{web}/admin/api/drafts/{draft}/approve", headers=as_(staff, "reviewer-1"), timeout=120
    )
    assert approved.status_code == 200, approved.text
    req = next(r for r in load_registry(directory).scenarios[guide_id].requirements if r.seed_name == name)
    assert req.exemption is not None and req.exemption.kind == "e_licence_verification"
    assert (req.issuer, req.exemption.text) == ("公安机关", "居民户口簿电子证照")
    changes = (directory / "changelog.yml").read_text(encoding="utf-8")
    assert SOURCE in changes and STAFF in changes and "reviewer-1" in changes
    # The registry service loads the files into a new version whose note is the source.
    registry = site.service("registry").url
    deadline = time.monotonic() + 60
    note = None
    while time.monotonic() < deadline and not (note and SOURCE in note):
        versions = requests.get(registry + "/versions", timeout=10).json()["versions"]
        note = versions[0]["note"]
    assert note and SOURCE in note
    # A confirmed plan is gone.
    again = requests.post(f"{web}/admin/import/{token}/apply", headers=staff, timeout=30)
    assert again.status_code == 404


def test_bad_uploads_are_a_clear_4xx_and_change_nothing(
    site: WebSite, web: str, staff: dict[str, str], tmp_path: Path
) -> None:
    directory = site.settings.registry.dir
    guide_id, _, name = a_requirement(directory)
    before = content_digest(directory)
    bad = upload(
        web, staff, filled(tmp_path / "bad.xlsx", [[guide_id, name, "也许", "", "", "", "", SOURCE]])
    )
    assert bad.status_code == 400 and "第 2 行「是否必要」" in bad.text and "没有导入任何内容" in bad.text
    no_source = upload(
        web,
        staff,
        filled(tmp_path / "ok.xlsx", [[guide_id, name, "必要", "", "", "", "", SOURCE]]),
        source="",
    )
    assert no_source.status_code == 400 and "请填写来源" in no_source.text
    not_a_sheet = upload(web, staff, b"just text", name="notes.txt")
    assert not_a_sheet.status_code == 400 and "zip" in not_a_sheet.text
    no_file = requests.post(web + "/admin/import", headers=staff, data={"source": SOURCE}, timeout=30)
    assert no_file.status_code == 415 and no_file.json()["error"]["code"] == "unsupported_media_type"
    empty = requests.post(web + "/admin/import", headers=staff, files={"source": (None, SOURCE)}, timeout=30)
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "file_missing"
    assert content_digest(directory) == before


def seed_zip(exempt: str) -> tuple[bytes, str]:
    """A zip of a one-guide seed: newborn as the seed has it, with one material made exempt."""
    doc = json.loads((DEFAULT_SEED / "scenarios" / "newborn.json").read_text(encoding="utf-8"))
    names = [m["name"] for m in doc["materials"]]
    material = next(m for m in doc["materials"] if not m.get("exempt_kind") and names.count(m["name"]) == 1)
    material |= {"exempt_kind": exempt, "exempt_desc": "通过电子证照核验"}
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("region/scenarios/newborn.json", json.dumps(doc, ensure_ascii=False))
    return data.getvalue(), material["name"]


def test_a_seed_zip_is_previewed_and_written_on_confirm_unless_the_registry_changed(
    site: WebSite, web: str, staff: dict[str, str]
) -> None:
    directory = site.settings.registry.dir
    data, material = seed_zip("e_licence_verification")
    preview = upload(web, staff, data, name="region.zip")
    assert preview.status_code == 200, preview.text
    assert "scenarios/newborn.yml" in preview.text and material in preview.text and "确认导入" in preview.text
    token = preview.text.split('action="/admin/import/')[1].split("/apply")[0]
    # Someone changes the registry after the preview: the plan would undo it, so it is refused.
    materials = directory / "materials.yml"
    materials.write_text(materials.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stale = requests.post(f"{web}/admin/import/{token}/apply", headers=staff, timeout=120)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "registry_changed"

    preview = upload(web, staff, data, name="region.zip")
    token = preview.text.split('action="/admin/import/')[1].split("/apply")[0]
    applied = requests.post(
        f"{web}/admin/import/{token}/apply", headers=staff, allow_redirects=False, timeout=120
    )
    assert applied.status_code == 303 and applied.headers["location"].startswith("/admin/import?done=")
    req = next(
        r for r in load_registry(directory).scenarios["newborn"].requirements if r.seed_name == material
    )
    assert req.exemption is not None and req.exemption.kind == "e_licence_verification"
    entry = (directory / "changelog.yml").read_text(encoding="utf-8").split("- id: import-")[-1]
    assert SOURCE in entry and "kind: import" in entry and "region.zip" in entry
    status = requests.get(web + "/admin/api/model", headers=staff, timeout=30).json()
    assert status["run"] is None  # exemptions are not what the model learns: no retrain


def test_in_chromium_the_upload_shows_the_diff_and_the_pages_are_axe_clean(
    site: WebSite, staff: dict[str, str], tmp_path: Path
) -> None:
    guide_id, guide_name, name = a_requirement(site.settings.registry.dir)
    sheet = tmp_path / "department.xlsx"
    sheet.write_bytes(
        filled(tmp_path / "t.xlsx", [[guide_id, name, "按情形", "外省户籍的", "", "", "", SOURCE]])
    )
    seen = run_browser(
        site, "registry_import", staff=STAFF, sheet=str(sheet), source=SOURCE, screenshots=str(SCREENSHOTS)
    )
    assert seen["status"] == {"form": 200, "model": 200} and seen["consoleErrors"] == []
    assert seen["preview"]["nav"] == "导入" and seen["preview"]["confirm"] == "确认并提交审核"
    assert any(
        line.startswith(f"「{guide_name}」{name}：必要性 必要 → 按情形")
        for line in seen["preview"]["changes"]
    )
    assert seen["preview"]["files"] == [f"scenarios/{guide_id}.yml（修改）"]
    assert seen["modelPage"] == {"heading": "对话模型", "nav": "模型", "start": True}
    assert seen["violations"] == {"form": [], "preview": [], "model": []}
