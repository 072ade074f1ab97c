"""intake.validators.nominations: 各会员单位限推荐1个优秀企业、1名优秀推进者, across the unit's mails."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

from samples.forms_extra import promoter_nomination_docx, promoter_story
from samples.forms_other import enterprise_nomination_docx
from samples.entries import enterprise_story
from intake.base.model import DocumentKind, Severity
from intake.validators import History
from intake.validators.context import EarlierNomination
from intake.validators.names import unit_key
from intake.validators.nominations import check_nominations, nominee_of, unit_of
from tests.readings import context, entry, read, seal, submission

CST = timezone(timedelta(hours=8))


@functools.lru_cache(maxsize=None)
def enterprise_form(enterprise: str, seed: int = 0) -> bytes:
    return enterprise_nomination_docx(enterprise, "0354-3012345", "晋中市榆次区蕴华街66号", "030600",
                                      enterprise_story(enterprise, seed), seal=seal(enterprise))


@functools.lru_cache(maxsize=None)
def promoter_form(unit: str, name: str) -> bytes:
    return promoter_nomination_docx(name, "女", "质量管理部主任", unit, "13903541234", "晋中市榆次区蕴华街66号",
                                    "030600", promoter_story(unit, name), seal=seal(unit))


def test_one_nomination_of_each_kind_is_within_the_limit():
    data = entry()
    files = [("优秀企业报名表.docx", enterprise_form(data.enterprise)),
             ("优秀推进者报名表.docx", promoter_form(data.enterprise, "李秀梅"))]
    assert check_nominations(submission(files, data), context()) == []


def test_second_promoter_of_the_unit_in_one_mail_is_over_the_limit():
    data = entry()
    files = [("推进者-李秀梅.docx", promoter_form(data.enterprise, "李秀梅")),
             ("推进者-赵志强.docx", promoter_form(data.enterprise, "赵志强"))]
    [finding] = check_nominations(submission(files, data), context())
    assert (finding.code, finding.severity, finding.document) == ("NOMINATION_LIMIT", Severity.DEFICIENCY,
                                                                  "推进者-赵志强.docx")
    assert finding.detail == (f"本邮件中已有“{data.enterprise}”的优秀推进者报名表（附件4）《推进者-李秀梅.docx》，"
                              "各会员单位限推荐1名优秀推进者。")


def test_enterprise_nominated_in_an_earlier_mail_is_told_how_to_correct():
    data = entry()
    earlier = EarlierNomination("优秀企业申报.docx", data.enterprise, datetime(2023, 2, 21, 10, 0, tzinfo=CST))
    history = History(nominations={(DocumentKind.ENTERPRISE_NOMINATION, unit_key(data.enterprise)): (earlier,)})
    files = [("优秀企业报名表（修改）.docx", enterprise_form(data.enterprise, 1))]
    [finding] = check_nominations(submission(files, data), context(history=history))
    assert finding.code == "NOMINATION_LIMIT"
    assert finding.detail == (f"“{data.enterprise}”已于2023年2月21日报送过优秀企业报名表（附件3）《优秀企业申报.docx》，"
                              "各会员单位限推荐1个优秀企业。如本次为修改稿，请直接回复原回执邮件重新发送，新稿将替换原稿。")
    # A larger allowance in the configuration lets the second one through.
    assert check_nominations(submission(files, data), context(history=history, enterprise_nominations_per_unit=2)) == []


def test_unit_and_nominee_are_read_from_the_form():
    data = entry()
    doc = read("优秀推进者报名表.docx", promoter_form(data.enterprise, "李秀梅"))
    assert (unit_of(doc), nominee_of(doc)) == (unit_key(data.enterprise), "李秀梅")
