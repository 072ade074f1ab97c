"""质量信得过班组 基本条件 4: 班组近二年无质量、安全、环保事故.

A 附件6 that reports incidents does not qualify (TEAM_INELIGIBLE); a
wording the figure cannot be read from goes to a person, and so does a
figure whose reading is not confident (see `intake.validators`).
"""
from __future__ import annotations

import re

from intake.base.model import DocumentKind, Finding, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review
from intake.validators.names import plain

FIELD = "年质量、安全事故数"
_NONE_WORDS = re.compile(r"^(无|零|没有|0+(\.0+)?\s*(起|次|件|个)?|/|—+|-+)$")
_NONZERO = re.compile(r"[1-9一二三四五六七八九十两]")


def check_team_eligibility(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for doc in sub.documents:
        if doc.kind is not DocumentKind.TEAM_NOMINATION or not is_read_form(doc):
            continue
        value = doc.fields.get(FIELD)
        if value is None or value == "":
            continue  # MISSING_FIELD says it
        team = plain(doc.fields.get("班组名称")) or "该班组"
        if isinstance(value, (int, float)):
            if value > 0 and not doc.confident(FIELD):
                findings.append(review("MANUAL_REVIEW", f"{form_name(doc.kind)}中“{FIELD}”读作{value:g}，"
                                                        "该栏位置由表格版式推断，请人工核对班组是否符合推荐条件。",
                                       document=doc.filename, field=FIELD))
            elif value > 0:
                findings.append(deficiency(
                    "TEAM_INELIGIBLE", f"{form_name(doc.kind)}中“{FIELD}”填写为{value:g}，而推荐条件要求班组近二年"
                                       f"无质量、安全、环保事故，“{team}”不符合推荐条件。", document=doc.filename,
                    field=FIELD))
            continue
        text = plain(value)
        if not _NONE_WORDS.match(text) and _NONZERO.search(text):
            findings.append(review("MANUAL_REVIEW", f"{form_name(doc.kind)}中“{FIELD}”填写为“{text}”，"
                                                    "无法自动判断是否发生过事故，请人工核对。", document=doc.filename))
    return findings
