"""Helpers for the notice tests: the running stack's web server and registry, as staff and as anyone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.accounts.helpers import bearer
from tests.conftest import REGISTRY_TOKEN


@pytest.fixture(scope="session")
def staff(stack) -> dict[str, str]:
    return bearer(stack.settings, "tester")


@pytest.fixture(scope="session")
def issue(stack, staff) -> Callable[..., dict[str, Any]]:
    """The console's notice for a matter and answers: code, links, SMS segments."""

    def run(scenario: str, answers: dict[str, str] | None = None) -> dict[str, Any]:
        response = requests.post(
            stack.service("web").url + "/console/api/notice",
            json={"scenario": scenario, "answers": answers or {}},
            headers=staff,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture(scope="session")
def registry_checklist(stack) -> Callable[..., dict[str, Any]]:
    def run(
        scenario: str, answers: dict[str, str] | None = None, citizen: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"scenario": scenario, "answers": answers or {}}
        if citizen:
            body["citizen_id"] = citizen
        response = requests.post(
            stack.service("registry").url + "/checklist",
            json=body,
            headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


def notice_rows(page: str) -> list[tuple[str, str]]:
    """The notice's material rows as (material id, status), sorted: a material can be listed twice
    (the applicant's ID card, and a guarantor's)."""
    return sorted(re.findall(r'<tr class="item" data-material="([^"]+)" data-status="([^"]+)"', page))


def checklist_rows(checklist: dict) -> list[tuple[str, str]]:
    return sorted((i["material"], i["status"]) for i in checklist["items"])
