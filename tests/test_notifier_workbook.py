"""notifier.workbook: the registry as .xlsx — 报名登记表 to filter and sort, 推荐汇总表 as 附件8 prints it."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from intake.base.config import load_settings
from samples.forms_other import enterprise_nomination_docx
from samples.mails import submission_mail
from samples.entries import enterprise_story
from intake.run.pipeline import Pipeline
from notifier.registry import load_registry
from notifier.workbook import REGISTER_HEADERS, REGISTER_SHEET, SUMMARY_SHEET, write_workbook
from tests.configs import feed, write_config
from tests.readings import basic_files, entry, seal


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """Two results of one unit (the second unstamped) and its 优秀企业 nomination; the workbook and the numbers."""
    pipe = Pipeline.open(load_settings(write_config(tmp_path_factory.mktemp("workbook"))))
    try:
        first, second = entry(), entry(8, enterprise=entry().enterprise, group='=HYPERLINK("http://x.test","点此")')
        numbers = [feed(pipe, submission_mail(first, basic_files(first)))["submissions"][0]["number"],
                   feed(pipe, submission_mail(second, basic_files(second, stamped=False)))["submissions"][0]["number"]]
        nomination = enterprise_nomination_docx(first.enterprise, "0356-2021888", first.address, first.postcode,
                                                enterprise_story(first.enterprise), seal=seal(first.enterprise))
        feed(pipe, submission_mail(first, [("优秀企业报名表.docx", nomination)], subject="优秀企业报名表"))
        book = load_workbook(io.BytesIO(write_workbook(load_registry(pipe.store, pipe.settings))))
        return book, (first, second), numbers
    finally:
        pipe.close()


def test_register_sheet_lists_every_result_with_its_status_and_problems(registered):
    book, (first, second), numbers = registered
    sheet = book[REGISTER_SHEET]
    assert book.sheetnames == [REGISTER_SHEET, SUMMARY_SHEET]
    assert tuple(c.value for c in sheet[1]) == REGISTER_HEADERS
    rows = {r[0]: dict(zip(REGISTER_HEADERS, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(numbers)
    ok, lacking = rows[numbers[0]], rows[numbers[1]]
    assert (ok["企业名称"], ok["QC小组名称"], ok["人数"], ok["课题名称"], ok["状态"]) == \
        (first.enterprise, first.group, first.members, first.topic, "已受理")
    assert ok["存在问题"] in (None, "")
    assert lacking["状态"] == "待补正"
    assert lacking["存在问题"].startswith("1. ") and "未加盖单位公章" in lacking["存在问题"]
    status = sheet.cell(row=[r[0].value for r in sheet.iter_rows()].index(numbers[1]) + 1, column=7)
    assert status.font.bold and status.font.color.rgb.endswith("C00000")
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:N")


def test_text_starting_with_an_equals_sign_stays_text(registered):
    book, (_, second), numbers = registered
    sheet = book[REGISTER_SHEET]
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[0].value == numbers[1])
    assert cell.value == second.group and cell.data_type == "s"


def test_summary_sheet_prints_the_four_sections_of_annex_8(registered):
    book, (first, second), _ = registered
    sheet = book[SUMMARY_SHEET]
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["附件8："] and values[1] == ["推荐汇总表"]
    titles = [row[0] for row in values if row and isinstance(row[0], str) and row[0][:2] in ("一、", "二、", "三、", "四、")]
    assert titles == ["一、优秀质量管理小组活动成果", "二、全省质量管理小组活动优秀企业",
                      "三、全省质量管理小组活动优秀推进者", "四、全省质量信得过班组"]
    assert [1, first.enterprise, first.group, first.members] in values
    assert [2, second.enterprise, second.group, second.members] in values
    assert any(row[:2] == [1, first.enterprise] and "0356-2021888" in row for row in values)
    assert values[-1] == ["班组人数总计", 0]
