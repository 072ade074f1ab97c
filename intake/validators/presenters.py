"""每个参赛团队由 2 至 5 人发表: count the presenters where they are listed.

The 报名表 has no printed 发表人 row, so people add one, or name the
presenters in the mail ("发表人：张三、李四"). Either is the sender's own
statement and is checked strictly. A report cover's 发表人/发布人 line may
name only the main speaker, so there a person judges, and so does a
person when the form's 发表人 value was not read with confidence.
"""
from __future__ import annotations

import re

from intake.base.model import Finding, Pairing, Submission
from intake.validators.context import RuleContext, deficiency, review
from intake.validators.names import person_names, plain
from intake.base.text import lines, own_words

_LISTED = re.compile(r"^(发表人员?|发表人姓名|发言人)\s*[:：]\s*(.+)$")
_COVER = re.compile(r"^(发表人员?|发布人)\s*[:：]\s*(.+)$")
_COUNT = re.compile(r"^(\d+)\s*(人|名)?$|等\s*(\d+)\s*(人|名)")
_UNDECIDED = re.compile(r"待定|未定|暂无|另行|后补|稍后|确定后")
COVER_LINES = 15


def presenters_in(value: object) -> list[str] | int:
    """Names listed, or a bare number ("3人")."""
    text = plain(value)
    count = _COUNT.search(text)
    return int(count.group(1) or count.group(3)) if count else person_names(text)


def _in_lines(text: str, pattern: re.Pattern, limit: int | None = None) -> str | None:
    for line in lines(text)[:limit]:
        if match := pattern.match(line):
            return match.group(2)
    return None


def _describe(found: list[str] | int) -> tuple[int, str]:
    if isinstance(found, int):
        return found, f"{found}人"
    return len(found), f"{len(found)}人（{'、'.join(found)}）"


def check_presenters(sub: Submission, ctx: RuleContext) -> list[Finding]:
    low, high = ctx.competition.presenters_min, ctx.competition.presenters_max
    forms = [p for p in sub.pairings if p.entry_form is not None]
    findings = []
    for pairing in forms:
        source, value = _source(pairing, sub, single=len(forms) == 1)
        if value is None or _UNDECIDED.search(value):
            continue
        count, said = _describe(presenters_in(value))
        if not count or low <= count <= high:
            continue
        document = pairing.entry_form.filename if source != "cover" else pairing.report.filename
        if source == "cover":
            findings.append(review("MANUAL_REVIEW", f"成果报告封面列出的发表人为{said}，每个参赛团队应由{low}至{high}人"
                                                    "发表，请人工核对（封面可能只列主讲人）。", document=document))
            continue
        where = "报名表中“发表人”一栏" if source == "form" else "邮件正文中的发表人"
        if source == "form" and not pairing.entry_form.confident("发表人"):  # deficiency only from a confident reading
            findings.append(review("MANUAL_REVIEW", f"{where}读作{said}，每个参赛团队应由{low}至{high}人发表；"
                                                    "该栏内容位置由表格版式推断，请人工核对。",
                                   document=document, field="发表人"))
            continue
        findings.append(deficiency("PRESENTER_COUNT", f"{where}为{said}，每个参赛团队应由{low}至{high}人发表。",
                                   document=document, field="发表人" if source == "form" else None))
    return findings


def _source(pairing: Pairing, sub: Submission, single: bool) -> tuple[str, str | None]:
    """Where the presenters of one result are listed: the form, the mail, the report cover."""
    value = plain(pairing.field("发表人"))
    if value:
        return "form", value
    if single and (value := _in_lines(own_words(sub.mail.body_text), _LISTED)):
        return "mail", value
    if pairing.report is not None and (value := _in_lines(pairing.report.text, _COVER, COVER_LINES)):
        return "cover", value
    return "", None
