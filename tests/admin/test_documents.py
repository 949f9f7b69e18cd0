"""The registry files as the editor reads and writes them: an export/import round trip gives identical files."""

from __future__ import annotations

import json
from pathlib import Path

from bot.admin.documents import export_registry, import_registry, read_document, write_documents
from bot.settings import ROOT
from tests.admin.conftest import files_of

REGISTRY = ROOT / "data" / "registry"


def test_export_then_import_gives_identical_files(tmp_path: Path) -> None:
    bundle = json.loads(json.dumps(export_registry(REGISTRY), ensure_ascii=False))  # survives plain JSON
    written = import_registry(bundle, tmp_path)
    original = files_of(REGISTRY)
    assert written == len(original)
    assert files_of(tmp_path) == original


def test_a_document_written_back_unchanged_is_the_same_bytes(tmp_path: Path) -> None:
    paths = ["materials.yml", "catalogue.yml", "demo_citizens.yml", "scenarios/newborn.yml"]
    write_documents(tmp_path, [read_document(REGISTRY, p) for p in paths])
    for path in paths:
        assert (tmp_path / path).read_bytes() == (REGISTRY / path).read_bytes(), path
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"
