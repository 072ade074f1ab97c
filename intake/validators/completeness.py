"""Is everything the notice asks for there: 报名表, report in Word, required fields?"""
from __future__ import annotations

from intake.assemble import WORD_FORMATS
from intake.extractors.forms import spec_for
from intake.model import DocumentKind, Finding, Submission
from intake.validators.context import RuleContext, deficiency

ENTRY_FORM_REQUIRED = tuple(f.name for f in spec_for(DocumentKind.ENTRY_FORM).fields if f.required)


def check_entry_forms(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_ENTRY_FORM when a QC result came without a readable 报名表."""
    if not any(doc.error is None for doc in sub.documents):
        return []  # NO_DOCUMENTS already says it
    has_form = any(p.entry_form for p in sub.pairings)
    orphans = [p.report for p in sub.pairings if p.entry_form is None]
    if has_form and not orphans:
        return []
    if orphans:
        return [deficiency("MISSING_ENTRY_FORM", f"成果报告《{r.filename}》没有对应的报名表（附件2）。",
                           document=r.filename) for r in orphans]
    scan_only = any(d.kind is DocumentKind.ENTRY_FORM for d in sub.documents)
    detail = ("报名表只有扫描件或图片，缺少可编辑的Word版报名表（附件2）。" if scan_only
              else "未找到报名表（附件2：竞赛活动报名表）。")
    return [deficiency("MISSING_ENTRY_FORM", detail)]


def check_reports(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_QC_REPORT, or QC_REPORT_NOT_WORD when it came only as PDF or image."""
    findings = []
    for pairing in sub.pairings:
        if pairing.entry_form is None:
            continue
        topic = pairing.field("课题名称") or ""
        if pairing.report is None:
            findings.append(deficiency("MISSING_QC_REPORT", f"课题“{topic}”缺少QC小组成果报告（Word版）。",
                                       document=pairing.entry_form.filename))
        elif pairing.report.source_format not in WORD_FORMATS:
            findings.append(deficiency(
                "QC_REPORT_NOT_WORD", f"成果报告为{pairing.report.source_format.upper() or '非Word'}格式，"
                "通知要求提交QC小组成果WORD版。", document=pairing.report.filename))
    return findings


def check_required_fields(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_FIELD for each required 报名表 field left empty."""
    findings = []
    for pairing in sub.pairings:
        form = pairing.entry_form
        if form is None:
            continue
        for name in ENTRY_FORM_REQUIRED:
            if form.fields.get(name) in (None, "", 0):
                findings.append(deficiency("MISSING_FIELD", f"报名表中“{name}”一栏未填写。",
                                           document=form.filename, field=name))
    return findings
