"""The registry's files as documents the editor can change and write back byte for byte.

The YAML under ``data/registry`` stays the one source of truth and the form people review in
version control, so an edit through the web must change only what it changes: every file is
read as its leading comment block (kept as is) and its data, and written back with the same
dumper the import uses (bot/registry/files.py). ``catalogue.yml`` keeps its one-JSON-object-
per-line form; ``demo_citizens.yml`` (hand-formatted flow mappings) is kept as text.
:func:`export_registry` and :func:`import_registry` are that round trip for the whole
directory (tests/admin checks it gives identical files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.registry.files import dump_yaml
from bot.registry.seed_import import dump_catalogue

MATERIALS = "materials.yml"
CATALOGUE = "catalogue.yml"
DEMO = "demo_citizens.yml"
GUIDE_FOLDERS = {"scenario": "scenarios", "matter": "matters"}
# How a document is written: YAML through the import's dumper, the catalogue's JSON lines, or text.
YAML, JSON_LINES, TEXT = "yaml", "catalogue", "text"


@dataclass
class Document:
    """One registry file: its path relative to the directory, comment header and content."""

    path: str
    header: str
    form: str
    data: Any  # parsed YAML for YAML and JSON_LINES, the file's text for TEXT

    def text(self) -> str:
        if self.form == TEXT:
            return str(self.data)
        if self.form == JSON_LINES:
            body = dump_catalogue(list((self.data or {}).get("catalogue") or []))
            return self.header + body[body.index("catalogue:\n") :]
        return dump_yaml(self.data, self.header)

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "header": self.header, "form": self.form, "data": self.data}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Document:
        return cls(str(raw["path"]), str(raw["header"]), str(raw["form"]), raw["data"])


def _split_header(text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    return "".join(lines[:n]), "".join(lines[n:])


def guide_path(kind: str, guide_id: str) -> str:
    return f"{GUIDE_FOLDERS[kind]}/{guide_id}.yml"


def read_document(directory: Path, path: str) -> Document:
    """The file ``path`` (relative to ``directory``) as a document."""
    text = (directory / path).read_text(encoding="utf-8")
    if path == DEMO:
        return Document(path, "", TEXT, text)
    header, body = _split_header(text)
    form = JSON_LINES if path == CATALOGUE else YAML
    return Document(path, header, form, yaml.load(body, Loader=yaml.CSafeLoader) if body else None)


def export_registry(directory: Path) -> dict[str, Any]:
    """Every registry file as plain JSON: ``{"files": [document, ...]}``, in path order."""
    paths = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.yml"))
    return {"files": [read_document(directory, p).as_json() for p in paths]}


def write_documents(directory: Path, documents: list[Document]) -> None:
    """Write the documents, each through a temporary file and a rename, so a reader (the registry
    service's reloader) never sees a half-written file; the renames follow each other closely."""
    staged = []
    for doc in documents:
        target = directory / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(doc.text(), encoding="utf-8")
        staged.append((tmp, target))
    for tmp, target in staged:
        os.replace(tmp, target)


def import_registry(bundle: dict[str, Any], directory: Path) -> int:
    """Write an exported bundle into ``directory``; the number of files written."""
    documents = [Document.from_json(raw) for raw in bundle["files"]]
    write_documents(directory, documents)
    return len(documents)
