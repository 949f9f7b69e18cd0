"""The reform dashboard on the web server, against a real registry service: the page and every
download hold the registry's figures, bad names are a clear 404, strangers a 401, and in Chromium
every chart plots what the table beside it says, axe finds nothing, and the screenshot is taken."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from bot.dashboard.tables import TABLE_KEYS
from bot.ops.stack import settings_on_free_ports
from bot.registry.client import RegistryClient
from bot.registry.files import load_registry
from bot.registry.store import Store
from bot.settings import ROOT
from tests.accounts.helpers import account, bearer
from tests.conftest import REGISTRY_TOKEN
from tests.dashboard.conftest import publish_exemption
from tests.web.conftest import SCREENSHOTS, run_browser
from tests.web.test_directory import WebSite

STAFF = "dashboard-editor"
PUBLISHED = (("newborn", "marriage_certificate"), ("housing_fund_loan", "id_card"))
PATHS = [
    "/admin/dashboard",
    "/admin/dashboard/overall.csv",
    "/admin/dashboard/push_next.xlsx",
    "/admin/dashboard/all.xlsx",
]
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    tmp = tmp_path_factory.mktemp("dashboard-web")
    data = tmp / "registry"
    shutil.copytree(ROOT / "data" / "registry", data)
    settings = settings_on_free_ports(tmp / "var", registry_token=REGISTRY_TOKEN, registry_dir=data)
    # Three registry versions before the service starts: the data as it is, then two exemptions
    # published one after the other, so the trend has a direction to show.
    store = Store.open(settings.registry_store_url)
    store.sync(load_registry(data))
    for guide, material in PUBLISHED:
        publish_exemption(data / "scenarios" / f"{guide}.yml", material)
        store.sync(load_registry(data))
    store.engine.dispose()
    running = WebSite(settings, Path("no-model"), tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def web(site: WebSite) -> str:
    return site.service("web").url


@pytest.fixture(scope="module")
def staff(site: WebSite) -> dict[str, str]:
    """A registry editor (the lowest role with the dashboard) through the machine door."""
    return bearer(site.settings, STAFF, "editor")


@pytest.fixture(scope="module")
def figures(site: WebSite) -> dict:
    return RegistryClient(site.service("registry").url, REGISTRY_TOKEN, timeout=60).dashboard(push_limit=5000)


def get(web: str, path: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(web + path, headers=headers or {}, timeout=60)


def test_the_page_shows_the_registrys_share_and_every_table(
    web: str, staff: dict[str, str], figures: dict
) -> None:
    response = get(web, "/admin/dashboard", staff)
    assert response.status_code == 200
    assert (
        "script-src" not in response.headers["Content-Security-Policy"]
        or "'unsafe-inline'" not in (response.headers["Content-Security-Policy"])
    )
    html = response.text
    share = figures["stats"]["all"]["once_or_exempt_share"]
    assert f'<span class="dash-big-n">{share * 100:.1f}%</span>' in html
    for key in TABLE_KEYS:
        assert f'id="t-{key}"' in html and f'href="/admin/dashboard/{key}.csv"' in html
    assert '<script src="/vendor/chart.umd.min.js"' in html
    # The first material to push, as the registry ranks it.
    assert figures["push_next"]["materials"][0]["name"] in html
    assert "拼音缩写推断" in html  # the reform figures' caveat, from the data's own notes


def test_chart_js_is_served_from_node_modules(web: str) -> None:
    response = get(web, "/vendor/chart.umd.min.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert "Chart.js v4" in response.text[:200]


@pytest.mark.parametrize("key", TABLE_KEYS)
def test_each_table_downloads_as_csv_and_xlsx(
    web: str, staff: dict[str, str], figures: dict, key: str
) -> None:
    as_csv = get(web, f"/admin/dashboard/{key}.csv", staff)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert f"onceonly-dashboard-{key}-" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_xlsx = get(web, f"/admin/dashboard/{key}.xlsx", staff)
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content))[key]
    assert [c.value for c in sheet[2]] == rows[0]
    assert sheet.max_row - 2 == len(rows) - 1
    expected = {
        "departments": len(figures["stats"]["by_department"]),
        "push_next": figures["push_next"]["materials_pending"],  # the download lists every one
        "push_issuers": len(figures["push_next"]["issuers"]),
        "scenarios": len(figures["stats"]["scenarios"]),
        "matters": len(figures["stats"]["matters"]),
        "reform": figures["reform"]["guides_with_figures"],
        "overall": 3,
        "issuer_kinds": 3,
        "reform_totals": 3,
        "trend": 1 + len(PUBLISHED),
    }
    assert len(rows) - 1 == expected[key]


def test_every_table_in_one_workbook(web: str, staff: dict[str, str]) -> None:
    response = get(web, "/admin/dashboard/all.xlsx", staff)
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == list(TABLE_KEYS)


@pytest.mark.parametrize(
    ("name", "status"),
    [("nope.csv", 404), ("all.csv", 404), ("overall.pdf", 404), ("overall", 404), ("x" * 65 + ".csv", 422)],
)
def test_a_wrong_download_is_a_clear_error(web: str, staff: dict[str, str], name: str, status: int) -> None:
    response = get(web, f"/admin/dashboard/{name}", staff)
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("unknown_table", "invalid_request")
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("path", PATHS)
def test_strangers_are_refused(web: str, path: str) -> None:
    response = get(web, path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", PATHS)
def test_hotline_staff_are_refused_and_every_role_with_the_dashboard_gets_it(
    site: WebSite, web: str, path: str
) -> None:
    refused = get(web, path, bearer(site.settings, "dashboard-hotline", "hotline"))
    assert refused.status_code == 403
    for role in ("editor", "reviewer", "admin"):
        assert get(web, path, bearer(site.settings, f"dashboard-{role}", role)).status_code == 200, role


def test_in_chromium_each_chart_plots_its_table(site: WebSite) -> None:
    account(site.settings, STAFF, "editor")  # signs in through the login form
    seen = run_browser(site, "dashboard", screenshots=str(SCREENSHOTS), staff=STAFF)
    assert seen["status"] == 200
    assert seen["consoleErrors"] == []
    assert seen["page"]["inlineScripts"] == 0 and seen["page"]["nav"] == "看板"
    charts = seen["charts"]
    assert {c["table"] for c in charts} >= {
        "t-overall",
        "t-trend",
        "t-push_next",
        "t-departments",
        "t-reform_totals",
    }
    assert seen["page"]["drawnCount"] == len(charts)
    for chart in charts:
        assert chart["drawn"] and chart["canvasHeight"] > 100, chart["table"]
        assert chart["labels"] == chart["tableLabels"], chart["table"]
        assert chart["plotted"] == chart["tableValues"], chart["table"]
    trend = next(c for c in charts if c["table"] == "t-trend")
    assert trend["labels"] == ["v1", "v2", "v3"]
    total = trend["plotted"][0]
    assert total[0] < total[2]  # two exemptions published: the share went up
    assert seen["downloaded"]["name"].startswith("onceonly-dashboard-push_next-")
    blocking = [v for v in seen["violations"] if v["impact"] in BLOCKING]
    assert seen["violations"] == [], blocking
    assert Path(seen["screenshot"]).is_file()


class WebAlone(WebSite):
    """The web server without its registry: what the dashboard does when the registry is down."""

    def _services(self) -> list:
        return [s for s in super()._services() if s.name == "web"]


def test_without_the_registry_the_dashboard_says_so(tmp_path: Path) -> None:
    settings = settings_on_free_ports(tmp_path / "var", registry_token=REGISTRY_TOKEN)
    alone = WebAlone(settings, Path("no-model"), tmp_path / "logs").start()
    try:
        headers = bearer(settings, STAFF, "editor")
        for path in ("/admin/dashboard", "/admin/dashboard/overall.csv"):
            response = get(alone.service("web").url, path, headers)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "registry_unavailable"
    finally:
        alone.stop()
