"""Does the results report follow the steps T/CAQ 10201—2020 prescribes for its 课题类型?

A missing step is for the secretariat's reviewers to judge (REPORT_STRUCTURE,
a review flag): headings are worded in many ways ("要因确认" for 确定主要原因,
"（三）目标可行性分析", "5.巩固措施"), so each step has its usual variants,
and a step counts as present when a heading-like line names it.
"""
from __future__ import annotations

import re

from intake.model import Document, Finding, Submission
from intake.validators.context import RuleContext, review
from intake.validators.text import lines
from intake.validators.topic import topic_type_of
from intake.validators.writeups import is_write_up

PROBLEM, INNOVATION = "问题解决型", "创新型"
CHOOSE = ("选择课题", "课题选择", "选题理由", "选题")
TARGET = ("设定目标", "目标设定", "确定目标", "制定目标", "课题目标")
MEASURES = ("制定对策", "对策制定", "对策表", "对策计划")
DO = ("对策实施", "实施对策", "按对策实施")
CHECK = ("效果检查", "检查效果", "效果验证", "效果确认", "效果评价")
SUMMARY = ("总结和下一步打算", "总结与下一步打算", "总结及下一步打算", "下一步打算", "今后打算", "总结与今后打算",
           "活动总结")
STEPS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    PROBLEM: (
        ("选择课题", CHOOSE),
        ("现状调查", ("现状调查", "现状调研", "现状分析")),
        ("设定目标", TARGET),
        ("原因分析", ("原因分析", "分析原因")),
        ("确定主要原因", ("确定主要原因", "要因确认", "确认要因", "主要原因确认", "确定要因", "确认主要原因",
                    "要因确定", "主因确认")),
        ("制定对策", MEASURES),
        ("对策实施", DO),
        ("效果检查", CHECK),
        ("制定巩固措施", ("制定巩固措施", "巩固措施", "巩固成果")),
        ("总结和下一步打算", SUMMARY),
    ),
    INNOVATION: (
        ("选择课题", CHOOSE),
        ("设定目标及目标可行性论证", TARGET + ("目标可行性论证", "目标可行性分析", "可行性论证")),
        ("提出方案并确定最佳方案", ("提出方案", "确定最佳方案", "最佳方案", "提出各种方案", "方案选择", "方案评价")),
        ("制定对策", MEASURES),
        ("对策实施", DO),
        ("效果检查", CHECK),
        ("标准化", ("标准化", "推广应用")),
        ("总结和下一步打算", SUMMARY),
    ),
}
# "一、" "1." "1.2" "（三）" "第三步" "步骤3：" "Step 2" before a heading.
_NUMBERING = re.compile(r"^([(（]?\s*([一二三四五六七八九十]+|\d+(\.\d+)*)\s*[)）、.．:：\s]\s*|第[一二三四五六七八九十\d]+[步章节部分]"
                        r"\s*[:：、]?\s*|步骤\s*\d+\s*[:：、]?\s*|step\s*\d+\s*[:：.]?\s*)+", re.I)
HEADING_CHARS = 30
SHORT_HEADING = 16
MIN_REPORT_CHARS = 800


def headings(text: str) -> list[str]:
    """Lines that can be headings, without their numbering."""
    out = []
    for line in lines(text):
        bare = _NUMBERING.sub("", line, count=1).strip()
        if bare and (len(bare) <= HEADING_CHARS or bare != line):
            out.append(bare)
    return out


def _names(line: str, variant: str) -> bool:
    """A heading starts with the step, or is a short phrase holding it ("小组现状调查");
    a table row ("王敏 女 42 负责现状调查") is neither."""
    return line.startswith(variant) or (variant in line and " " not in line and len(line) <= SHORT_HEADING)


def missing_steps(text: str, topic_type: str) -> list[str]:
    found = headings(text)
    return [step for step, variants in STEPS[topic_type]
            if not any(_names(line, v) for v in variants for line in found)]


def _topic_type(report: Document, form: Document | None, allowed: tuple[str, ...]) -> str:
    stated = topic_type_of(form.fields.get("课题类型"), allowed) if form else None
    if stated in STEPS:
        return stated
    match = re.search(r"课题类型\s*[:：]?\s*(问题解决型|创新型)", report.text[:5000])
    if match:
        return match.group(1)
    return INNOVATION if "最佳方案" in report.text else PROBLEM


def check_report_structure(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for pairing in sub.pairings:
        report = pairing.report
        if report is None or len(report.text) < MIN_REPORT_CHARS or is_write_up(report):
            continue
        kind = _topic_type(report, pairing.entry_form, ctx.competition.topic_types)
        missing = missing_steps(report.text, kind)
        if missing:
            steps = "、".join(step for step, _ in STEPS[kind])
            findings.append(review("REPORT_STRUCTURE", f"成果报告中未找到以下步骤：{'、'.join(missing)}。"
                                                       f"按T/CAQ 10201—2020，{kind}课题应包括：{steps}。",
                                   document=report.filename))
    return findings
