"""One name per exemption kind for staff: the editor's form and plain-words lines say what the
department's spreadsheet offers and reads back (bot/registry/exemption_labels.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from bot.admin.plain_words import standing
from bot.registry.checklist import EXEMPT_REASONS
from bot.registry.exemption_labels import EXEMPT_LABELS
from bot.registry.model import EXEMPT_KINDS
from bot.registry_import.labels import NO_EXEMPTION, exemption_words
from bot.registry_import.sheet import HEADERS, SHEET, write_template


def offered_by_the_template(path: Path) -> list[str]:
    """The 免提交方式 drop-down of a freshly written template, as a department sees it."""
    write_template(path)
    sheet = load_workbook(path)[SHEET]
    column = "ABCDEFGHIJ"[list(HEADERS).index("exemption")]
    found = [v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{column}2")]
    assert len(found) == 1
    return str(found[0].formula1).strip('"').split(",")


def test_every_kind_has_one_label_and_the_spreadsheet_offers_exactly_those(tmp_path):
    assert set(EXEMPT_LABELS) == set(EXEMPT_KINDS)
    assert len(set(EXEMPT_LABELS.values())) == len(EXEMPT_LABELS)
    assert offered_by_the_template(tmp_path / "t.xlsx") == [NO_EXEMPTION, *EXEMPT_LABELS.values()]


def test_the_reviewer_reads_the_words_the_department_chose(tmp_path):
    offered = offered_by_the_template(tmp_path / "t.xlsx")
    for kind in EXEMPT_REASONS:
        label = exemption_words({"kind": kind})
        assert label in offered
        assert standing({"necessity": "required", "exemption": {"kind": kind}}) == f"免提交（{label}）"
        assert standing({"issuer": "民政部门", "exemption": {"kind": kind}}) == f"免提交（{label}，民政部门）"
