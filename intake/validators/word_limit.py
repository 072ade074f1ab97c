"""Free texts within the notice's word limits (字数限制), counted as Word counts 字.

Limited fields are marked in the form table (`Field.word_limit`); the
limits themselves come from the configuration, so next year's notice is a
config change. Write-ups sent as files of their own are counted whole.
A form field over its limit is a deficiency only when its text was read
with confidence (its own cell, or after its label); a text collected from
the paragraphs after a label may have run on, so a person checks it.
"""
from __future__ import annotations

from intake.extractors.forms import spec_for
from intake.base.model import Document, Finding, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review
from intake.base.text import count_zi
from intake.validators.writeups import write_up_of

# Form field → CompetitionSettings attribute holding its limit.
FIELD_LIMITS = {
    "经验事迹简介": "word_limit_story",
    "本人主要事迹和绩效": "word_limit_story",
    "质量信得过班组简介及活动结果": "word_limit_team_materials",
    "QC小组工作总结": "word_limit_qc_summary",
    "质量信得过班组建设工作总结": "word_limit_team_summary",
}


def check_word_limits(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for doc in sub.documents:
        if is_read_form(doc):
            findings += _form_fields(doc, ctx)
        elif (write_up := write_up_of(doc)) is not None:
            limit = getattr(ctx.competition, write_up.limit)
            count = count_zi(doc.text)
            if count > limit:
                findings.append(deficiency("WORD_LIMIT", f"{write_up.name}约{count}字，超过{limit}字的限制。",
                                           document=doc.filename))
    return findings


def _form_fields(doc: Document, ctx: RuleContext) -> list[Finding]:
    findings = []
    for field in spec_for(doc.kind).fields:
        if field.word_limit is None:
            continue
        limit = getattr(ctx.competition, FIELD_LIMITS.get(field.name, ""), field.word_limit)
        count = count_zi(str(doc.fields.get(field.name) or ""))
        if count > limit and doc.confident(field.name):
            findings.append(deficiency("WORD_LIMIT", f"{form_name(doc.kind)}中“{field.name}”约{count}字，"
                                                     f"超过{limit}字的限制。", document=doc.filename, field=field.name))
        elif count > limit:
            findings.append(review("MANUAL_REVIEW", f"{form_name(doc.kind)}中“{field.name}”读取到约{count}字，可能超过"
                                                    f"{limit}字的限制（该栏起止位置由版式推断），请人工核对。",
                                   document=doc.filename, field=field.name))
    return findings
