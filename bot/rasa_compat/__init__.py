"""Every use of a Rasa internal, in one place, for the one Rasa version it was checked against.

Rasa's public extension points (custom channels, tracker and lock stores, graph
components) do most of what the bot needs; where they do not, code here relies on
Rasa's implementation: a private method overridden or called, a constructor
skipped, a process-wide method replaced. Each such use has a contract test against
Rasa's own behaviour (tests/rasa_compat/) and is listed in docs/rasa_compat.md.

Those uses are only known to be right for the versions below, so importing this
package on any other refuses to go on (:class:`RasaVersionError`) instead of letting
an override silently stop applying (a newer Rasa has already changed the signature of
a method the tracker store once overrode). To move to another Rasa, run tests/rasa_compat
against it, fix what fails, and change :data:`RASA_VERSION` / :data:`RASA_SDK_SERIES`.
"""

from __future__ import annotations

from importlib import metadata

RASA_VERSION = "3.6.21"
RASA_SDK_SERIES = "3.6"  # any 3.6.x: the action server uses only rasa-sdk's public API


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the one the overrides here were written and tested for."""


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_versions(rasa: str | None = None, rasa_sdk: str | None = None) -> None:
    """Raise :class:`RasaVersionError` unless rasa is exactly RASA_VERSION and rasa-sdk is RASA_SDK_SERIES.x.

    Without arguments, the installed versions are checked.
    """
    rasa = rasa if rasa is not None else installed_version("rasa")
    rasa_sdk = rasa_sdk if rasa_sdk is not None else installed_version("rasa-sdk")
    sdk_ok = rasa_sdk is not None and rasa_sdk.split(".")[:2] == RASA_SDK_SERIES.split(".")
    if rasa == RASA_VERSION and sdk_ok:
        return
    raise RasaVersionError(
        f"bot.rasa_compat was written for rasa {RASA_VERSION} and rasa-sdk {RASA_SDK_SERIES}.x, "
        f"but rasa {rasa or '(not installed)'} and rasa-sdk {rasa_sdk or '(not installed)'} are "
        "installed. Its overrides of Rasa internals (docs/rasa_compat.md) may no longer apply: "
        "install the versions of requirements.lock, or check the overrides against the new "
        "version (tests/rasa_compat) and update RASA_VERSION in bot/rasa_compat/__init__.py."
    )


check_versions()
