"""intake.extractors.layout: a results report keeps where its tables and figures are, by line of its text."""
from __future__ import annotations

from intake.extractors import extract_document
from intake.extractors.layout import Content, Table, grid_row, report_layout
from samples.forms import qc_report_docx
from tests.readings import attachment, entry


def test_a_report_read_from_word_keeps_its_tables_and_figures_in_reading_order():
    doc = extract_document(attachment("报告.docx", qc_report_docx(entry(27), images=3)))
    lines = doc.text.split("\n")
    tables, figures = doc.rows["表格"], doc.rows["插图"]
    assert [lines[t["行"] - 1] for t in tables][:5] == [  # the caption above each table
        "表1　小组概况表", "表2　小组成员表", "表3　选题依据表", "表4　问题类型统计表", "表5　末端因素汇总表"]
    for table in tables:
        assert lines[table["行"]] == "\t".join(table["单元格"][0])  # its first row stands on that line
    assert [lines[f["行"] + 1].split("　")[0] for f in figures] == ["图1", "图2", "图3"]
    assert all(lines[f["行"]] == "" for f in figures)  # a picture's paragraph has no text of its own
    assert doc.rows["页"] == []  # Word has no pages until it is laid out


def test_line_numbers_count_line_breaks_inside_paragraphs_and_cells():
    content = Content(("标题", "第一行\n第二行", Table((grid_row(["甲\n乙", "丙"]), grid_row(["1", "2"]))), "", "图1 排列图"),
                      figures=(3,), page_starts=(0, 2))
    layout = report_layout(content)
    lines = content.text().split("\n")
    assert layout["表格"] == [{"行": 3, "单元格": [["甲\n乙", "丙"], ["1", "2"]]}]
    assert layout["插图"] == [{"行": 6}] and lines[7] == "图1 排列图"
    assert layout["页"] == [{"行": 0, "页": 1}, {"行": 3, "页": 2}]
