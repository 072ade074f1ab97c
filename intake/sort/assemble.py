"""Group a mail's documents into QC results: each 报名表 with its report.

A mail may carry several results; a report belongs to the 报名表 whose
课题名称 its text contains. A scan of a form only lends its seal, so it does
not start a result of its own.
"""
from __future__ import annotations

import re

from intake.base.model import Document, DocumentKind, Pairing

WORD_FORMATS = frozenset({"docx", "doc", "wps"})
_NOISE = re.compile(r"[\s\u3000，。、：:；;“”\"'‘’（）()《》<>【】\[\]—\-_·.,!！?？]")


def squash(text: str) -> str:
    """Text without whitespace and punctuation, for tolerant comparison."""
    return _NOISE.sub("", text or "")


def is_readable_form(doc: Document) -> bool:
    """A form whose fields were read (not a scan that only shows a seal)."""
    return doc.kind is DocumentKind.ENTRY_FORM and doc.error is None and bool(doc.fields)


def _report_for(form: Document, reports: list[Document]) -> Document | None:
    topic = squash(str(form.fields.get("课题名称") or ""))
    if not topic:
        return None
    for report in reports:
        if topic in squash(report.text[:5000]) or topic in squash(report.filename):
            return report
    return None


def pair_documents(documents: tuple[Document, ...]) -> tuple[Pairing, ...]:
    """One Pairing per 报名表 read, plus one per report no form claimed."""
    forms = [doc for doc in documents if is_readable_form(doc)]
    reports = [doc for doc in documents if doc.kind is DocumentKind.QC_REPORT and doc.error is None]
    pairings, unclaimed = [], list(reports)
    for form in forms:
        report = _report_for(form, unclaimed)
        if report is None and len(forms) == 1 and len(unclaimed) == 1:
            report = unclaimed[0]
        if report is not None:
            unclaimed.remove(report)
        pairings.append(Pairing(entry_form=form, report=report))
    pairings += [Pairing(entry_form=None, report=report) for report in unclaimed]
    return tuple(pairings)
