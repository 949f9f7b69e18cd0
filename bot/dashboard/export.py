"""Dashboard tables as downloads: CSV (one table) and XLSX (one table, or every table a sheet).

The same :class:`~bot.dashboard.tables.Table` the page shows, so a download never disagrees with
the screen. Shares stay numbers (a fraction; XLSX formats it as a percentage) so a spreadsheet
can compute with them; text that a spreadsheet would run as a formula is quoted in the CSV
(:func:`bot.report.build.spreadsheet_cell`) and stored as plain text in the XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from bot.dashboard.tables import POINTS, SHARE, Table
from bot.report.build import spreadsheet_cell

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA = "text/csv; charset=utf-8"


def _plain(kind: str, value: Any) -> Any:
    """A value as a download holds it: points as a number of points, booleans as 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == POINTS and value is not None:
        return round(value * 100, 1)
    return value


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese as Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in table.columns])
    for values in table.values():
        writer.writerow(
            [spreadsheet_cell(_plain(c.kind, v)) for c, v in zip(table.columns, values, strict=True)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def tables_xlsx(tables: Iterable[Table]) -> bytes:
    """One sheet per table, its title in the first row, headers in the second."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key)
        sheet.append([table.title])
        sheet.append([c.header for c in table.columns])
        for values in table.values():
            sheet.append([_plain(c.kind, v) for c, v in zip(table.columns, values, strict=True)])
        for index, column in enumerate(table.columns, 1):
            letter = get_column_letter(index)
            for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                elif column.kind == SHARE:
                    cell.number_format = "0.0%"
            sheet.column_dimensions[letter].width = max(10, min(40, len(column.header) * 2 + 2))
        sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
