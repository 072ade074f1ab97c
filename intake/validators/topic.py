"""课题类型 must be one the notice allows (问题解决型 or 创新型), on the 报名表
and on the 注册登记表 (附件5: "课题类型必须注明：问题解决型、创新型").

A check-box list arrives as its ticked option(s) (`extractors.checkbox`).
INVALID_TOPIC_TYPE only from a confident reading (the value beside its label,
or a check-box list read for certain); an unsure one goes to a person."""
from __future__ import annotations

import re

from intake.base.model import Document, DocumentKind, Finding, Provenance, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review
from intake.validators.names import plain

TICKED = "☑√✓✔■●▇"
# Types of the former standard: all are 问题解决型 today (T/CAQ 10201—2020).
FORMER_TYPES = ("现场型", "服务型", "攻关型", "管理型")


def topic_type_of(value: object, allowed: tuple[str, ...]) -> str | None:
    """The one allowed type a value states ("☑创新型 □问题解决型" → 创新型), else None."""
    text = re.sub(r"\s+", "", plain(value))
    named = [t for t in allowed if t in text]
    if len(named) == 1:
        return named[0]
    ticked = [t for t in named if text[max(0, text.find(t) - 1):text.find(t)] in tuple(TICKED)]
    return ticked[0] if len(ticked) == 1 else None


def check_topic_type(sub: Submission, ctx: RuleContext) -> list[Finding]:
    allowed = ctx.competition.topic_types
    forms = [doc for doc in sub.documents if is_read_form(doc)
             and doc.kind in (DocumentKind.ENTRY_FORM, DocumentKind.GROUP_REGISTRATION)]
    return [finding for doc in forms if (finding := _check(doc, allowed))]


def _check(doc: Document, allowed: tuple[str, ...]) -> Finding | None:
    value = plain(doc.fields.get("课题类型"))
    if not value or topic_type_of(value, allowed):
        return None  # an empty field is MISSING_FIELD's to report
    options = "或".join(f"“{t}”" for t in allowed)
    if not doc.confident("课题类型"):
        return review("MANUAL_REVIEW", f"{form_name(doc.kind)}的课题类型读作“{value}”，未能确定所填写或勾选的类型"
                                       f"（应为{options}），请人工核对。", document=doc.filename, field="课题类型")
    if doc.provenance.get("课题类型") is Provenance.CHECKBOX and sum(t in value for t in allowed) > 1:
        why = f"{form_name(doc.kind)}的课题类型同时勾选了“{value}”，请只勾选一种：{options}。"
    elif sum(t in value for t in allowed) > 1:
        why = f"{form_name(doc.kind)}的课题类型同时写了“{value}”，请只保留一种：{options}。"
    elif any(t in value for t in FORMER_TYPES):
        why = (f"{form_name(doc.kind)}的课题类型填写为“{value}”，按现行准则只能填写{options}"
               f"（{'、'.join(FORMER_TYPES)}课题均属于问题解决型）。")
    else:
        why = f"{form_name(doc.kind)}的课题类型填写为“{value}”，只能填写{options}。"
    return deficiency("INVALID_TOPIC_TYPE", why, document=doc.filename, field="课题类型")
