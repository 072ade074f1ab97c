"""Which form a document is: its title and the set of its labels, per form.

Every form of `forms.FORMS` reads the document and is scored: a title
match weighs most, then the share of its labels (and list headers) found;
the file name only breaks ties. A long text with the steps of a QC report
and few form labels is the results report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.extractors.forms import ENTRY_FORM, FORMS, REPORT_STEPS, FormSpec
from intake.extractors.labels import normalise
from intake.extractors.layout import Content, Table
from intake.extractors.pairs import read_fields, read_fields_found
from intake.extractors.rows import read_rows
from intake.model import DocumentKind, Provenance

TITLE = 2.0          # the form's own title in the document's head
WEAK_TITLE = 0.5     # a generic word such as "报名表"
LABELS = 3.0         # times the share of labels found
FILE_NAME = 0.3      # a title word in the file name
# Without its title a form needs this share of its labels; with only a
# generic title word less; a text that reads like a report needs more.
SHARE_UNTITLED = 0.6
SHARE_WEAK_TITLE = 0.4
SHARE_IN_REPORT = 0.85
HEAD_CHARS = 200     # where a title is looked for
REPORT_STEPS_MIN = 2
REPORT_CHARS = 3000  # a text this long without form labels is a report


@dataclass(frozen=True)
class Reading:
    """The recognised kind with what its form description read."""

    kind: DocumentKind
    spec: FormSpec | None = None
    fields: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    score: float = 0.0
    share: float = 0.0   # of the form's labels found
    titled: bool = False  # the form's own title is in the head
    weak_title: bool = False
    # How each field was found (see `pairs`); empty for reports and scans.
    provenance: dict[str, Provenance] = field(default_factory=dict)


def recognise(content: Content, filename: str) -> Reading:
    """The best reading of `content`: a form, the QC report, or OTHER."""
    text = content.text()
    head = normalise(text)[:HEAD_CHARS]
    name = normalise(filename)
    best = max((_read(content, spec, head, name) for spec in FORMS), key=lambda r: r.score)
    report = _looks_like_report(text)
    if _is_form(best, report):
        return best
    if report:
        return Reading(DocumentKind.QC_REPORT, None, _report_fields(content), score=best.score)
    return Reading(DocumentKind.OTHER, score=best.score)


def kind_from_name(filename: str) -> FormSpec | None:
    """The form a file name names ("报名表扫描件.jpg"), for scans without text."""
    name = normalise(filename)
    for spec in FORMS:
        if any(normalise(t) in name for t in spec.titles):
            return spec
    return ENTRY_FORM if any(normalise(t) in name for t in ENTRY_FORM.weak_titles) else None


def _is_form(reading: Reading, report_like: bool) -> bool:
    if reading.titled:
        return True
    if report_like:
        return reading.share >= SHARE_IN_REPORT
    return reading.share >= (SHARE_WEAK_TITLE if reading.weak_title else SHARE_UNTITLED)


def _read(content: Content, spec: FormSpec, head: str, name: str) -> Reading:
    rows, used = read_rows(content, spec)
    fields, provenance = read_fields_found(content, spec, used)
    required = [f for f in spec.fields if f.required] or list(spec.fields)
    found = sum(f.name in fields for f in required) + len(rows)
    share = found / (len(required) + len(spec.rows))
    titled = any(normalise(t) in head for t in spec.titles)
    weak = any(normalise(t) in head for t in spec.weak_titles)
    score = LABELS * share + (TITLE if titled else WEAK_TITLE if weak else 0.0)
    if any(normalise(t) in name for t in spec.titles):
        score += FILE_NAME
    return Reading(spec.kind, spec, fields, rows, score, share, titled, weak, provenance)


def _looks_like_report(text: str) -> bool:
    norm = normalise(text)
    steps = sum(step in norm for step in REPORT_STEPS)
    return steps >= REPORT_STEPS_MIN or len(norm) >= REPORT_CHARS


def _report_fields(content: Content) -> dict[str, str]:
    """课题名称 of a report: a labelled line, else its title paragraph."""
    labelled = read_fields(content, ENTRY_FORM).get("课题名称")
    if labelled:
        return {"课题名称": labelled}
    return {"课题名称": _title_line(content)}


def _title_line(content: Content) -> str:
    """The first short paragraph that is not a unit, group or date line."""
    for block in content.blocks[:12]:
        if isinstance(block, Table):
            break
        line = block.strip()
        norm = normalise(line)
        if 4 <= len(norm) <= 60 and not norm.endswith(_NOT_TITLES) \
                and not norm[:1].isdigit() and not any(m in norm for m in _MARKINGS):
            return line
    return ""


_NOT_TITLES = ("公司", "QC小组", "小组", "成果报告", "成果")
# Classification marks print above a report's title.
_MARKINGS = ("★", "绝密", "机密", "秘密", "涉密", "内部资料", "注意保密")
