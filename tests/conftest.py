"""Shared fixtures: the real registry data, and real services started as processes."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.local_postgres import LocalPostgres
from bot.ops.procs import Service, free_port
from bot.registry.files import Registry, load_registry
from bot.settings import ROOT

REGISTRY_TOKEN = "test-registry-token"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(ROOT / "data" / "registry")


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the suite's own, started once and thrown away at the end."""
    base = Path(tempfile.mkdtemp(prefix="onceonly-pg-"))
    server = LocalPostgres(base, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def start_registry(tmp: Path, db_url: str = "", **env: str) -> Service:
    port = free_port()
    service = Service(
        name="registry",
        argv=[sys.executable, "-m", "bot", "registry", "serve"],
        url=f"http://127.0.0.1:{port}",
        log_path=tmp / "registry.log",
        env={
            "ONCEONLY_REGISTRY_PORT": str(port),
            "ONCEONLY_VAR_DIR": str(tmp / "var"),
            "ONCEONLY_REGISTRY_DB_URL": db_url,
            "ONCEONLY_REGISTRY_TOKEN": REGISTRY_TOKEN,
            **env,
        },
        cwd=ROOT,
    )
    return service.start().wait_ready(60)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The registry as a started HTTP service, on SQLite and on PostgreSQL: (base URL, db URL)."""
    tmp = tmp_path_factory.mktemp(f"registry-{request.param}")
    db_url = ""
    if request.param == "postgresql":
        pg: LocalPostgres = request.getfixturevalue("postgres")
        db_url = pg.create_database(f"registry_{tmp.name.replace('-', '_')}")
    service = start_registry(tmp, db_url)
    try:
        yield service.url, db_url or f"sqlite:///{tmp / 'var' / 'registry.sqlite3'}"
    finally:
        service.stop()
