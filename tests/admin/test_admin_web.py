"""The registry editor on the real web server, beside the real registry service, on a private copy of
the registry: every /admin path refuses without the right role, bad input is refused with a clear
error and nothing changed, and in Chromium an editor's change, approved by a second account,
reaches the registry's next checklist, and a notice issued before says what changed.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.ops.procs import Service, free_port
from bot.registry_import.labels import EXEMPT_LABELS, NO_EXEMPTION
from bot.settings import ROOT, Settings, load_settings
from tests.accounts.helpers import account, bearer
from tests.admin.conftest import MARRIAGE_EXEMPT, SOURCE, files_of
from tests.conftest import start_registry, start_web
from tests.web.conftest import SCREENSHOTS, run_browser

STAFF_TOKEN = "admin-test-staff-token"
BLOCKING = ("serious", "critical")


@dataclass
class Servers:
    registry: str
    web: str
    data: Path
    settings: Settings
    services: list[Service]

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("admin")
    data = tmp / "registry"
    shutil.copytree(ROOT / "data" / "registry", data)
    env = {
        "ONCEONLY_REGISTRY_DIR": str(data),
        "ONCEONLY_REGISTRY_RELOAD_SECONDS": "0.3",
        "ONCEONLY_STAFF_TOKEN": STAFF_TOKEN,
    }
    registry = start_registry(tmp, **env)
    port = free_port()
    settings = load_settings(
        var_dir=str(tmp / "var"), registry_dir=str(data), staff_token=STAFF_TOKEN, web_port=port
    )
    web = start_web(tmp, registry, port, **env)
    try:
        web.wait_ready(90)
        yield Servers(registry.url, web.url, data, settings, [registry, web])
    finally:
        web.stop()
        registry.stop()


def as_(servers: Servers, name: str, role: str) -> dict[str, str]:
    return bearer(servers.settings, name, role)


# Every route under /admin of the editor, with a body that would pass if the caller may.
ROUTES = [
    ("GET", "/admin", None, "edit"),
    ("GET", "/admin/entry/scenario/newborn", None, "edit"),
    ("POST", "/admin/entry/scenario/newborn", {"op": "names"}, "edit"),
    ("GET", "/admin/drafts/1", None, "edit"),
    ("POST", "/admin/drafts/1/approve", {}, "review"),
    ("POST", "/admin/drafts/1/reject", {"comment": "不对"}, "review"),
    ("GET", "/admin/review", None, "review"),
    ("GET", "/admin/api/search?q=x", None, "edit"),
    ("GET", "/admin/api/entry/scenario/newborn", None, "edit"),
    ("POST", "/admin/api/drafts", {"change": MARRIAGE_EXEMPT, "source": SOURCE}, "edit"),
    ("GET", "/admin/api/drafts", None, "edit"),
    ("GET", "/admin/api/drafts/1", None, "edit"),
    ("POST", "/admin/api/drafts/1/approve", {}, "review"),
    ("POST", "/admin/api/drafts/1/reject", {"comment": "不对"}, "review"),
    ("GET", "/admin/api/log", None, "review"),
]


def call(servers: Servers, method: str, path: str, body: dict | None, headers: dict) -> requests.Response:
    form = path.startswith("/admin/entry") or re.match(r"^/admin/drafts/\d+/", path)
    kwargs = {"data": body} if form and body is not None else {"json": body}
    return requests.request(
        method, servers.web + path, headers=headers, timeout=60, allow_redirects=False, **kwargs
    )


def test_every_admin_path_refuses_without_the_right_role(servers):
    before = files_of(servers.data)
    hotline = as_(servers, "hotline-hu", "hotline")
    editor = as_(servers, "editor-li", "editor")
    for method, path, body, capability in ROUTES:
        stranger = call(servers, method, path, body, {})
        assert stranger.status_code == 401, (method, path, stranger.text)
        refused = call(servers, method, path, body, hotline)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["error"]["code"] == "forbidden"
        if capability == "review":
            by_editor = call(servers, method, path, body, editor)
            assert by_editor.status_code == 403, (method, path, by_editor.text)
            assert "审核修改" in by_editor.json()["error"]["message"]
    assert files_of(servers.data) == before
    assert requests.get(servers.web + "/admin/api/drafts", headers=editor, timeout=10).json()["drafts"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"change": MARRIAGE_EXEMPT}, 422, "source_required"),
        ({"change": MARRIAGE_EXEMPT, "source": "  "}, 422, "source_required"),
        (
            {"change": {"target": {"kind": "scenario", "id": "newborn"}, "ops": []}, "source": SOURCE},
            422,
            "invalid_change",
        ),
        (
            {
                "change": {"target": {"kind": "scenario", "id": "no_such"}, "ops": MARRIAGE_EXEMPT["ops"]},
                "source": SOURCE,
            },
            422,
            "invalid_change",
        ),
        (
            {
                "change": {"target": {"kind": "robot", "id": "x"}, "ops": MARRIAGE_EXEMPT["ops"]},
                "source": SOURCE,
            },
            422,
            "invalid_change",
        ),
        ({"change": MARRIAGE_EXEMPT, "source": SOURCE, "extra": 1}, 422, "invalid_request"),
        ({"change": [], "source": SOURCE}, 422, "invalid_change"),
        ([], 422, "invalid_request"),
    ],
)
def test_bad_drafts_are_refused_with_a_clear_error_and_nothing_changes(servers, body, status, code):
    before = files_of(servers.data)
    editor = as_(servers, "editor-li", "editor")
    drafts = requests.get(servers.web + "/admin/api/drafts", headers=editor, timeout=10).json()["drafts"]
    answer = requests.post(servers.web + "/admin/api/drafts", json=body, headers=editor, timeout=60)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]
    assert (
        requests.get(servers.web + "/admin/api/drafts", headers=editor, timeout=10).json()["drafts"] == drafts
    )
    assert files_of(servers.data) == before


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/admin/entry/scenario/no_such_guide", 404),
        ("GET", "/admin/entry/robot/newborn", 422),
        ("GET", "/admin/entry/scenario/..%2F..%2Fetc", 404),
        ("GET", "/admin/drafts/0", 422),
        ("GET", "/admin/drafts/999999", 404),
        ("GET", "/admin/api/drafts?status=lost", 422),
        ("POST", "/admin/api/drafts/999999/approve", 404),
    ],
)
def test_bad_paths_are_refused(servers, method, path, status):
    answer = requests.request(
        method, servers.web + path, headers=as_(servers, "rev-wu", "reviewer"), timeout=30
    )
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"op": "questions", "questions": "- id: [", "source": SOURCE}, "YAML 写得不对"),
        ({"op": "questions", "questions": "[]", "source": SOURCE}, "parents_ethnicity"),
        ({"op": "names", "name": "", "aliases": "", "source": SOURCE}, "ops.0.name"),
        ({"op": "names", "name": "新生儿出生一件事", "aliases": "宝宝出生"}, "注明依据"),
        ({"op": "teleport", "source": SOURCE}, "不认识的修改类型"),
    ],
)
def test_a_refused_form_shows_the_page_again_with_the_reason_and_nothing_changes(servers, form, message):
    before = files_of(servers.data)
    answer = requests.post(
        servers.web + "/admin/entry/scenario/newborn",
        data=form,
        headers=as_(servers, "editor-li", "editor"),
        timeout=60,
        allow_redirects=False,
    )
    assert answer.status_code == 422 and "text/html" in answer.headers["content-type"]
    error = re.search(r'id="form-error" role="alert">([^<]*)<', answer.text)
    assert error and message in error.group(1), error
    assert files_of(servers.data) == before


def test_the_entry_form_offers_the_spreadsheets_exemption_words(servers):
    """The editor's drop-down and the department's sheet name each exemption kind alike."""
    page = requests.get(
        servers.web + "/admin/entry/scenario/newborn", headers=as_(servers, "editor-li", "editor"), timeout=60
    )
    assert page.status_code == 200
    select = page.text.split('name="exemption_kind">', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert offered == [("", NO_EXEMPTION), *EXEMPT_LABELS.items()]


def registry_status(servers: Servers, material: str) -> tuple[str, int]:
    checklist = requests.post(
        servers.registry + "/checklist", json={"scenario": "newborn"}, timeout=30
    ).json()
    [item] = [i for i in checklist["items"] if i["material"] == material]
    return item["status"], checklist["registry_version"]["number"]


def wait_for_version(servers: Servers, number: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = requests.get(f"{servers.registry}/versions", timeout=10).json()
        if listed["current"] == number:
            return listed["versions"][0]
        time.sleep(0.3)
    raise AssertionError(f"no version {number}: {listed}")


def test_edit_review_publish_in_chromium_changes_the_next_answer_and_old_notices_say_so(servers):
    wait_for_version(servers, 1)
    assert registry_status(servers, "marriage_certificate") == ("to_submit", 1)
    # A notice issued before the change (by hotline staff, through the console).
    issued = requests.post(
        servers.web + "/console/api/notice",
        json={"scenario": "newborn", "answers": {"parents_ethnicity": "same"}},
        headers=as_(servers, "hotline-hu", "hotline"),
        timeout=60,
    )
    assert issued.status_code == 200, issued.text
    code = issued.json()["code"]
    people = {
        "hotline": ("hotline-hu", "hotline"),
        "editor": ("editor-li", "editor"),
        "reviewer": ("rev-wu", "reviewer"),
    }
    accounts = {k: {"name": n, "password": account(servers.settings, n, r)} for k, (n, r) in people.items()}
    seen = run_browser(
        servers,
        "admin",
        timeout=300,
        web=servers.web,
        accounts=accounts,
        source=SOURCE,
        screenshots=str(SCREENSHOTS),
    )
    assert seen["hotlineAdmin"] == 403
    assert (
        seen["draftLines"][0]
        == "新生儿出生一件事 · 中华人民共和国结婚证：需提交 → 免提交（电子证照核验，民政部门）"
    )
    assert seen["editorMayApprove"] is False and seen["draftStatus"] == "待审核"
    assert seen["reviewQueue"] == seen["draftLines"], "the reviewer reads the same plain words"
    assert seen["publishedStatus"] == "已发布"
    assert seen["ownDraft"] == {"approveShown": False, "noteShown": True, "approveStatus": 403}
    assert "不能审核自己" in seen["ownDraftError"]
    assert {
        page: [v for v in found if v["impact"] in BLOCKING] for page, found in seen["violations"].items()
    } == {page: [] for page in seen["violations"]}
    for name in (
        "admin-search.png",
        "admin-entry.png",
        "admin-draft.png",
        "admin-review.png",
        "admin-published.png",
    ):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name

    # The registry loads the published files as version 2, with the source as its note ...
    version = wait_for_version(servers, 2)
    assert version["note"] == f"依据：{SOURCE}（editor-li编辑，rev-wu审核）"
    assert "中华人民共和国结婚证" in version["summary"]
    # ... the next answer has the material exempt, and the old notice says what changed.
    assert registry_status(servers, "marriage_certificate") == ("exempt", 2)
    page = requests.get(f"{servers.web}/n/{code}", timeout=60).text
    banner = re.search(r'<section class="banner banner-changed" id="changes".*?</section>', page, re.S)
    assert banner, "the old notice says its content changed"
    assert "「中华人民共和国结婚证」由需提交改为免提交" in banner.group(0)
