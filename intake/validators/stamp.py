"""Does each 报名表 carry the unit seal (加盖单位公章)?

A Word form often has no seal while a scan of the signed paper form has it;
then the form counts as stamped. Only a clear absence is a deficiency: when
the detector is unsure, a person looks (STAMP_UNCERTAIN).
"""
from __future__ import annotations

from intake.model import Document, DocumentKind, Finding, Stamp, Submission
from intake.validators.context import RuleContext, deficiency, review


def _scan_stamps(sub: Submission) -> set[Stamp]:
    """Seals seen on scans/photos of forms in the same mail."""
    return {doc.stamp for doc in sub.documents
            if doc.stamp is not None and doc.kind in (DocumentKind.ENTRY_FORM, DocumentKind.SCAN)
            and not doc.fields}


def effective_stamp(form: Document, scans: set[Stamp]) -> Stamp:
    if form.stamp is Stamp.PRESENT or Stamp.PRESENT in scans:
        return Stamp.PRESENT
    if form.stamp is Stamp.UNCERTAIN or Stamp.UNCERTAIN in scans:
        return Stamp.UNCERTAIN
    return Stamp.ABSENT if form.stamp is Stamp.ABSENT else Stamp.UNCERTAIN


def check_stamps(sub: Submission, ctx: RuleContext) -> list[Finding]:
    scans, findings = _scan_stamps(sub), []
    for pairing in sub.pairings:
        form = pairing.entry_form
        if form is None:
            continue
        stamp = effective_stamp(form, scans)
        if stamp is Stamp.ABSENT:
            findings.append(deficiency("MISSING_STAMP", "报名表未加盖单位公章，也未附盖章扫描件。",
                                       document=form.filename))
        elif stamp is Stamp.UNCERTAIN:
            findings.append(review("STAMP_UNCERTAIN", "无法确定报名表是否加盖单位公章，请人工核对。",
                                   document=form.filename))
    return findings
