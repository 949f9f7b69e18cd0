"""``changelog.yml`` in the registry directory: every change published through the editor, with its source.

The registry files are the one source of truth and the only thing the web server (which
publishes) and the registry service (which loads) are sure to share, so the reason for a
change travels with the change: the editor appends an entry here in the same publish that
writes the edited files, and the service's reloader (bot/registry/reload.py) records the
newest entry's source as the new version's note. A hand edit of the YAML adds no entry, so
its version gets no note rather than someone else's. People read the file too: who changed
what, who approved it, and on what authority.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.registry.files import dump_yaml, read_yaml

FILE = "changelog.yml"
HEADER = (
    "# 材料库变更记录: every change published through the registry editor (/admin), newest last.\n"
    "# `source` is the policy document or notice the change rests on; it becomes the version's note.\n"
)


def entries(directory: Path) -> list[dict[str, Any]]:
    """The published changes, oldest first (none when the file is absent or unreadable)."""
    path = directory / FILE
    if not path.exists():
        return []
    try:
        found = (read_yaml(path) or {}).get("changes") or []
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    return [e for e in found if isinstance(e, dict)]


def latest_id(directory: Path) -> str | None:
    """The id of the newest entry: what a reloader remembers to tell a new entry from an old one."""
    found = entries(directory)
    return str(found[-1].get("id")) if found else None


def note_since(directory: Path, seen: str | None) -> tuple[str | None, str | None]:
    """(note, newest id): the newest entry's note when it is not ``seen``, else (None, newest id)."""
    found = entries(directory)
    if not found or str(found[-1].get("id")) == seen:
        return None, seen
    newest = found[-1]
    return version_note(newest), str(newest.get("id"))


def version_note(entry: dict[str, Any]) -> str:
    """What a version records as its note: the change's source, and who made and approved it."""
    who = f"{entry.get('author')}编辑，{entry.get('reviewer')}审核"
    return f"依据：{entry.get('source')}（{who}）"


def append_text(directory: Path, entry: dict[str, Any]) -> str:
    """The file's new text with ``entry`` appended (the caller writes it with the edited files)."""
    return dump_yaml({"changes": [*entries(directory), entry]}, HEADER)
