"""A registry and a web server of their own (no Rasa: signing in needs none), on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.test_directory import WebSite, web_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    yield from web_site(tmp_path_factory.mktemp("accounts"))


@pytest.fixture(scope="session")
def web(site) -> str:
    return site.service("web").url
