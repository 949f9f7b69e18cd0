"""The portal's 办事指南 (bot/web/directory.py) over HTTP, against a real registry service.

A site of its own (the registry and the web server as processes, no Rasa: the directory
and the console's registry search never ask the model) keeps these tests quick. Every
page is checked against the registry's own API: the same search results, the same
checklist, the catalogue's own link; bad input is a 4xx page, never a 500.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import requests

from bot.ops.stack import Stack, settings_on_free_ports
from bot.registry.client import RegistryClient
from tests.accounts.helpers import bearer
from tests.conftest import REGISTRY_TOKEN
from tests.web.conftest import SCREENSHOTS, STAFF, run_browser

BLOCKING = ("serious", "critical")


class WebSite(Stack):
    """The registry and the web server only: what the directory and the console's search need."""

    def _services(self) -> list:
        py, s = sys.executable, self.settings
        return [
            self._service("registry", [py, "-m", "bot", "registry", "serve"], s.registry.port),
            self._service("web", [py, "-m", "bot", "web", "serve"], s.web.port),
        ]


def web_site(tmp: Path) -> Iterator[WebSite]:
    """A registry and a web server on free ports under ``tmp``, stopped when the fixture ends."""
    settings = settings_on_free_ports(tmp / "var", registry_token=REGISTRY_TOKEN)
    running = WebSite(settings, Path("no-model"), tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    yield from web_site(tmp_path_factory.mktemp("directory"))


@pytest.fixture(scope="module")
def web(site) -> str:
    return site.service("web").url


@pytest.fixture(scope="module")
def registry_api(site) -> RegistryClient:
    return RegistryClient(site.service("registry").url, REGISTRY_TOKEN, timeout=30)


@pytest.fixture(scope="module")
def everything(registry_api, registry) -> dict[str, list[dict]]:
    """Every entry: scenarios and matters as the API lists them, catalogue-only ones as the registry
    holds them (the API lists at most 500 at a time) and each as the API answers for it."""
    listed = registry_api.search_matters(None, 500)
    catalogue = [
        {"id": c.service_id, "name": c.name, "department": c.department, "kind": "catalogue"}
        for c in sorted(registry.catalogue.values(), key=lambda c: c.service_id)
        if c.matter is None
    ]
    return {
        "scenario": registry_api.search_scenarios(None, 500),
        "matter": [m for m in listed if m["kind"] == "matter"],
        "catalogue": catalogue,
    }


def get(web: str, path: str, **kwargs) -> requests.Response:
    return requests.get(web + path, timeout=60, **kwargs)


def listed(page: str) -> list[str]:
    """The ids a directory page lists, in order."""
    return [unescape(i) for i in re.findall(r'<li class="guide-item" data-id="([^"]+)"', page)]


def all_listed(web: str, query: str) -> list[str]:
    ids, page = [], 1
    while True:
        found = listed(get(web, f"/guide?{query}&page={page}").text)
        ids += found
        if len(found) < 50:
            return ids
        page += 1


def materials(page: str) -> list[list[str]]:
    pairs = re.findall(r'data-material="([^"]+)" data-status="([^"]+)"', page)
    return sorted([unescape(m), s] for m, s in pairs)


def checklist_items(checklist: dict) -> list[list[str]]:
    return sorted([i["material"], i["status"]] for i in checklist["items"])


# -- the directory -----------------------------------------------------------------------------------------


def test_the_portal_links_its_guide_and_the_guide_counts_every_entry(web, everything):
    home = get(web, "/").text
    assert 'href="/guide"' in home and 'action="/guide"' in home
    page = get(web, "/guide")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    counts = re.search(r'<p class="muted" id="guide-counts">(.*?)</p>', page.text, re.S).group(1)
    n = {k: len(v) for k, v in everything.items()}
    assert (n["scenario"], n["matter"]) == (52, 328) and n["catalogue"] > 2_500
    assert f"{n['scenario']} 个“一件事”、{n['matter']} 个有材料清单的事项" in counts
    assert f"{n['catalogue']:,} 个仅在事项目录中的事项" in counts
    assert sorted(all_listed(web, "kind=scenario")) == sorted(s["id"] for s in everything["scenario"])
    with_lists = all_listed(web, "kind=matter&materials=1")
    assert sorted(with_lists) == sorted(m["id"] for m in everything["matter"])


@pytest.mark.parametrize("q", ["驾驶证", "出生", "营业执照", "失业保险", "护照"])
def test_search_lists_what_the_registry_finds_by_name(web, registry_api, q):
    expected = [s["id"] for s in registry_api.search_scenarios(q, 50)]
    expected += [m["id"] for m in registry_api.search_matters(q, 200)]
    page = get(web, "/guide?q=" + quote(q))
    assert page.status_code == 200
    assert listed(page.text)[:50] == expected[:50] and expected, q
    scenarios_only = listed(get(web, f"/guide?q={quote(q)}&kind=scenario").text)
    assert scenarios_only == [s["id"] for s in registry_api.search_scenarios(q, 50)][:50]


def test_browsing_by_department_and_by_category(web, registry_api, everything):
    department = "湖南省公安厅"
    expected = {
        m["id"] for m in everything["matter"] + everything["catalogue"] if m["department"] == department
    }
    assert expected
    assert set(all_listed(web, "kind=matter&department=" + quote(department))) == expected
    index = get(web, "/guide").text
    categories = re.findall(r'href="/guide\?category=([^"]+)"', index)
    assert categories, "the home of the guide lists the categories to browse"
    some = all_listed(web, "category=" + categories[0])
    assert some
    for entry_id in some[:3]:
        page = get(web, f"/guide/{quote(entry_id)}")
        assert page.status_code == 200 and unquote(categories[0]) in unescape(page.text)


# -- one entry ---------------------------------------------------------------------------------------------


def test_a_scenario_page_is_the_registrys_checklist_with_its_source_and_notice(web, registry_api):
    anonymous = get(web, "/guide/newborn")
    assert anonymous.status_code == 200
    assert materials(anonymous.text) == checklist_items(registry_api.checklist("newborn", {}))
    for group in ("to_submit", "reusable", "exempt"):
        assert f'data-group="{group}"' in anonymous.text
    answered = get(web, "/guide/newborn?a_parents_ethnicity=different&a_nonsense=1&a_parents_ethnicity=same")
    expected = registry_api.checklist("newborn", {"parents_ethnicity": "different"})
    assert materials(answered.text) == checklist_items(expected)
    assert 'value="different" checked' in answered.text
    official = registry_api.scenario("newborn")["source"]["official_url"]
    assert f'id="source-link" href="{official}"' in unescape(answered.text)
    link = re.search(r'id="notice-link" href="([^"]+)"', answered.text).group(1)
    assert unescape(link) == "/guide/newborn/notice?a_parents_ethnicity=different"
    issued = get(web, unescape(link), allow_redirects=False)
    assert issued.status_code == 303
    code = issued.headers["location"].rsplit("/", 1)[1]
    notice = get(web, f"/n/{code}")
    assert notice.status_code == 200 and "一次告知单" in notice.text
    assert registry_api.notice(code)["answers"] == {"parents_ethnicity": "different"}
    again = get(web, unescape(link), allow_redirects=False)
    assert again.headers["location"] == issued.headers["location"], "the same answers, the same notice"


def test_a_matter_page_has_its_checklist_facts_and_the_scenario_that_bundles_it(
    web, registry_api, everything
):
    bundled = next(m for m in everything["matter"] if m["related_scenarios"])
    doc = registry_api.scenario(bundled["id"])
    page = get(web, f"/guide/{bundled['id']}")
    assert page.status_code == 200 and 'data-kind="matter"' in page.text
    assert materials(page.text) == checklist_items(registry_api.checklist(bundled["id"], {}))
    assert doc["department"] in unescape(page.text)
    for scenario in bundled["related_scenarios"]:
        assert f'href="/guide/{scenario}"' in page.text
    by_service_id = get(web, f"/guide/{doc['service_id']}", allow_redirects=False)
    assert (by_service_id.status_code, by_service_id.headers["location"]) == (301, f"/guide/{bundled['id']}")
    notice = get(web, f"/guide/{bundled['id']}/notice")
    assert notice.status_code == 200 and "一次告知单" in notice.text


def test_a_catalogue_only_page_says_plainly_that_the_list_is_not_ours(web, registry_api, everything, site):
    entry = everything["catalogue"][0]
    full = registry_api.matter(entry["id"])
    page = get(web, f"/guide/{quote(entry['id'])}")
    assert page.status_code == 200 and 'data-kind="catalogue"' in page.text
    text = unescape(page.text)
    assert "本事项的材料清单不在我们的材料库中" in text
    assert full["name"] in text and full["department"] in text and full["matter_type"] in text
    assert f'id="official-link" href="{full["official_url"]}"' in text
    assert site.settings.contact.hotline in text
    assert "data-material=" not in page.text, "never a material for a catalogue-only matter"
    assert get(web, f"/guide/{quote(entry['id'])}/notice").status_code == 404


# -- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/guide/no_such_matter", 404),
        ("/guide/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404),
        ("/guide/" + "a" * 65, 404),
        ("/guide/..%2F..%2Fetc%2Fpasswd", 404),
        ("/guide/no_such_matter/notice", 404),
        ("/guide?q=" + "办" * 65, 400),
        ("/guide?q=" + "x" * 100_00, 400),
        ("/guide?department=" + "x" * 200, 400),
        ("/guide?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200),
        ("/guide?q=%00%01%02", 200),
        ("/guide?q=%27%20OR%201%3D1%20--", 200),
        ("/guide?q=%25%25%25_", 200),
        ("/guide?page=-5&kind=%3Cb%3E&materials=yes", 200),
        ("/guide?page=99999999999999999999", 200),
        ("/guide?department=%3Cscript%3E&category=%E2%80%AE", 200),
        ("/guide/newborn?a_parents_ethnicity=%3Cscript%3E&a_=x&a_" + "q" * 300 + "=1", 200),
    ],
)
def test_bad_input_is_a_page_with_a_4xx_or_an_empty_result_never_a_500(web, path, status):
    page = get(web, path)
    assert page.status_code == status, (path, page.text[:300])
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and 'lang="zh-CN"' in page.text


# -- the staff console's registry search -----------------------------------------------------------------


def staff(site) -> dict[str, str]:
    return bearer(site.settings, STAFF)


def test_staff_search_the_whole_registry_by_name(web, site, registry_api):
    found = get(web, "/console/api/registry-search?q=" + quote("驾驶证"), headers=staff(site))
    assert found.status_code == 200, found.text
    body = found.json()
    assert [m["id"] for m in body["matters"]] == [m["id"] for m in registry_api.search_matters("驾驶证", 20)]
    assert [s["id"] for s in body["scenarios"]] == [
        s["id"] for s in registry_api.search_scenarios("驾驶证", 20)
    ]
    assert body["matters"], "驾驶证 is in the registry"
    assert get(web, "/console/api/registry-search?q=x").status_code == 401
    for bad in ("", "x" * 65, "%00%01"):
        assert get(web, "/console/api/registry-search?q=" + bad, headers=staff(site)).status_code == 422


def test_the_workspace_answers_a_matter_with_its_checklist_and_a_catalogue_entry_honestly(
    web, site, registry_api, everything
):
    def assist(body):
        return requests.post(web + "/console/api/assist", json=body, headers=staff(site), timeout=30)

    matter = everything["matter"][0]
    answered = assist({"text": "", "scenario": matter["id"]}).json()
    assert answered["scenario"]["id"] == matter["id"] and answered["scenario"]["kind"] == "matter"
    assert answered["checklist"]["summary"] == registry_api.checklist(matter["id"], {})["summary"]
    entry = everything["catalogue"][0]
    honest = assist({"text": "", "scenario": entry["id"]}).json()
    assert honest["checklist"] is None and honest["scenario"] is None
    assert honest["catalogue"]["official_url"] == registry_api.matter(entry["id"])["official_url"]
    assert "材料清单不在我们的材料库中" in honest["catalogue"]["note"]
    assert assist({"text": "", "scenario": "no_such_matter"}).status_code == 404
    assert assist({"text": "", "scenario": "Robert'); DROP TABLE"}).status_code == 422
    picker = get(web, "/console/api/scenarios", headers=staff(site)).json()["scenarios"]
    kinds = {s["kind"] for s in picker}
    assert kinds == {"scenario", "matter"} and len(picker) == 52 + 328


# -- in a real browser -------------------------------------------------------------------------------------


def blocking(violations: dict) -> dict:
    return {page: [v for v in found if v["impact"] in BLOCKING] for page, found in violations.items()}


def test_a_person_finds_a_matter_answers_its_question_and_the_pages_are_accessible(
    site, registry_api, everything
):
    catalogue = everything["catalogue"][0]["id"]
    seen = run_browser(site, "directory", search="出生", catalogue=catalogue, screenshots=str(SCREENSHOTS))
    assert seen["results"] and seen["results"][0] == registry_api.search_scenarios("出生", 50)[0]["id"]
    opened = seen["opened"]
    assert opened["id"] == seen["results"][0]
    expected = registry_api.checklist(opened["id"], opened["answers"])
    assert sorted(opened["materials"]) == checklist_items(expected)
    assert seen["catalogueNote"].startswith("本事项的材料清单不在我们的材料库中")
    assert blocking(seen["violations"]) == {
        "home": [],
        "index": [],
        "entry": [],
        "catalogue": [],
        "phone": [],
    }


def test_staff_find_a_matter_and_a_catalogue_entry_in_the_console(site, registry_api):
    seen = run_browser(site, "consoleSearch", search="驾驶证", screenshots=str(SCREENSHOTS))
    expected = [s["id"] for s in registry_api.search_scenarios("驾驶证", 20)]
    expected += [m["id"] for m in registry_api.search_matters("驾驶证", 20)]
    assert [r["id"] for r in seen["results"]] == expected
    matter = next(r["id"] for r in seen["results"] if r["kind"] == "matter")
    assert seen["matterCard"].startswith(registry_api.scenario(matter)["name"])
    assert seen["identified"].startswith("已选定")
    entry = next(r["id"] for r in seen["results"] if r["kind"] == "catalogue")
    catalogue = seen["catalogue"]
    assert (
        "材料清单不在我们的材料库中" in catalogue["text"]
        and site.settings.contact.hotline in catalogue["text"]
    )
    assert catalogue["link"] == registry_api.matter(entry)["official_url"]
    assert catalogue["cards"] == 0 and catalogue["sendable"] is False, "no checklist, no notice"
    assert blocking(seen["violations"]) == {"console": []}
