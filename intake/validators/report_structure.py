"""Does the results report follow the steps T/CAQ 10201—2020 prescribes for its 课题类型?

A missing step is for the secretariat's reviewers to judge (REPORT_STRUCTURE,
a review flag); the steps and their wordings live in `extractors.steps`.
"""
from __future__ import annotations

from intake.extractors.steps import STEPS, missing_steps, topic_type_in
from intake.base.model import Document, Finding, Submission
from intake.validators.context import RuleContext, review
from intake.validators.topic import topic_type_of
from intake.validators.writeups import is_write_up

MIN_REPORT_CHARS = 800


def _topic_type(report: Document, form: Document | None, allowed: tuple[str, ...]) -> str:
    stated = topic_type_of(form.fields.get("课题类型"), allowed) if form else None
    if stated in STEPS:
        return stated
    return topic_type_in(report.text)


def check_report_structure(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for pairing in sub.pairings:
        report = pairing.report
        if report is None or len(report.text) < MIN_REPORT_CHARS or is_write_up(report):
            continue
        kind = _topic_type(report, pairing.entry_form, ctx.competition.topic_types)
        missing = missing_steps(report.text, kind)
        if missing:
            steps = "、".join(step for step, _ in STEPS[kind])
            findings.append(review("REPORT_STRUCTURE", f"成果报告中未找到以下步骤：{'、'.join(missing)}。"
                                                       f"按T/CAQ 10201—2020，{kind}课题应包括：{steps}。",
                                   document=report.filename))
    return findings
