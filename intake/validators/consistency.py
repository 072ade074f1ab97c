"""Do the documents of one submission say the same thing about the group?

报名表 (附件2), 注册登记表 (附件5) and 推荐汇总表 (附件8) must agree on the
group's name, its 课题类型 and its size; a form's 人数 must match the member
rows it lists (附件5, 附件6). Documents of earlier mails of the same
registration take part, as the pipeline merges them in. Names are compared
loosely ("创新工作室QC小组" = "创新工作室 QC 小组"); a leader listed only
in the 组长 row counts as a member. A disagreement is a deficiency only when
every value it rests on was read with confidence; otherwise a person checks it.
"""
from __future__ import annotations

from intake.base.model import Document, DocumentKind, Finding, Submission
from intake.validators.context import RuleContext, deficiency, form_name, is_read_form, review
from intake.validators.names import group_key, plain, unit_key
from intake.validators.topic import topic_type_of

SUMMARY_RESULTS = "优秀质量管理小组活动成果"
LONGEST_NAME = 12


def member_names(doc: Document) -> list[str]:
    """Names in a form's member rows; text that cannot be a name (a merged note row) is skipped."""
    names = []
    for row in doc.rows.get("成员", []):
        name = plain(row.get("姓名"))
        if name and len(name) <= LONGEST_NAME and not any(c in name for c in "\n:："):
            names.append(name)
    return names


def headcount(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _inconsistent(detail: str, document: str, sure: bool = True) -> Finding:
    """A deficiency only from confident readings (see `intake.validators`), else a review flag."""
    if sure:
        return deficiency("INCONSISTENT_DOCUMENTS", detail, document=document)
    return review("MANUAL_REVIEW", detail + "其中的栏目内容由表格版式推断，请人工核对。", document=document)


def check_consistency(sub: Submission, ctx: RuleContext) -> list[Finding]:
    forms = [p.entry_form for p in sub.pairings if p.entry_form is not None]
    findings: list[Finding] = []
    for doc in sub.documents:
        if not is_read_form(doc) and not (doc.kind is DocumentKind.NOMINATION_SUMMARY and doc.rows):
            continue
        if doc.kind is DocumentKind.GROUP_REGISTRATION:
            findings += _registration(doc, forms, ctx.competition.topic_types)
        elif doc.kind is DocumentKind.NOMINATION_SUMMARY:
            findings += [f for form in forms for f in _summary(doc, form, single=len(forms) == 1)]
        elif doc.kind is DocumentKind.TEAM_NOMINATION:
            findings += _team(doc)
    return findings


def _form_for(registration: Document, forms: list[Document]) -> Document | None:
    key = group_key(registration.fields.get("小组名称"))
    same = [f for f in forms if key and group_key(f.fields.get("QC小组名称")) == key]
    return same[0] if same else (forms[0] if len(forms) == 1 else None)


def _registration(reg: Document, forms: list[Document], allowed: tuple[str, ...]) -> list[Finding]:
    form = _form_for(reg, forms)
    if form is None:
        if forms:
            name = plain(reg.fields.get("小组名称"))
            return [review("MANUAL_REVIEW", f"注册登记表中的小组名称“{name}”与本次各报名表均不对应，请人工归档。",
                           document=reg.filename)]
        return []
    other, findings = f"{form_name(reg.kind)}《{reg.filename}》", []
    group, registered = plain(form.fields.get("QC小组名称")), plain(reg.fields.get("小组名称"))
    if group and registered and group_key(group) != group_key(registered):
        findings.append(_inconsistent(f"报名表中的小组名称为“{group}”，{other}中为“{registered}”，两者不一致。",
                                      form.filename, form.confident("QC小组名称") and reg.confident("小组名称")))
    ours, theirs = topic_type_of(form.fields.get("课题类型"), allowed), topic_type_of(reg.fields.get("课题类型"), allowed)
    if ours and theirs and ours != theirs:
        findings.append(_inconsistent(f"报名表中的课题类型为“{ours}”，{other}中为“{theirs}”，两者不一致。",
                                      form.filename, form.confident("课题类型") and reg.confident("课题类型")))
    findings += _size(form, reg, other, leader=plain(reg.fields.get("组长姓名")))
    return findings


def _size(form: Document, listing: Document, other: str, leader: str) -> list[Finding]:
    people, names = headcount(form.fields.get("人数")), member_names(listing)
    if people is None or not names:
        return []
    listed = len(names) + (1 if leader and leader not in names else 0)
    if listed == people:
        return []
    return [_inconsistent(f"报名表中的人数为{people}人，{other}列出的小组成员（含组长）为{listed}人，两者不一致。",
                          form.filename, form.confident("人数") and (not leader or listing.confident("组长姓名")))]


def _summary(summary: Document, form: Document, single: bool) -> list[Finding]:
    """The 报名表 against its row in section 一 (found by group name, or the only row for the only form)."""
    key, listed_rows = group_key(form.fields.get("QC小组名称")), summary.rows.get(SUMMARY_RESULTS, [])
    rows = [r for r in listed_rows if key and group_key(r.get("小组名称")) == key]
    if not rows and single and len(listed_rows) == 1:
        rows = listed_rows
    if not rows:
        return []
    row, other, findings = rows[0], f"{form_name(summary.kind)}《{summary.filename}》", []
    group, theirs_group = plain(form.fields.get("QC小组名称")), plain(row.get("小组名称"))
    if group and theirs_group and group_key(group) != group_key(theirs_group):
        findings.append(_inconsistent(f"报名表中的小组名称为“{group}”，{other}中为“{theirs_group}”，两者不一致。",
                                      form.filename, form.confident("QC小组名称")))
    ours, theirs = plain(form.fields.get("企业名称")), plain(row.get("企业名称"))
    if ours and theirs and unit_key(ours) != unit_key(theirs):
        findings.append(_inconsistent(f"报名表中的企业名称为“{ours}”，{other}中为“{theirs}”，两者不一致。",
                                      form.filename, form.confident("企业名称")))
    people, listed = headcount(form.fields.get("人数")), headcount(row.get("小组人数"))
    if people and listed and people != listed:
        findings.append(_inconsistent(f"报名表中的人数为{people}人，{other}中的小组人数为{listed}人，两者不一致。",
                                      form.filename, form.confident("人数")))
    return findings


def _team(team: Document) -> list[Finding]:
    people, names = headcount(team.fields.get("人数")), member_names(team)
    if people is None or not names:
        return []
    leader = plain(team.fields.get("班组长"))
    listed = len(names) + (1 if leader and leader not in names else 0)
    if listed == people:
        return []
    return [_inconsistent(f"{form_name(team.kind)}中的人数为{people}人，表中列出的班组成员（含班组长）为{listed}人，"
                          "两者不一致。", team.filename, team.confident("人数"))]
