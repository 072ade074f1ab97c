"""intake.validators.full_name: 企业名称 must be the full name (以公章为准), short forms are flagged."""
from __future__ import annotations

from intake.base.model import Severity
from intake.validators.full_name import check_full_names
from tests.readings import basic_files, context, entry, submission


def test_full_unit_name_is_not_flagged():
    data = entry()
    assert check_full_names(submission(basic_files(data), data), context()) == []


def test_short_unit_name_goes_to_a_person_naming_the_field():
    data = entry(7, enterprise="运城移动")
    [finding] = check_full_names(submission(basic_files(data), data), context())
    assert (finding.code, finding.severity, finding.field) == ("NAME_ABBREVIATED", Severity.REVIEW, "企业名称")
    assert finding.detail == ("报名表（附件2）中“企业名称”填写为“运城移动”，疑似简称；"
                              "通知要求以公章为准填写全称，请核对。")
    assert finding.document == basic_files(data)[0][0]
