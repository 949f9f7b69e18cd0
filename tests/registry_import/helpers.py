"""Filling in the import template as a department would: openpyxl on the file we hand out."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from openpyxl import load_workbook

from bot.registry_import.sheet import SHEET, write_template

SOURCE = "湘政办发〔2026〕12号"


def filled(path: Path, rows: list[list[str]], registry_dir: Path | None = None) -> bytes:
    """The template written by the project, with ``rows`` typed into its data sheet."""
    write_template(path)
    book = load_workbook(path)
    sheet = book[SHEET]
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def registry_copy(source: Path, target: Path) -> Path:
    """A private copy of the registry's scenarios and material catalogue, for a test that writes:
    a registry of its own (it validates without the matters), loaded in a third of the time."""
    shutil.copytree(source / "scenarios", target / "scenarios")
    for name in ("materials.yml", "demo_citizens.yml"):
        shutil.copyfile(source / name, target / name)
    return target
