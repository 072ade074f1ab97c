"""附件7 活动统计表: do its figures agree with themselves and with the period?

The table holds rates, not the counts behind them (参加人数, 职工总数,
取得成果小组数 are not asked for), so only what the form itself allows is
checked: rates between 0 and 100; 成果率 = 取得成果小组数/注册数 must be
reachable with a whole number of groups; parts not larger than wholes;
the period printed on the form is the notice's. Disagreements go to a
person (STATISTICS_MISMATCH), never back to the sender.
"""
from __future__ import annotations

import re
from datetime import date

from intake.base.model import Document, DocumentKind, Finding, Submission
from intake.validators.context import RuleContext, is_read_form, review
from intake.validators.names import plain

RATES = ("QC小组普及率", "QC小组成果率")
# (part, whole, factor applied to the whole): 累计数 is in 万个.
NOT_LARGER = (("坚持活动QC小组数", "本年度注册QC小组数", 1), ("本年度注册QC小组数", "累计注册QC小组数", 10000),
              ("本年度推荐班组数", "累计推荐班组数", 1))
_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*[—–\-~～至到]+\s*"
                     r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _rate_problems(fields: dict) -> list[str]:
    problems = [f"{name}为{rate:g}%，不在0～100%之间" for name in RATES
                if (rate := _number(fields.get(name))) is not None and not 0 <= rate <= 100]
    rate, groups = _number(fields.get("QC小组成果率")), _number(fields.get("本年度注册QC小组数"))
    if rate is not None and 0 <= rate <= 100 and groups and groups == int(groups):
        tolerance = 1.0 if isinstance(fields.get("QC小组成果率"), int) else 0.1
        if all(abs(k / groups * 100 - rate) > tolerance + 1e-9 for k in range(int(groups) + 1)):
            problems.append(f"QC小组成果率{rate:g}%与注册小组数{int(groups)}个对不上"
                            "（取得成果小组数应为整数）")
    return problems


def _size_problems(fields: dict) -> list[str]:
    problems = []
    for part, whole, factor in NOT_LARGER:
        a, b = _number(fields.get(part)), _number(fields.get(whole))
        if a is not None and b is not None and a > b * factor:
            problems.append(f"“{part}”（{a:g}）大于“{whole}”（{b:g}）")
    return problems


def _period_problems(doc: Document, start: date, end: date) -> list[str]:
    match = _PERIOD.search(plain(doc.text[:2000]))
    if not match:
        return []
    y1, m1, d1, y2, m2, d2 = (int(g) for g in match.groups())
    try:
        found = (date(y1, m1, d1), date(y2, m2, d2))
    except ValueError:
        return [f"统计期间“{match.group(0)}”不是有效日期"]
    if found == (start, end):
        return []
    return [f"统计期间为{_cn(found[0])}至{_cn(found[1])}，通知要求为{_cn(start)}至{_cn(end)}"]


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_statistics(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for doc in sub.documents:
        if doc.kind is not DocumentKind.ACTIVITY_STATISTICS or not is_read_form(doc):
            continue
        problems = (_rate_problems(doc.fields) + _size_problems(doc.fields)
                    + _period_problems(doc, ctx.competition.statistics_start, ctx.competition.statistics_end))
        if problems:
            findings.append(review("STATISTICS_MISMATCH", "活动统计表（附件7）中" + "；".join(problems) + "，请人工核对。",
                                   document=doc.filename))
    return findings
