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
from notifier.workbook import (
    REGISTER_HEADERS, REGISTER_SHEET, REVIEW_HEADERS, REVIEW_SHEET, SUMMARY_SHEET, registry_workbook, write_workbook,
)
from samples._report_common import make_ctx
from samples.forms import qc_report_docx
from store.models import StoredFinding
from tests.configs import feed, write_config
from tests.readings import basic_files, entry, entry_form, seal


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


# -- 初审表 (intake export) ----------------------------------------------------------

COPY_SOURCE = ("《降低基站退服率.docx》与已登记的QC2023-009（中国移动通信集团山西有限公司，课题“降低基站退服率”）"
               "的成果报告有约41%的文字相同，表格数据约62%相同")
# As intake/review/copies.py words the flag: its quoted passages hold percentages of their own.
COPY_DETAIL = COPY_SOURCE + "。最长的相同段落：“退服率由0.45%降至0.16%”。请核对是否抄袭（仅供参考，不影响受理）。"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """A complete 问题解决型 report, a 创新型 one that missed its target, a result sent without its
    report; the first marked POSSIBLE_COPY as copy detection stores it. The export's 初审表 rows by 总编号."""
    pipe = Pipeline.open(load_settings(write_config(tmp_path_factory.mktemp("review"))))
    try:
        problem, innovation, bare = entry(27), entry(26), entry(21)
        reports = {problem.topic: qc_report_docx(problem, images=5),
                   innovation.topic: qc_report_docx(innovation, images=3, defects=("target_missed",), style=1)}
        numbers = []
        for data in (problem, innovation, bare):
            files = [(f"报名表-{data.group}.docx", entry_form(data))]
            files += [(f"{data.topic}.docx", reports[data.topic])] if data.topic in reports else []
            numbers.append(feed(pipe, submission_mail(data, files))["submissions"][0]["number"])
        registration = next(r for r in pipe.store.all_registrations() if r.number == numbers[0])
        with pipe.store.session() as s:
            s.add(StoredFinding(message_id=registration.last_message_id, registration_id=registration.id,
                                code="POSSIBLE_COPY", severity="review", document=f"{problem.topic}.docx",
                                detail=COPY_DETAIL))
            s.commit()
        book = load_workbook(io.BytesIO(registry_workbook(pipe.store, pipe.settings)))
        sheet = book[REVIEW_SHEET]
        rows = {r[0]: dict(zip(REVIEW_HEADERS, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
        return book, sheet, rows, (problem, innovation, bare), numbers
    finally:
        pipe.close()


def test_review_sheet_has_a_row_per_registered_report_and_a_column_per_step(reviewed):
    book, sheet, rows, (problem, innovation, bare), numbers = reviewed
    assert book.sheetnames == [REGISTER_SHEET, SUMMARY_SHEET, REVIEW_SHEET]
    assert tuple(c.value for c in sheet[1]) == REVIEW_HEADERS == (
        "总编号", "单位", "小组", "课题", "课题类型", "选择课题", "现状调查", "设定目标（及可行性论证）", "原因分析",
        "确定主要原因", "提出方案并确定最佳方案", "制定对策", "对策实施", "效果检查", "巩固措施/标准化",
        "总结和下一步打算", "目标是否达到", "统计方法及图表", "疑似抄袭", "相同比例", "来源")
    assert list(rows) == numbers
    first = rows[numbers[0]]
    assert [first[k] for k in ("单位", "小组", "课题", "课题类型")] == [
        problem.enterprise, problem.group, problem.topic, "问题解决型"]
    assert first["现状调查"].splitlines()[:2] == [
        "有（三、现状调查）", "· 现状数据（表、图）：有，表4 问题类型统计表、图1 问题类型排列图"]
    assert first["提出方案并确定最佳方案"] == "不适用"
    c = make_ctx(problem)
    assert first["目标是否达到"] == f"达到：目标≤{c.f(c.target)}，活动后{c.f(c.after)}；报告称已完成目标"
    assert first["统计方法及图表"].startswith("调查表（无图，仅见于总结和下一步打算第1段）、排列图（图1、图4）")


def test_review_sheet_shows_a_missed_target_and_the_other_type_s_steps(reviewed):
    _, sheet, rows, (_, innovation, _), numbers = reviewed
    second = rows[numbers[1]]
    c = make_ctx(innovation, ("target_missed",), 1)
    assert second["课题类型"] == "创新型" and second["现状调查"] == second["原因分析"] == "不适用"
    assert second["设定目标（及可行性论证）"].startswith("有（3. 目标设定及可行性分析）\n· 目标为带单位的数值：有，")
    assert second["巩固措施/标准化"].startswith("有（8. 标准化）")
    assert second["目标是否达到"] == f"未达到：目标≤{c.f(c.target)}，活动后{c.f(c.after)}；报告称未完成目标"
    row = [r[0].value for r in sheet.iter_rows()].index(numbers[1]) + 1
    assert sheet.cell(row, REVIEW_HEADERS.index("目标是否达到") + 1).fill.fgColor.rgb.endswith("F8CBAD")
    assert not sheet.cell(row, REVIEW_HEADERS.index("效果检查") + 1).fill.fgColor.rgb.endswith("F8CBAD")


def test_review_sheet_shows_copy_figures_and_a_result_without_its_report(reviewed):
    _, _, rows, _, numbers = reviewed
    first, second, third = (rows[n] for n in numbers)
    assert (first["疑似抄袭"], first["相同比例"], first["来源"]) == ("是", "文字约41%，表格数据约62%", COPY_SOURCE)
    assert (second["疑似抄袭"], second["相同比例"], second["来源"]) == (None, None, None)
    assert third["选择课题"] == "未收到可读的成果报告" and third["目标是否达到"] is None
