"""`intake export`: the registry and 附件8 推荐汇总表 as the secretariat opens them in Excel."""
from __future__ import annotations

import email
import functools
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from intake.cli import main
from intake.base.config import load_settings
from samples import mails
from samples.forms import entry_form_docx, qc_report_docx
from samples.forms_extra import (
    promoter_nomination_docx, promoter_story, sample_team, team_nomination_docx,
)
from samples.forms_other import enterprise_nomination_docx
from samples.entries import enterprise_story, sample_entry
from samples.seals import seal_png
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from tests.configs import write_config

CST = timezone(timedelta(hours=8))
HEADERS = ["总编号", "企业名称", "QC小组名称", "人数", "课题名称", "课题类型", "状态", "联系人", "电话", "发件邮箱",
           "首次来信时间", "最近来信时间", "存在问题", "需人工核查"]
SECTIONS = {
    "一、优秀质量管理小组活动成果": ["序号", "企业名称", "小组名称", "小组人数"],
    "二、全省质量管理小组活动优秀企业": ["序号", "企业名称", "联系电话", "联系人"],
    "三、全省质量管理小组活动优秀推进者": ["序号", "推进者姓名", "所在单位名称", "联系电话", "联系人"],
    "四、全省质量信得过班组": ["序号", "单位名称（以公章为准）", "班组名称", "班组长", "成员名单"],
}
# A group name that Excel would run as a formula if it were stored as one.
FORMULA = '=HYPERLINK("http://evil.example/","信息化QC小组")'


@functools.lru_cache(maxsize=1)
def mailbox():
    """One unit sending a result with all three nominations; another that forgot its seal, then corrected."""
    unit = sample_entry(51)
    seal = seal_png(unit.enterprise)
    files = [
        ("报名表.docx", entry_form_docx(unit, seal=seal)), (f"{unit.topic}.docx", qc_report_docx(unit)),
        ("附件3 优秀企业报名表.docx", enterprise_nomination_docx(
            unit.enterprise, unit.phone, unit.address, unit.postcode, enterprise_story(unit.enterprise), seal=seal)),
        ("附件4 优秀推进者报名表.docx", promoter_nomination_docx(
            "王建国", "男", "副总经理", unit.enterprise, "13903510001", unit.address, unit.postcode,
            promoter_story(unit.enterprise, "王建国"), seal=seal)),
        ("附件6 质量信得过班组报名表.docx", team_nomination_docx(
            unit.enterprise, "装维一班", sample_team(unit.enterprise, "装维一班", 7), address=unit.address,
            postcode=unit.postcode, contact=unit.contact, phone=unit.phone, seal=seal)),
    ]
    with_nominations = mails.submission_mail(unit, files, date=datetime(2023, 2, 24, 9, 30, tzinfo=CST))
    late_seal, unstamped = mails.complete_submission(
        52, stamped=False, mail_options={"date": datetime(2023, 2, 25, 10, 0, tzinfo=CST)})
    first_id = email.message_from_bytes(unstamped)["Message-ID"]
    _, corrected = mails.complete_submission(52, mail_options={
        "date": datetime(2023, 2, 27, 16, 5, tzinfo=CST), "in_reply_to": first_id, "references": (first_id,),
        "subject": "回复：补正"})
    still_missing, deficient = mails.complete_submission(
        53, stamped=False, group=FORMULA, mail_options={"date": datetime(2023, 2, 26, 11, 0, tzinfo=CST)})
    return unit, late_seal, still_missing, [with_nominations, unstamped, corrected, deficient]


def minute(moment: datetime) -> datetime:
    """The received time is the Received: header's, a few seconds after Date:."""
    return moment.replace(second=0, microsecond=0)


@pytest.fixture
def exported(tmp_path, store_url, capsys):
    """The workbook `intake export` wrote after the mailbox went through the pipeline."""
    settings = load_settings(write_config(tmp_path, store_url=store_url))
    pipeline = Pipeline.open(settings)
    for raw in mailbox()[3]:
        message, _ = pipeline.accept(raw, account="test", folder="INBOX", received_at=file_received_time(raw))
        pipeline.process(message)
    target = tmp_path / "导出" / "报名登记表.xlsx"
    assert main(["--config", str(settings.path), "export", str(target)]) == 0
    assert capsys.readouterr().out == f"报名登记表已写入：{target}\n"
    numbers = {reg.group_name: reg.number for reg in pipeline.store.all_registrations()}
    pipeline.store.close()
    return load_workbook(target), numbers


