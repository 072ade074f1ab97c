"""intake.extractors.recognise: which form a document is, by title and labels; the report by its steps."""
from __future__ import annotations

import functools

import pytest

from intake.extractors.docx_reader import read_docx
from intake.extractors.recognise import kind_from_name, recognise
from intake.extractors.sheet_reader import read_xlsx
from samples.forms import (enterprise_nomination_docx, group_registration_docx, qc_report_docx,
                                   statistics_xlsx, summary_docx)
from samples.forms_extra import promoter_nomination_docx, promoter_story, sample_team, team_nomination_docx
from samples.entries import enterprise_story, sample_members
from samples.strangers_files import receipt_form_docx
from intake.base.model import DocumentKind
from tests.readings import entry, entry_form

D = entry()


@functools.lru_cache(maxsize=None)
def built(kind: DocumentKind) -> bytes:
    return {
        DocumentKind.ENTRY_FORM: lambda: entry_form(D, stamped=False),
        DocumentKind.ENTERPRISE_NOMINATION: lambda: enterprise_nomination_docx(
            D.enterprise, D.phone, D.address, D.postcode, enterprise_story(D.enterprise)),
        DocumentKind.PROMOTER_NOMINATION: lambda: promoter_nomination_docx(
            "王建国", "男", "副总经理", D.enterprise, D.phone, D.address, D.postcode,
            promoter_story(D.enterprise, "王建国")),
        DocumentKind.GROUP_REGISTRATION: lambda: group_registration_docx(D, sample_members(D)),
        DocumentKind.TEAM_NOMINATION: lambda: team_nomination_docx(D.enterprise, "装维一班",
                                                                   sample_team(D.enterprise, "装维一班", 5)),
        DocumentKind.NOMINATION_SUMMARY: lambda: summary_docx([D]),
        DocumentKind.QC_REPORT: lambda: qc_report_docx(D, images=0),
    }[kind]()


@pytest.mark.parametrize("kind", [
    DocumentKind.ENTRY_FORM, DocumentKind.ENTERPRISE_NOMINATION, DocumentKind.PROMOTER_NOMINATION,
    DocumentKind.GROUP_REGISTRATION, DocumentKind.TEAM_NOMINATION, DocumentKind.NOMINATION_SUMMARY,
    DocumentKind.QC_REPORT])
def test_each_official_form_and_the_report_are_recognised_under_a_neutral_name(kind):
    assert recognise(read_docx(built(kind)), "附件.docx").kind is kind


def test_statistics_sheet_is_recognised():
    reading = recognise(read_xlsx(statistics_xlsx()), "统计.xlsx")
    assert reading.kind is DocumentKind.ACTIVITY_STATISTICS and reading.titled


def test_entry_form_reading_carries_its_fields():
    reading = recognise(read_docx(built(DocumentKind.ENTRY_FORM)), "a.docx")
    assert reading.fields["QC小组名称"] == D.group and reading.titled and reading.share > 0.8


def test_another_events_receipt_sharing_common_labels_is_not_our_form():
    receipt = receipt_form_docx("2023年通信行业职业技能竞赛报名回执",
                                [("单位名称", D.enterprise), ("联系人", D.contact), ("电话", D.phone)],
                                ("姓名", "性别", "职务"), [("李明", "男", "工程师")])
    assert recognise(read_docx(receipt), "报名回执.docx").kind is DocumentKind.OTHER


def test_file_name_names_the_form_of_a_scan():
    assert kind_from_name("优秀推进者报名表（盖章）.jpg").kind is DocumentKind.PROMOTER_NOMINATION
    assert kind_from_name("报名表扫描件.jpg").kind is DocumentKind.ENTRY_FORM
    assert kind_from_name("IMG_20230220_0931.jpg") is None
