"""The dashboard's tables and downloads from the real registry data: the page, the CSV and the
XLSX hold the same numbers, and no text becomes a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.dashboard.export import table_csv, tables_xlsx
from bot.dashboard.figures import dashboard_figures, trend_point
from bot.dashboard.tables import SHARE, TABLE_KEYS, Column, Table, all_tables
from bot.registry.files import Registry


@pytest.fixture(scope="module")
def tables(registry: Registry) -> list[Table]:
    guides = list(registry.guides().values())
    figures = dashboard_figures(guides, registry.materials)
    trend = {"versions": [trend_point({"number": 1, "date": "2026-12-01", "summary": "首个版本"}, guides)]}
    return all_tables(figures, trend)


def test_every_table_is_there_once_with_a_chart_where_it_can_be_read(tables: list[Table]) -> None:
    assert [t.key for t in tables] == list(TABLE_KEYS)
    for table in tables:
        assert all(len(values) == len(table.columns) for values in table.values())
        if table.chart is not None:  # a chart's columns exist and hold numbers
            table.index(table.chart.label)
            for key in table.chart.values:
                assert table.columns[table.index(key)].kind != "text"
    overall = tables[0]
    assert [row["kind"] for row in overall.rows] == ["一件事场景", "办事事项", "合计"]


def test_shares_read_as_percentages_and_nothing_as_a_dash() -> None:
    share = Column("s", "占比", SHARE)
    assert share.text(0.25) == "25.0%" and share.number(0.25) == 25.0
    assert share.text(None) == "—" and share.number(None) is None


def test_csv_holds_the_tables_numbers(tables: list[Table]) -> None:
    push = next(t for t in tables if t.key == "push_next")
    raw = table_csv(push)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in push.columns]
    assert len(rows) == len(push.rows) + 1
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["材料"] == push.rows[0]["name"]
    assert int(first["仍需提交（项）"]) == push.rows[0]["pending_requirements"]
    assert float(first["免除后合计占比"]) == push.rows[0]["share_if_exempt"]


def test_xlsx_has_a_sheet_per_table_and_keeps_numbers_numbers(tables: list[Table]) -> None:
    book = load_workbook(io.BytesIO(tables_xlsx(tables)))
    assert book.sheetnames == list(TABLE_KEYS)
    sheet = book["departments"]
    departments = next(t for t in tables if t.key == "departments")
    assert sheet["A1"].value == departments.title
    assert [c.value for c in sheet[2]] == [c.header for c in departments.columns]
    share_at = departments.index("once_or_exempt_share") + 1
    cell = sheet.cell(row=3, column=share_at)
    assert cell.value == departments.rows[0]["once_or_exempt_share"] and cell.number_format == "0.0%"
    assert sheet.max_row == len(departments.rows) + 2


def test_text_that_looks_like_a_formula_stays_text() -> None:
    table = Table(
        "t", "试", "", (Column("name", "名称"), Column("n", "数", "count")), ({"name": "=1+2", "n": 3},)
    )
    assert "'=1+2" in table_csv(table).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(tables_xlsx([table])))["t"]
    assert sheet["A3"].value == "=1+2" and sheet["A3"].data_type == "s" and sheet["B3"].value == 3
