"""Which form a document is: its title and the set of its labels, per form.

Every form of `forms.FORMS` reads the document and is scored: a title
match weighs most, then the share of its labels (and list headers) found;
the file name only breaks ties. Without its own title a document is a form
only when it also has labels that form alone has (`FormSpec.signature`):
another event's 报名回执 shares 单位名称, 联系人 and 电话 with ours, not
课题类型 or 小组活动指导者. A text that works out the steps of a QC project
under headings (`steps.worked_steps`) is the results report, however its
author worded them; length alone makes nothing a report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.extractors.forms import ENTRY_FORM, FORMS, FormSpec
from intake.extractors.labels import normalise
from intake.extractors.layout import Content, Table
from intake.extractors.pairs import read_fields, read_fields_found
from intake.extractors.rows import read_rows
from intake.extractors.steps import headings, step_of, worked_steps
from intake.base.model import DocumentKind, Provenance

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
SIGNATURE_MIN = 2    # labels of the form's own (`FormSpec.signature`) an untitled form needs
REPORT_STEPS_MIN = 4  # steps of a QC project worked out under their headings
STEP_CHARS = 40      # text under a heading that makes the step worked out, not listed
REPORT_CHARS = 300   # a report is at least this long


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
    signature: int = 0   # labels only this form has, found
    # How each field was found (see `pairs`); empty for reports and scans.
    provenance: dict[str, Provenance] = field(default_factory=dict)


def recognise(content: Content, filename: str) -> Reading:
    """The best reading of `content`: a form, the QC report, or OTHER."""
    text = content.text()
    head = normalise(text)[:HEAD_CHARS]
    name = normalise(filename)
    best = max((_read(content, spec, head, name) for spec in FORMS), key=lambda r: r.score)
    if best.titled:  # a form's own title decides (`_is_form`): no need to weigh it as a report
        return best
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
    if reading.spec is None or reading.signature < min(SIGNATURE_MIN, len(reading.spec.signature)):
        return False
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
    signature = sum(1 for key in spec.signature if fields.get(key) is not None or key in rows)
    return Reading(spec.kind, spec, fields, rows, score, share, titled, weak, signature, provenance)


def _looks_like_report(text: str) -> bool:
    """A QC group's project (SPEC §3: 课题名称, the steps, 小组): its steps worked out under
    their headings, or a report that names its 课题名称 and at least one step."""
    norm = normalise(text)
    if len(norm) < REPORT_CHARS or not ("小组" in norm or "QC" in norm):
        return False
    if len(worked_steps(text, STEP_CHARS)) >= REPORT_STEPS_MIN:
        return True
    return "课题名称" in norm and any(step_of(line) for line in headings(text))


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
