"""intake.validators.completeness on real mails: the 报名表, the report in Word, every required field."""
from __future__ import annotations

import functools

from samples.forms import entry_form_docx
from samples.forms_other import enterprise_nomination_docx
from samples.entries import enterprise_story
from intake.base.model import Severity
from intake.validators.completeness import check_entry_forms, check_reports, check_required_fields
from tests.readings import basic_files, context, entry, report, seal, submission


def test_complete_result_lacks_nothing():
    data = entry()
    sub = submission(basic_files(data), data)
    assert check_entry_forms(sub, context()) == []
    assert check_reports(sub, context()) == []
    assert check_required_fields(sub, context()) == []


def test_report_alone_is_missing_its_entry_form():
    data = entry()
    name = f"{data.topic}.docx"
    [finding] = check_entry_forms(submission([(name, report(data))], data), context())
    assert (finding.code, finding.severity, finding.document) == ("MISSING_ENTRY_FORM", Severity.DEFICIENCY, name)
    assert finding.detail == f"成果报告《{name}》没有对应的报名表（附件2）。"


def test_entry_form_alone_is_missing_its_report():
    data = entry(11)
    form = basic_files(data)[0]
    [finding] = check_reports(submission([form], data), context())
    assert (finding.code, finding.severity, finding.document) == ("MISSING_QC_REPORT", Severity.DEFICIENCY, form[0])
    assert finding.detail == f"课题“{data.topic}”缺少QC小组成果报告（Word版）。"


@functools.lru_cache(maxsize=None)
def _enterprise_form(enterprise: str) -> bytes:
    return enterprise_nomination_docx(enterprise, "0351-4567890", "太原市小店区长风街8号", "030006",
                                      enterprise_story(enterprise), seal=seal(enterprise))


def test_nomination_alone_is_unit_material_for_a_person_not_a_missing_entry_form():
    data = entry()
    [finding] = check_entry_forms(submission([("优秀企业报名表.docx", _enterprise_form(data.enterprise))], data),
                                  context())
    assert (finding.code, finding.severity) == ("MANUAL_REVIEW", Severity.REVIEW)
    assert finding.detail.startswith("邮件只含优秀企业报名表（附件3），没有报名表和成果报告")


def test_blank_advisor_on_the_entry_form_is_named():
    data = entry(7, advisor="")
    files = [("报名表.docx", entry_form_docx(data, seal=seal(data.enterprise))), (f"{data.topic}.docx", report(data))]
    [finding] = check_required_fields(submission(files, data), context())
    assert (finding.code, finding.severity, finding.field) == ("MISSING_FIELD", Severity.DEFICIENCY, "小组活动指导者")
    assert finding.detail == "报名表（附件2）中“小组活动指导者”一栏未填写。"
    assert finding.document == "报名表.docx"
