"""Every attachment → a `Document`: the extract stage of the pipeline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from intake.extractors import extract_document
from intake.extractors.read import read_scan
from intake.extractors.forms import spec_for
from intake.base.model import Attachment, Document, DocumentKind, LinkAttachment, Recognition, Stamp
from intake.mime.unpack import Problem, expand


@dataclass(frozen=True)
class Extraction:
    documents: tuple[Document, ...]
    # Every file seen, archives unpacked, by content hash: what the archive keeps.
    files: dict[str, Attachment]
    # Files the body offers as links that did not arrive (not fetchable, or fetching is off).
    link_only: tuple[LinkAttachment, ...] = ()


def extract_all(attachments: tuple[Attachment, ...]) -> Extraction:
    """Unpack archives and forwards first, then read each file once; identical files count once.

    Scans that their names do not name are read by OCR afterwards, and only when
    the form they show could change the answer (`scans_can_matter`).

    An archive that would not open becomes a document with its reason as `error`,
    named by where it is ("材料.zip", or "材料.zip/内层.zip" when nested), so the
    sender is told which file to fix.
    """
    expanded = expand(attachments)
    seen, read = set(), []
    for attachment in expanded.files:
        if attachment.sha256 in seen:
            continue
        seen.add(attachment.sha256)
        read.append((attachment, extract_document(attachment, ocr=False)))
    if scans_can_matter([doc for _, doc in read]):
        read = [(att, read_scan(att, doc) if _unread_scan(doc) else doc) for att, doc in read]
    documents = [doc for _, doc in read] + [_unopened(problem) for problem in expanded.problems]
    files = {a.sha256: a for a in (*attachments, *expanded.files)}
    return Extraction(documents=tuple(documents), files=files)


def scans_can_matter(documents: list[Document]) -> bool:
    """Whether the form an unnamed scan shows could change what the mail is told; if not,
    OCR (0.2-1 s a page) is skipped and the scan stays a `scan`.

    A scan's form counts three ways: as evidence that the mail registers, as a
    报名表 that may be missing (`validators.completeness`), and as the form its
    seal is lent to (`validators.stamp`). None of them can change the answer when
    the mail's own files settle it: one 报名表 read from its text, at most one
    report (so the two pair and no 报名表 is missing), and every form read that
    must be stamped carrying its own seal (a scan's seal then decides nothing,
    whichever form it is on). Otherwise, and for a mail of scans only, OCR reads them.
    """
    if not any(_unread_scan(doc) for doc in documents):
        return False
    read = [doc for doc in documents if doc.error is None and doc.fields and doc.recognised_by is Recognition.CONTENT]
    forms = [doc for doc in read if doc.kind is DocumentKind.ENTRY_FORM]
    reports = [doc for doc in documents if doc.kind is DocumentKind.QC_REPORT and doc.error is None]
    stamped = all(doc.stamp is Stamp.PRESENT for doc in read if (spec := spec_for(doc.kind)) and spec.needs_seal)
    return not (len(forms) == 1 and len(reports) <= 1 and stamped)


def _unread_scan(doc: Document) -> bool:
    """A scan or photo that neither its name nor its caption names."""
    return doc.kind is DocumentKind.SCAN and doc.error is None and doc.recognised_by is None


def _unopened(problem: Problem) -> Document:
    return Document(filename=problem.origin or problem.filename, sha256=problem.sha256, kind=DocumentKind.OTHER,
                    error=problem.reason, source_format=PurePath(problem.filename).suffix.lower().lstrip("."))
