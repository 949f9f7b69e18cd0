"""bot.rasa_compat starts only on the Rasa it was checked against, and says why otherwise."""

from __future__ import annotations

import re

import pytest

from bot.rasa_compat import (
    RASA_SDK_SERIES,
    RASA_VERSION,
    RasaVersionError,
    check_versions,
    installed_version,
)
from bot.settings import ROOT


def test_the_installed_rasa_is_the_one_the_overrides_were_written_for() -> None:
    check_versions()  # also done on import: this module would not have been collected otherwise
    assert installed_version("rasa") == RASA_VERSION


def test_the_lock_file_pins_the_same_versions() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert re.search(rf"^rasa=={re.escape(RASA_VERSION)}$", lock, re.M)
    assert re.search(rf"^rasa-sdk=={re.escape(RASA_SDK_SERIES)}\.\d+$", lock, re.M)


@pytest.mark.parametrize(
    ("rasa", "rasa_sdk"),
    [("3.6.20", "3.6.2"), ("3.7.0", "3.6.2"), ("3.6.21", "3.7.1"), ("3.6.21", "3.60.0")],
)
def test_another_version_is_refused_naming_both_versions(rasa: str, rasa_sdk: str) -> None:
    with pytest.raises(RasaVersionError) as refused:
        check_versions(rasa=rasa, rasa_sdk=rasa_sdk)
    message = str(refused.value)
    assert f"rasa {RASA_VERSION}" in message and f"rasa-sdk {RASA_SDK_SERIES}.x" in message
    assert f"rasa {rasa}" in message and f"rasa-sdk {rasa_sdk}" in message
    assert "docs/rasa_compat.md" in message


def test_any_rasa_sdk_of_the_series_is_accepted() -> None:
    check_versions(rasa=RASA_VERSION, rasa_sdk=f"{RASA_SDK_SERIES}.0")
    check_versions(rasa=RASA_VERSION, rasa_sdk=f"{RASA_SDK_SERIES}.9")


def test_a_rasa_server_refuses_to_start_on_another_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check runs when the package is imported, before any override is made."""
    import importlib
    import sys

    import bot.rasa_compat as compat

    monkeypatch.setattr(compat.metadata, "version", lambda name: {"rasa": "3.7.0"}.get(name, "3.6.2"))
    monkeypatch.delitem(sys.modules, "bot.rasa_compat")
    try:
        with pytest.raises(RuntimeError, match="rasa 3.7.0") as refused:
            importlib.import_module("bot.rasa_compat")
        assert type(refused.value).__name__ == "RasaVersionError"  # the new module's own class
    finally:
        sys.modules["bot.rasa_compat"] = compat
