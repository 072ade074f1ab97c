"""Is everything the notice asks for there: 报名表, report in Word, every required field?

The notice asks each team for "加盖单位公章的报名表" and "QC小组成果WORD版";
the other forms are optional, but a form that is sent must be filled in.
Nomination forms and statistics (附件3/4/6/7) concern the unit, not a QC
result: a mail holding only those lacks no 报名表.
"""
from __future__ import annotations

from intake.sort.assemble import WORD_FORMATS
from intake.extractors.forms import spec_for
from intake.base.model import Document, DocumentKind, Finding, Provenance, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review
from intake.validators.writeups import is_write_up

UNIT_FORMS = frozenset({DocumentKind.ENTERPRISE_NOMINATION, DocumentKind.PROMOTER_NOMINATION,
                        DocumentKind.TEAM_NOMINATION, DocumentKind.ACTIVITY_STATISTICS})
# Placeholders that mean "left blank": the "/" 附件6 prints between 人数 and 时数.
BLANKS = frozenset({"", "/", "／"})
# When most labels of a form were not found, the reading is in doubt, not the form.
MOSTLY_UNREAD = 0.5
# Text in a file recognised as nothing that may be a form or report written in an unknown way.
UNRECOGNISED_CHARS = 200


def check_entry_forms(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_ENTRY_FORM when a QC result came without a readable 报名表.

    Only when nothing in the mail could be the form is it missing for sure: a
    scan or photo (the notice asks for the *stamped* form, and a scan of it is
    one), or a file we could not recognise, may be the 报名表 itself, and then
    a person looks (MANUAL_REVIEW) instead of the sender being told it is missing.
    """
    readable = [doc for doc in sub.documents if doc.error is None]
    if not readable:
        return []  # NO_DOCUMENTS already says it
    orphans = [p.report for p in sub.pairings if p.entry_form is None and not is_write_up(p.report)]
    if any(p.entry_form for p in sub.pairings) and not orphans:
        return []
    if not orphans and _unit_material_only(readable):
        names = "、".join(dict.fromkeys(form_name(doc.kind) for doc in readable if doc.kind in UNIT_FORMS))
        return [review("MANUAL_REVIEW", f"邮件只含{names}，没有报名表和成果报告，"
                                        "可能是对此前报名的补充材料，请人工归档。")]
    if sub.link_files:
        return []  # the form may be among the linked files: LINK_ONLY_ATTACHMENT asks for them
    if stand_ins := _possible_entry_forms(readable):
        names = "、".join(f"《{doc.filename}》" for doc in stand_ins[:3])
        return [review("MANUAL_REVIEW", f"未读到可编辑的报名表（附件2），{names}可能就是报名表（扫描件、照片或"
                                        "格式改动较大的文件），请人工核对并登记。", document=stand_ins[0].filename)]
    if orphans:
        return [deficiency("MISSING_ENTRY_FORM", f"成果报告《{r.filename}》没有对应的报名表（附件2）。",
                           document=r.filename) for r in orphans]
    return [deficiency("MISSING_ENTRY_FORM", "未找到报名表（附件2：竞赛活动报名表）。")]


def _possible_entry_forms(readable: list[Document]) -> list[Document]:
    """Files that may be the 报名表 though it was not read from them."""
    return [doc for doc in readable
            if doc.kind in (DocumentKind.ENTRY_FORM, DocumentKind.SCAN) and not doc.fields
            or _unrecognised_text(doc)]


def _unrecognised_text(doc: Document) -> bool:
    """A document with text of its own that matched no form and no report."""
    return doc.kind is DocumentKind.OTHER and not is_write_up(doc) and len(doc.text.strip()) >= UNRECOGNISED_CHARS


def _unit_material_only(readable: list[Document]) -> bool:
    kinds = {doc.kind for doc in readable if not is_write_up(doc)}
    return bool(kinds & UNIT_FORMS) and kinds <= UNIT_FORMS | {DocumentKind.OTHER, DocumentKind.PRESENTATION,
                                                           DocumentKind.SCAN}


def check_reports(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_QC_REPORT, or QC_REPORT_NOT_WORD when it came only as PDF or image.

    A file of substantial text that was recognised as nothing may be the report
    written in a way we do not know: then a person looks (MANUAL_REVIEW).
    """
    findings = []
    unrecognised = [doc for doc in sub.documents if doc.error is None and _unrecognised_text(doc)]
    for pairing in sub.pairings:
        if pairing.entry_form is None:
            continue
        topic = pairing.field("课题名称") or ""
        if pairing.report is None and sub.link_files:
            continue  # the report may be among the linked files: LINK_ONLY_ATTACHMENT asks for them
        if pairing.report is None and unrecognised:
            names = "、".join(f"《{doc.filename}》" for doc in unrecognised[:3])
            findings.append(review("MANUAL_REVIEW", f"课题“{topic}”未识别出成果报告，{names}可能就是成果报告，"
                                                    "请人工核对。", document=pairing.entry_form.filename))
        elif pairing.report is None:
            findings.append(deficiency("MISSING_QC_REPORT", f"课题“{topic}”缺少QC小组成果报告（Word版）。",
                                       document=pairing.entry_form.filename))
        elif pairing.report.source_format not in WORD_FORMATS:
            findings.append(deficiency(
                "QC_REPORT_NOT_WORD", f"成果报告为{pairing.report.source_format.upper() or '非Word'}格式，"
                "通知要求提交QC小组成果WORD版。", document=pairing.report.filename))
    return findings


def check_required_fields(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """MISSING_FIELD for each required field left empty, on every form that was read.

    Only a confident reading is "empty" (the label found, its value cell blank, or
    a check-box list with nothing ticked); a label never found, or a value placed
    by inference, is unknown and goes to a person (see `intake.validators`).
    """
    findings = []
    for doc in sub.documents:
        if is_read_form(doc):
            findings += _missing_fields(doc)
    return findings


def _missing_fields(doc: Document) -> list[Finding]:
    required = [f.name for f in spec_for(doc.kind).fields if f.required]
    absent = [name for name in required if name not in doc.fields]
    name = form_name(doc.kind)
    if required and len(absent) > MOSTLY_UNREAD * len(required):
        return [review("MANUAL_REVIEW", f"未能从{name}中识别出多数栏目（如“{'”“'.join(absent[:3])}”），"
                                        "表格可能改动较大，请人工核对是否填写完整。", document=doc.filename)]
    blank = [field for field in required if _is_blank(field, doc.fields.get(field))]
    findings = [deficiency("MISSING_FIELD", f"{name}中“{field}”一栏{_unfilled(doc, field)}。",
                           document=doc.filename, field=field)
                for field in blank if doc.confident(field)]
    unsure = [field for field in blank if not doc.confident(field)]
    if unsure:
        listed = "“" + "”“".join(unsure) + "”"
        findings.append(review("MANUAL_REVIEW", f"未能确定{name}中{listed}是否已填写（未找到该栏，或其内容位置"
                                                "由表格版式推断），请人工核对。",
                               document=doc.filename, field=unsure[0] if len(unsure) == 1 else None))
    return findings


def _unfilled(doc: Document, field: str) -> str:
    return "未勾选任何选项" if doc.provenance.get(field) is Provenance.CHECKBOX else "未填写"


def _is_blank(field: str, value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (int, float)):
        return field == "人数" and value == 0
    return str(value).strip() in BLANKS
