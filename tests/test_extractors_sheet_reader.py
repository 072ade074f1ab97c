"""intake.extractors.sheet_reader: 附件7 as the sheet shows it; a percentage reads "67.4%", not 0.674.

The .xls cases are real Excel 97 files: the sample .xlsx saved as .xls by LibreOffice.
"""
from __future__ import annotations

from intake.extractors.convert import convert
from intake.extractors.layout import Table
from intake.extractors.sheet_reader import read_xls, read_xlsx
from samples.forms import statistics_xlsx
from samples.forms_variants import statistics_percent_xlsx


def _rows(content) -> dict[str, tuple[str, ...]]:
    """First cell → the row's cells, over every table."""
    return {row[0].text: tuple(c.text for c in row) for block in content.blocks if isinstance(block, Table)
            for row in block.rows}


def test_sheet_name_and_title_are_kept_and_every_item_is_a_row():
    content = read_xlsx(statistics_xlsx())
    assert content.source_format == "xlsx"
    assert content.blocks[0] == "统计表"  # the sheet's name, as a paragraph
    rows = _rows(content)
    assert "质量管理小组/质量信得过班组活动统计表" in rows
    assert rows["本年度已登记注册QC小组数"] == ("本年度已登记注册QC小组数", "个", "268")
    assert rows["历年来已登记注册QC小组累计数"][2] == "0.32"


def test_fraction_formatted_as_percent_reads_as_shown():
    rows = _rows(read_xlsx(statistics_percent_xlsx(0.674)))
    rate = next(v for k, v in rows.items() if k.startswith("本年度QC小组成果率"))
    popularity = next(v for k, v in rows.items() if k.startswith("本年度QC小组普及率"))
    assert rate[2] == "67.4%" and popularity[2] == "38.5%"


def test_empty_cells_are_dropped_and_columns_kept():
    rows = _rows(read_xlsx(statistics_xlsx()))
    [header] = [cells for first, cells in rows.items() if first.startswith("推荐市、行业")]
    assert header == ("推荐市、行业：通信行业", "总编号：")
    table = next(b for b in read_xlsx(statistics_xlsx()).blocks if isinstance(b, Table))
    head_row = next(r for r in table.rows if r[0].text.startswith("推荐市、行业"))
    assert [c.col for c in head_row] == [0, 2]  # the grid column survives the dropped cell


def test_xls_reads_like_the_xlsx_it_was_saved_from():
    xlsx = statistics_percent_xlsx(0.674)
    old = read_xls(convert(xlsx, "xlsx", "xls"))
    assert old.source_format == "xls"
    assert old.blocks[0] == "统计表"
    assert _rows(old) == _rows(read_xlsx(xlsx))
    rate = next(v for k, v in _rows(old).items() if k.startswith("本年度QC小组成果率"))
    assert rate == ("本年度QC小组成果率=取得成果小组数/QC小组注册数×100%", "%", "67.4%")
