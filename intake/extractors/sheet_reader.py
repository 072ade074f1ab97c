"""Read .xlsx (openpyxl, read-only) and .xls (xlrd) sheets into `Content`.

Each sheet becomes one table; a sheet's name is kept as a paragraph so a
title written only there (e.g. "活动统计表") still counts.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import xlrd

from intake.extractors.layout import Content, Table, grid_row

MAX_ROWS = 2000  # a form has tens of rows; stop at runaway sheets
MAX_COLS = 60


def read_xlsx(data: bytes) -> Content:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        blocks = []
        for sheet in book.worksheets:
            rows = sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True)
            blocks += [sheet.title, _table(list(r) for r in rows)]
        return Content(tuple(blocks), (), "xlsx")
    finally:
        book.close()


def read_xls(data: bytes) -> Content:
    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    blocks = []
    for sheet in book.sheets():
        rows = (sheet.row_values(i, 0, min(sheet.ncols, MAX_COLS))
                for i in range(min(sheet.nrows, MAX_ROWS)))
        blocks += [sheet.name, _table(rows)]
    return Content(tuple(blocks), (), "xls")


def _table(rows) -> Table:
    """Rows of cell texts; empty cells are dropped (merged cells read as empty)."""
    out = []
    for values in rows:
        row = grid_row([_text(v) for v in values])
        if row:
            out.append(row)
    return Table(tuple(out))


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip() or None
