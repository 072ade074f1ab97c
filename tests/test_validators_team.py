"""intake.validators.team: a 质量信得过班组 must have had no quality or safety incident in two years."""
from __future__ import annotations

import functools

from samples.forms_extra import sample_team, team_nomination_docx
from intake.base.model import Severity
from intake.validators.team import FIELD, check_team_eligibility
from tests.readings import context, entry, submission


@functools.lru_cache(maxsize=None)
def team_form(incidents: str) -> bytes:
    data = entry()
    return team_nomination_docx(data.enterprise, "装维一班", sample_team(data.enterprise, "装维一班", 7),
                                address=data.address, postcode=data.postcode, contact=data.contact,
                                phone=data.phone, indicators={FIELD: incidents})


def _findings(incidents: str):
    return check_team_eligibility(submission([("质量信得过班组报名表.docx", team_form(incidents))], entry()), context())


def test_team_without_incidents_qualifies():
    assert _findings("0") == []
    assert _findings("无") == []


def test_team_with_an_incident_does_not_qualify():
    [finding] = _findings("1")
    assert (finding.code, finding.severity, finding.field) == ("TEAM_INELIGIBLE", Severity.DEFICIENCY, FIELD)
    assert finding.detail == ("质量信得过班组报名表（附件6）中“年质量、安全事故数”填写为1，而推荐条件要求班组近二年"
                              "无质量、安全、环保事故，“装维一班”不符合推荐条件。")


def test_incidents_in_words_go_to_a_person():
    [finding] = _findings("轻微安全事故一起")
    assert (finding.code, finding.severity) == ("MANUAL_REVIEW", Severity.REVIEW)
    assert finding.detail == ("质量信得过班组报名表（附件6）中“年质量、安全事故数”填写为“轻微安全事故一起”，"
                              "无法自动判断是否发生过事故，请人工核对。")
