"""企业名称（以公章为准）须用正楷写全称: flag names that look like short forms.

Conservative, and only a review flag: a name without a unit suffix (公司,
集团, 院, 局, 中心 …) or of very few characters, such as "运城移动".
"""
from __future__ import annotations

from intake.base.model import DocumentKind, Finding, Submission
from intake.validators.context import RuleContext, form_name, is_read_form, review
from intake.validators.names import looks_abbreviated, plain

# Where each form names the unit.
UNIT_FIELDS = {
    DocumentKind.ENTRY_FORM: "企业名称",
    DocumentKind.ENTERPRISE_NOMINATION: "企业名称",
    DocumentKind.PROMOTER_NOMINATION: "所在单位",
    DocumentKind.TEAM_NOMINATION: "企业名称",
}


def check_full_names(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings, seen = [], set()
    for doc in sub.documents:
        field = UNIT_FIELDS.get(doc.kind)
        if field is None or not is_read_form(doc):
            continue
        name = plain(doc.fields.get(field))
        if name in seen or not looks_abbreviated(name):
            continue
        seen.add(name)
        findings.append(review("NAME_ABBREVIATED", f"{form_name(doc.kind)}中“{field}”填写为“{name}”，疑似简称；"
                                                   "通知要求以公章为准填写全称，请核对。", document=doc.filename,
                               field=field))
    return findings
