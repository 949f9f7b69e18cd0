"""Channel credentials: credentials.yml for development, ``ONCEONLY_*`` settings for a real account.

Rasa hands each channel its section of credentials.yml. The development values
live there (committed, documented in the README); an administrator connecting a
real account sets the environment variables ``ONCEONLY_<PREFIX>_<KEY>`` (fields of
:class:`bot.settings.Settings`), which win over the file whenever they are set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.settings import Settings


def credential_values(
    settings: Settings, credentials: dict[str, Any] | None, prefix: str, keys: Iterable[str]
) -> dict[str, str]:
    """{key: value} for a channel: the setting ``<prefix>_<key>`` if non-empty, else credentials.yml."""
    section = credentials or {}
    values: dict[str, str] = {}
    for key in keys:
        setting = str(getattr(settings, f"{prefix}_{key}", "") or "")
        values[key] = setting or str(section.get(key) if section.get(key) is not None else "")
    return values
