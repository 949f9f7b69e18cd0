"""An after-hours stack: the whole system with office hours that are never now.

Its office hours are one morning two days from today (in office time), so at any hour
the suite runs, 转人工 meets "staff are back 后天 09:00" and the callback offer; the
session's main stack has staff always in (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.callback.hours import DAYS, parse_hours
from tests.conftest import REGISTRY_TOKEN


def hours_not_now() -> str:
    zone = parse_hours("always").zone
    day = (datetime.now(zone) + timedelta(days=2)).weekday()
    return f"{DAYS[day]} 09:00-12:00"


@pytest.fixture(scope="session")
def after_hours(tmp_path_factory) -> Iterator:
    from bot.nlu.cli import latest_model
    from bot.ops.stack import Stack, settings_on_free_ports

    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    tmp = tmp_path_factory.mktemp("after-hours")
    settings = settings_on_free_ports(
        tmp / "var", registry_token=REGISTRY_TOKEN, office_hours=hours_not_now()
    )
    running = Stack(settings, model, tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()
