"""各会员单位限推荐 1 个优秀企业、1 名优秀推进者, across all the unit's mails.

The unit of a 优秀企业报名表 (附件3) is the 企业名称 on it, of a 优秀推进者
报名表 (附件4) the 所在单位; names are compared as `names.unit_key` does.
A nomination the sender is correcting (a reply to our receipt, or one citing
its 总编号) replaces the earlier one and is not counted twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from intake.base.model import Document, DocumentKind, Finding, Submission
from intake.base.times import cn_date
from intake.validators.context import EarlierNomination, RuleContext, deficiency, form_name, is_read_form
from intake.validators.names import plain, unit_key


@dataclass(frozen=True)
class Nomination:
    award: str
    unit_field: str
    nominee_field: str
    limit: str    # the CompetitionSettings attribute
    counter: str  # 个 or 名
    name_nominee: bool  # a person is named in the reply; an enterprise is the unit itself


NOMINATIONS = {
    DocumentKind.ENTERPRISE_NOMINATION: Nomination("优秀企业", "企业名称", "企业名称", "enterprise_nominations_per_unit",
                                                   "个", False),
    DocumentKind.PROMOTER_NOMINATION: Nomination("优秀推进者", "所在单位", "姓名", "promoter_nominations_per_unit",
                                                 "名", True),
}


def unit_of(doc: Document) -> str:
    return unit_key(doc.fields.get(NOMINATIONS[doc.kind].unit_field))


def nominee_of(doc: Document) -> str:
    return plain(doc.fields.get(NOMINATIONS[doc.kind].nominee_field))


def check_nominations(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    in_mail: dict[tuple[DocumentKind, str], list[Document]] = {}
    for doc in sub.documents:
        if doc.kind not in NOMINATIONS or not is_read_form(doc) or not (unit := unit_of(doc)):
            continue
        rule = NOMINATIONS[doc.kind]
        limit = getattr(ctx.competition, rule.limit)
        earlier = ctx.history.nominations.get((doc.kind, unit), ())
        here = in_mail.setdefault((doc.kind, unit), [])
        if len(earlier) + len(here) >= limit:
            findings.append(_over(doc, rule, limit, earlier, here, ctx))
        here.append(doc)
    return findings


def _over(doc: Document, rule: Nomination, limit: int, earlier: tuple[EarlierNomination, ...],
          here: list[Document], ctx: RuleContext) -> Finding:
    unit, form = plain(doc.fields.get(rule.unit_field)), form_name(doc.kind)
    if earlier:
        first = earlier[0]
        who = f"（推荐{first.nominee}）" if rule.name_nominee and first.nominee else ""
        before = (f"“{unit}”已于{cn_date(first.received_at, ctx.competition.timezone)}报送过{form}"
                  f"《{first.filename}》{who}")
        hint = "如本次为修改稿，请直接回复原回执邮件重新发送，新稿将替换原稿。"
    else:
        before = f"本邮件中已有“{unit}”的{form}《{here[0].filename}》"
        hint = ""
    return deficiency("NOMINATION_LIMIT", f"{before}，各会员单位限推荐{limit}{rule.counter}{rule.award}。{hint}",
                      document=doc.filename)
