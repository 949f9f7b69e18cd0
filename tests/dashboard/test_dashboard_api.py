"""The registry service's dashboard figures over HTTP (``/stats/dashboard``, ``/stats/trend``), on a
private copy of the real registry: the same figures as computed from the files, bad input a 4xx,
and an edit of the YAML (a material made exempt) shows in the trend as a new version."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.dashboard.figures import dashboard_figures
from bot.ops.procs import Service
from bot.registry.client import RegistryClient
from bot.registry.files import load_registry
from bot.settings import ROOT
from tests.conftest import REGISTRY_TOKEN, start_registry
from tests.dashboard.conftest import publish_exemption


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path]]:
    tmp = tmp_path_factory.mktemp("dashboard-api")
    data = tmp / "registry"
    shutil.copytree(ROOT / "data" / "registry", data)
    service = start_registry(tmp, ONCEONLY_REGISTRY_DIR=str(data), ONCEONLY_REGISTRY_RELOAD_SECONDS="0.2")
    try:
        yield service, data
    finally:
        service.stop()


@pytest.fixture(scope="module")
def api(copy: tuple[Service, Path]) -> RegistryClient:
    return RegistryClient(copy[0].url, REGISTRY_TOKEN, timeout=60)


def test_the_services_figures_are_those_of_the_files(api: RegistryClient, registry) -> None:
    served = api.dashboard(push_limit=10)
    computed = dashboard_figures(registry.guides().values(), registry.materials)
    assert served["stats"]["all"] == computed["stats"]["all"]
    assert served["stats"]["by_department"] == computed["stats"]["by_department"]
    assert served["issuer_kinds"] == computed["issuer_kinds"]
    assert served["reform"] == computed["reform"]
    assert served["push_next"]["materials"] == computed["push_next"]["materials"][:10]
    assert served["push_next"]["materials_pending"] == computed["push_next"]["materials_pending"]
    assert served["push_next"]["issuers"] == computed["push_next"]["issuers"]
    assert served["registry_version"]["number"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/stats/dashboard?push_limit=0",
        "/stats/dashboard?push_limit=many",
        "/stats/trend?limit=0",
        "/stats/trend?limit=100000",
    ],
)
def test_bad_input_is_a_clear_4xx(copy: tuple[Service, Path], path: str) -> None:
    response = requests.get(copy[0].url + path, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_an_exemption_published_shows_in_the_trend(api: RegistryClient, copy: tuple[Service, Path]) -> None:
    before = api.stats_trend()["versions"]
    assert [p["version"] for p in before] == [1]
    publish_exemption(copy[1] / "scenarios" / "newborn.yml", "marriage_certificate")
    deadline = time.monotonic() + 30
    while (found := api.stats_trend()["versions"])[-1]["version"] == 1:
        assert time.monotonic() < deadline, "the edit never became version 2"
        time.sleep(0.2)
    first, second = found
    assert second["version"] == 2 and "结婚证" in second["summary"]
    assert second["exempt"] == first["exempt"] + 1
    assert second["requirements"] == first["requirements"]
    assert second["once_or_exempt_share"] == round(
        (second["exempt"] + second["submit_once"]) / second["requirements"], 3
    )
    # The dashboard now is version 2's, and the marriage certificate has one requirement less to push.
    edited = load_registry(copy[1])
    now = api.dashboard(push_limit=5000)
    assert now["registry_version"]["number"] == 2
    assert now["stats"]["all"]["exempt"] == second["exempt"]
    pending = {r["material"]: r for r in now["push_next"]["materials"]}
    was = {
        r["material"]: r
        for r in dashboard_figures(
            load_registry(ROOT / "data" / "registry").guides().values(), edited.materials
        )["push_next"]["materials"]
    }
    assert (
        pending["marriage_certificate"]["pending_requirements"]
        == was["marriage_certificate"]["pending_requirements"] - 1
    )
    assert (
        pending["marriage_certificate"]["already_exempt"] == was["marriage_certificate"]["already_exempt"] + 1
    )
