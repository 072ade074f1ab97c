"""Read .xlsx (openpyxl, read-only) and .xls (xlrd) sheets into `Content`.

Each sheet becomes one table; a sheet's name is kept as a paragraph so a
title written only there (e.g. "活动统计表") still counts. A number is read
as the sheet shows it: a cell formatted as a percentage (0.674 shown as
"67.4%") reads "67.4%", not 0.674, which would wreck every rate check.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import xlrd

from intake.extractors.layout import Content, Table, grid_row

MAX_ROWS = 2000  # a form has tens of rows; stop at runaway sheets
MAX_COLS = 60
# Quoted text and escaped characters of a number format print as they are.
_LITERAL = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def read_xlsx(data: bytes) -> Content:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        blocks = []
        for sheet in book.worksheets:
            rows = sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS)
            blocks += [sheet.title, _table([_shown(c.value, getattr(c, "number_format", None)) for c in r]
                                           for r in rows)]
        return Content(tuple(blocks), (), "xlsx")
    finally:
        book.close()


def read_xls(data: bytes) -> Content:
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=True)
    except NotImplementedError:  # formatting_info is for BIFF files only
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    blocks = []
    for sheet in book.sheets():
        rows = ([_shown(sheet.cell_value(i, j), _xls_format(book, sheet, i, j))
                 for j in range(min(sheet.ncols, MAX_COLS))]
                for i in range(min(sheet.nrows, MAX_ROWS)))
        blocks += [sheet.name, _table(rows)]
    return Content(tuple(blocks), (), "xls")


def _xls_format(book, sheet, row: int, col: int) -> str | None:
    """The number format string of an .xls cell (None when formats were not read)."""
    if not book.formatting_info:
        return None
    try:
        xf = book.xf_list[sheet.cell_xf_index(row, col)]
        return book.format_map[xf.format_key].format_str
    except (IndexError, KeyError):
        return None


def _shown(value, number_format: str | None):
    """A percentage-formatted number as the sheet shows it ("67.4%"); anything else as stored."""
    if not number_format or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    section = _LITERAL.sub("", number_format.split(";")[0])
    if "%" not in section:
        return value
    decimals = len(re.sub(r"[^0#?]", "", section.partition(".")[2].split("%")[0])) if "." in section else 0
    shown = round(value * 100, decimals)
    return f"{shown:.{decimals}f}%"


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
