"""Turn read `Content` into a `Document`: kind, typed fields, lists, seal."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from intake.extractors.checkbox import read_choice
from intake.extractors.forms import FormSpec, RowGroup
from intake.extractors.labels import normalise
from intake.extractors.layout import Content, report_layout
from intake.extractors.ocr import recognise_scan
from intake.extractors.recognise import Reading, kind_from_name, recognise
from intake.extractors.stamp import detect_stamp, stamp_of_pictures
from intake.base.model import Attachment, Document, DocumentKind, Provenance, Recognition

_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:[%‰]|[^\d\s.]{1,4})?\s*$")
# Characters of text per picture under which a document is a scan with a caption.
THIN_TEXT = 30


# Pages to OCR, produced only when asked for (rendering and OCR are slow).
PageSource = Callable[[], Iterable[bytes]]


def document_from(attachment: Attachment, content: Content, ocr_pages: PageSource | None = None, *,
                  ocr: bool = True) -> Document:
    """The document a reader's content is: a recognised form, report, scan or other.

    Pictures with next to no text are a scan (scanner apps print a line such as
    "Scanned with CamScanner" on every page); `ocr_pages` gives its pages for OCR
    (an image-only PDF's pages rendered finely), else its largest pictures are read;
    without `ocr`, a scan its name does not name stays a `scan`.
    """
    reading = recognise(content, attachment.filename)
    how = None if reading.kind is DocumentKind.OTHER else Recognition.CONTENT
    text = content.text()
    pages = max(len(content.pictures), content.scanned_pages)
    if reading.kind is DocumentKind.OTHER and content.pictures and _thin(text, pages):
        largest = sorted(content.pictures, key=lambda p: len(p.data), reverse=True)
        reading, how = _picture_only(attachment.filename, ocr_pages or (lambda: (p.data for p in largest)),
                                     hint=text, ocr=ocr)
    stamp, evidence = stamp_of_pictures(content.pictures) if _seal_counts(reading) else (None, None)
    fields, provenance = _typed_fields(reading)
    return Document(
        filename=attachment.filename, sha256=attachment.sha256, kind=reading.kind,
        stamp=stamp, fields=fields,
        rows=report_layout(content) if reading.kind is DocumentKind.QC_REPORT else _typed_rows(reading),
        text=content.full_text(), stamp_evidence=evidence,
        source_format=content.source_format, provenance=provenance, recognised_by=how)


def image_document(attachment: Attachment, source_format: str, *, ocr: bool = True) -> Document:
    """A photo or scan: the form its file name names, else the one OCR reads (else
    `scan`); the seal from its pixels, where it counts."""
    reading, how = _picture_only(attachment.filename, lambda: (attachment.payload,), ocr=ocr)
    stamp, evidence = detect_stamp(attachment.payload) if _seal_counts(reading) else (None, None)
    return Document(filename=attachment.filename, sha256=attachment.sha256, kind=reading.kind,
                    stamp=stamp, stamp_evidence=f"{attachment.filename}: {evidence}" if evidence else None,
                    source_format=source_format, recognised_by=how)


def read_by_ocr(attachment: Attachment, scan: Document, pages: PageSource) -> Document:
    """`scan`, read without OCR and left a `scan`, with the form OCR finds on its pages;
    the rest of its reading (its text, its seal where it counts) stands."""
    reading, how = _picture_only(attachment.filename, pages)
    if reading.kind is DocumentKind.SCAN:
        return scan
    if _seal_counts(reading):
        return replace(scan, kind=reading.kind, recognised_by=how)
    return replace(scan, kind=reading.kind, recognised_by=how, stamp=None, stamp_evidence=None)


def _seal_counts(reading: Reading) -> bool:
    """A seal is looked for where it can count: on a scan (it is lent to the form the
    scan shows) and on a form that must be stamped."""
    return reading.kind is DocumentKind.SCAN or bool(reading.spec and reading.spec.needs_seal)


def failed(attachment: Attachment, source_format: str, reason: str,
           kind: DocumentKind | None = None) -> Document:
    """A document that could not be read; the kind is a guess from the file name."""
    if kind is None:
        spec = kind_from_name(attachment.filename)
        kind = spec.kind if spec else DocumentKind.OTHER
    return Document(filename=attachment.filename, sha256=attachment.sha256, kind=kind,
                    error=reason, source_format=source_format)


def to_number(text: str) -> int | float | str:
    """'6', '６人', '98.5%' → 6, 6, 98.5; anything else stays text for the validators."""
    match = _NUMBER.match(unicodedata.normalize("NFKC", text).replace(",", ""))
    if not match:
        return text
    value = match.group(1)
    return float(value) if "." in value else int(value)


def _thin(text: str, pictures: int) -> bool:
    """Too little text to be a form: a caption or a scanner app's line per picture."""
    return len(normalise(text)) <= THIN_TEXT * max(1, pictures)


def _picture_only(filename: str, pages: PageSource, hint: str = "", ocr: bool = True) -> tuple[
        Reading, Recognition | None]:
    """A scan: the form its file name (or its caption) names, else the form OCR
    reads on it (when `ocr`), else `scan`; with how the kind was told.

    OCR's fields are not kept: the Word version of a form supplies them (SPEC §3),
    the scan lends its seal.
    """
    spec = kind_from_name(filename) or (kind_from_name(hint) if hint.strip() else None)
    if spec:
        return Reading(spec.kind, spec), Recognition.FILE_NAME
    found = recognise_scan(pages(), filename) if ocr else None
    return (Reading(found.kind, found.spec), Recognition.OCR) if found else (Reading(DocumentKind.SCAN), None)


def _typed_fields(reading: Reading) -> tuple[dict[str, Any], dict[str, Provenance]]:
    """Values typed by the form's description, with how each was found.

    A report's fields (its 课题名称: a labelled line or its title line) are
    INFERRED; a short field written as a check-box list becomes its ticked
    option(s), CHECKBOX when the list reads for certain and its label was exact.
    """
    if reading.spec is None:
        return dict(reading.fields), dict.fromkeys(reading.fields, Provenance.INFERRED)
    values, provenance = dict(reading.fields), dict(reading.provenance)
    for field in reading.spec.fields:
        choice = read_choice(values[field.name]) if values.get(field.name) and not field.long_text else None
        if choice is None:
            continue
        if choice.sure:
            values[field.name] = choice.value
            if provenance.get(field.name) is Provenance.EXACT:
                provenance[field.name] = Provenance.CHECKBOX
        else:
            provenance[field.name] = Provenance.INFERRED
    return _typed(values, reading.spec.fields), provenance


def _typed_rows(reading: Reading) -> dict[str, list[dict[str, Any]]]:
    spec: FormSpec | None = reading.spec
    if spec is None:
        return {}
    groups: dict[str, RowGroup] = {g.name: g for g in spec.rows}
    return {name: [_typed(r, groups[name].columns) for r in records]
            for name, records in reading.rows.items()}


def _typed(values: dict[str, str], fields) -> dict[str, Any]:
    numeric = {f.name for f in fields if f.numeric}
    return {k: to_number(v) if k in numeric and v else v for k, v in values.items()}
