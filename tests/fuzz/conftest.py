"""Bad input at every HTTP entry point: what each test checks, how many cases ran.

Hypothesis profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the default, a few dozen cases an
entry point, so ``make test`` stays short) and ``deep`` (``make fuzz``, hundreds).
Every case is counted by entry point; at the end of the session the counts go to
``var/fuzz-cases.json``, which ``make fuzz`` turns into docs/fuzz.md.

"Nothing written" is checked against the stores themselves: the registry's citizens'
files, Rasa's tracker store and event broker tables, the console's audit log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from tests.fuzz.cases import CASES, REPORT, STATUSES

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
settings.register_profile(
    "deep", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _write_case_counts() -> Iterator[None]:
    started = time.time()
    yield
    if CASES:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            json.dumps(
                {
                    "profile": settings().max_examples,
                    "seconds": round(time.time() - started, 1),
                    "cases": dict(CASES),
                    "statuses": {k: {str(s): n for s, n in v.items()} for k, v in STATUSES.items()},
                },
                indent=2,
            ),
            encoding="utf-8",
        )


class Stores:
    """A fingerprint of everything a request could write: compare before and after a refused one."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.engines = {name: sa.create_engine(url) for name, url in urls.items()}

    def snapshot(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, engine in self.engines.items():
            inspector = sa.inspect(engine)
            with engine.connect() as connection:
                for table in sorted(inspector.get_table_names()):
                    if table in ("citizen_materials", "events", "citizen_file_lookups"):
                        rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()
                        found[f"{name}.{table}"] = sorted(map(repr, rows))
        return found

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def stores(stack) -> Iterator[Stores]:
    s = stack.settings
    watched = Stores(
        {
            "registry": s.registry_store_url,
            "tracker": s.tracker_store_url,
            "broker": s.events_store_url,
            "console": s.console_store_url,
        }
    )
    yield watched
    watched.close()


def unchanged_if_refused(stores: Stores, before: dict[str, Any], status: int, what: str) -> None:
    """A refused request (4xx) left every store as it was; no request is ever a 5xx."""
    assert status < 500, f"{what}: HTTP {status}"
    if 400 <= status < 500:
        after = stores.snapshot()
        changed = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
        assert not changed, f"{what}: refused with {status} but changed {changed}"
