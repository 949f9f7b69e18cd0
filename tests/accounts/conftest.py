"""A registry and a web server of their own (no Rasa: signing in needs none), on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.stack import settings_on_free_ports
from tests.conftest import REGISTRY_TOKEN
from tests.web.test_directory import WebSite


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    tmp = tmp_path_factory.mktemp("accounts")
    settings = settings_on_free_ports(tmp / "var", registry_token=REGISTRY_TOKEN)
    running = WebSite(settings, Path("no-model"), tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def web(site) -> str:
    return site.service("web").url
