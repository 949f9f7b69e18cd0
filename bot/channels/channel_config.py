"""Channel credentials: credentials.yml for development, ``ONCEONLY_*`` settings for a real account.

Rasa hands each channel its section of credentials.yml. The development values
live there (committed, documented in docs/channels.md); an administrator connecting a
real account sets the environment variables ``ONCEONLY_<PREFIX>_<KEY>`` (the group
``settings.channels.<prefix>``), which win over the file whenever they are set. Production mode
(``ONCEONLY_ENV=production``) refuses the file's development values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.settings import PREFIX, DevelopmentValuesInProduction, Settings


def credential_values(
    settings: Settings, credentials: dict[str, Any] | None, prefix: str, keys: Iterable[str]
) -> dict[str, str]:
    """{key: value} for a channel: the setting ``<prefix>_<key>`` if non-empty, else credentials.yml."""
    section = credentials or {}
    values: dict[str, str] = {}
    from_file = []
    for key in keys:
        setting = str(getattr(getattr(settings.channels, prefix), key, "") or "")
        values[key] = setting or str(section.get(key) if section.get(key) is not None else "")
        if values[key] and not setting:
            from_file.append(f"{PREFIX}{prefix.upper()}_{key.upper()}")
    if settings.production and from_file:
        raise DevelopmentValuesInProduction(
            f"{PREFIX}ENV=production refuses credentials.yml's development values for {prefix}; "
            "set these variables: " + ", ".join(from_file)
        )
    return values
