"""Does each form that must be stamped carry the unit seal (加盖单位公章)?

报名表 (附件2), 优秀企业/优秀推进者报名表 (附件3/4) and the QC小组注册登记表
(附件5) are stamped (`FormSpec.needs_seal`); the 质量信得过班组报名表
(附件6) is too, on paper, but its mailed electronic copy needs no seal.
A Word form often has no seal while a scan of the signed paper form has it;
a scan recognised as the same form makes it stamped. A scan that cannot be
matched to a form stands in for the 报名表 (what people scan first) and
makes any other unstamped form merely uncertain. Only a clear absence is a
deficiency: when unsure, a person looks (STAMP_UNCERTAIN).
"""
from __future__ import annotations

from intake.extractors.forms import spec_for
from intake.base.model import Document, DocumentKind, Finding, Stamp, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review

# 附件6: "提交纸质版原件一份加盖公章和 WPS 电子版一份（不需公章）": the stamped
# original goes by post, the copy mailed to us needs no seal.
UNSTAMPED_COPY = frozenset({DocumentKind.TEAM_NOMINATION})


def _scan_stamps(sub: Submission, kind: DocumentKind) -> set[Stamp]:
    """Seals seen on scans/photos that stand for a form of `kind`."""
    return {doc.stamp for doc in sub.documents
            if doc.stamp is not None and not doc.fields and doc.kind is kind}


def _unmatched_scan_stamps(sub: Submission) -> set[Stamp]:
    """Seals (or possible seals) on scans whose form could not be told."""
    return _scan_stamps(sub, DocumentKind.SCAN) - {Stamp.ABSENT}


def effective_stamp(form: Document, scans: set[Stamp]) -> Stamp:
    if form.stamp is Stamp.PRESENT or Stamp.PRESENT in scans:
        return Stamp.PRESENT
    if form.stamp is Stamp.UNCERTAIN or Stamp.UNCERTAIN in scans:
        return Stamp.UNCERTAIN
    return Stamp.ABSENT if form.stamp is Stamp.ABSENT else Stamp.UNCERTAIN


def stamp_of(form: Document, sub: Submission) -> Stamp:
    """The form's seal, lent by a matching scan where the form itself has none."""
    scans = _scan_stamps(sub, form.kind)
    unmatched = _unmatched_scan_stamps(sub)
    if form.kind is DocumentKind.ENTRY_FORM:
        return effective_stamp(form, scans | unmatched)
    stamp = effective_stamp(form, scans)
    if stamp is Stamp.ABSENT and unmatched:
        return Stamp.UNCERTAIN  # a stamped scan we cannot place may be this form
    return stamp


def check_stamps(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for form in sub.documents:
        spec = spec_for(form.kind)
        if not (spec and spec.needs_seal and is_read_form(form)) or form.kind in UNSTAMPED_COPY:
            continue
        stamp, name = stamp_of(form, sub), form_name(form.kind)
        if stamp is Stamp.ABSENT:
            findings.append(deficiency("MISSING_STAMP", f"{name}未加盖单位公章，也未附盖章扫描件。",
                                       document=form.filename))
        elif stamp is Stamp.UNCERTAIN:
            findings.append(review("STAMP_UNCERTAIN", f"无法确定{name}是否加盖单位公章，请人工核对。",
                                   document=form.filename))
    return findings