def test_register_sheet_has_one_row_per_registration_with_every_field(exported):
    workbook, numbers = exported
    unit, late_seal, still_missing, _ = mailbox()
    sheet = workbook["报名登记表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]

    assert workbook.sheetnames == ["报名登记表", "推荐汇总表", "初审表"]
    assert rows[0] == HEADERS
    by_number = {r[0]: dict(zip(HEADERS, r)) for r in rows[1:]}
    assert sorted(by_number) == sorted(numbers.values())
    first = by_number[numbers[unit.group]]
    assert (first["企业名称"], first["QC小组名称"], first["人数"], first["课题名称"], first["课题类型"]) == (
        unit.enterprise, unit.group, unit.members, unit.topic, unit.topic_type)
    assert (first["状态"], first["联系人"], first["电话"], first["发件邮箱"]) == (
        "已受理", unit.contact, unit.phone, unit.sender)
    assert minute(first["首次来信时间"]) == datetime(2023, 2, 24, 9, 30) and first["存在问题"] is None
    corrected = by_number[numbers[late_seal.group]]
    assert corrected["状态"] == "已受理" and corrected["存在问题"] is None
    assert (minute(corrected["首次来信时间"]), minute(corrected["最近来信时间"])) == (
        datetime(2023, 2, 25, 10, 0), datetime(2023, 2, 27, 16, 5))  # competition time, as Excel shows it
    waiting = by_number[numbers[still_missing.group]]
    assert waiting["状态"] == "待补正" and waiting["存在问题"].startswith("1. 表格未加盖单位公章：")
    assert waiting["QC小组名称"] == FORMULA
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # shown, never run
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == f"A1:N{len(rows)}"
    assert sheet.column_dimensions["B"].width >= 30  # a full enterprise name fits


def test_summary_sheet_is_annex_8_filled_from_the_forms(exported):
    workbook, numbers = exported
    unit, late_seal, still_missing, _ = mailbox()
    sheet = workbook["推荐汇总表"]
    rows = [[v for v in r if v not in (None, "")] for r in sheet.iter_rows(values_only=True)]

    assert rows[1] == ["推荐汇总表"] and rows[2][0].startswith("单位、部门（章）") and rows[2][0].endswith("编号：")
    starts = {row[0]: i for i, row in enumerate(rows) if row and row[0] in SECTIONS}
    assert list(starts) == list(SECTIONS)
    for title, index in starts.items():
        assert rows[index + 1] == SECTIONS[title]
    results = rows[starts["一、优秀质量管理小组活动成果"] + 2:starts["二、全省质量管理小组活动优秀企业"]]
    assert [r for r in results if r] == [
        [1, unit.enterprise, unit.group, unit.members],
        [2, late_seal.enterprise, late_seal.group, late_seal.members],
        [3, still_missing.enterprise, still_missing.group, still_missing.members]]
    assert rows[starts["二、全省质量管理小组活动优秀企业"] + 2] == [1, unit.enterprise, unit.phone, unit.contact]
    assert rows[starts["三、全省质量管理小组活动优秀推进者"] + 2] == [
        1, "王建国", unit.enterprise, "13903510001", unit.contact]
    team = rows[starts["四、全省质量信得过班组"] + 2]
    names = team[4].split("、")
    assert team[:4] == [1, unit.enterprise, "装维一班", sample_team(unit.enterprise, "装维一班", 7)[0]["姓名"]]
    assert names == [m["姓名"] for m in sample_team(unit.enterprise, "装维一班", 7)[1:]]
    assert rows[-1] == ["班组人数总计", 7]

    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A2:H2", "A3:H3"} <= merged  # title and the 单位、部门（章） line span the form
    header_row = starts["四、全省质量信得过班组"] + 2  # 1-based row of the section's header
    assert all(sheet.cell(header_row, col).border.top.style == "thin" for col in range(1, 9))


def test_review_sheet_has_the_pre_review_of_every_registered_report(exported):
    workbook, numbers = exported
    unit, _, still_missing, _ = mailbox()
    sheet = workbook["初审表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    by_number = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert sorted(by_number) == sorted(numbers.values())
    row = by_number[numbers[unit.group]]
    assert (row["单位"], row["小组"], row["课题"], row["课题类型"]) == (unit.enterprise, unit.group, unit.topic,
                                                                unit.topic_type)
    assert all(row[step].startswith("有（") for step in ("选择课题", "制定对策", "对策实施", "效果检查", "总结和下一步打算"))
    assert row["目标是否达到"].startswith("达到：目标")
    assert by_number[numbers[still_missing.group]]["小组"] == FORMULA
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_of_an_empty_store_is_a_blank_form_to_fill_in(tmp_path, capsys):
    settings = load_settings(write_config(tmp_path))
    Pipeline.open(settings).close()  # the service has started; no mail has come yet
    target = tmp_path / "空.xlsx"
    assert main(["--config", str(settings.path), "export", str(target)]) == 0
    sheet = load_workbook(target)["推荐汇总表"]
    texts = [v for r in sheet.iter_rows(values_only=True) for v in r if v not in (None, "")]
    assert all(title in texts for title in SECTIONS) and texts[-2:] == ["班组人数总计", 0]
    assert load_workbook(target)["报名登记表"].max_row == 1
