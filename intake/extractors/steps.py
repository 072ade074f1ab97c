"""The steps of a QC results report (T/CAQ 10201—2020) and the headings that name them.

Reports are written by people, not from one template: "要因确认" stands for
确定主要原因, "现状的把握" for 现状调查, "（三）目标可行性分析" or "5.巩固措施"
carry numbering, and the QC-story wording ("课题的选定", "对策的拟定",
"效果的确认", "反省及今后打算") is as common as the standard's. Each step
has its usual variants; a step counts as named when a heading-like line
names it. The recogniser uses this to tell a report from other long text,
the REPORT_STRUCTURE rule to find the steps a report lacks.
"""
from __future__ import annotations

import functools
import re

from intake.base.text import lines

PROBLEM, INNOVATION = "问题解决型", "创新型"

CHOOSE = ("选择课题", "课题选择", "选题理由", "选题背景", "选题", "课题选定", "选定课题", "课题确定", "确定课题",
          "课题的提出", "提出课题")
SURVEY = ("现状调查", "现状调研", "现状分析", "现状把握", "把握现状", "现况调查", "现状调查与分析")
TARGET = ("设定目标", "目标设定", "确定目标", "目标确定", "制定目标", "课题目标", "目标及依据", "活动目标")
FEASIBLE = ("目标可行性论证", "目标可行性分析", "可行性论证", "可行性分析")
CAUSES = ("原因分析", "分析原因", "要因分析", "原因查找", "查找原因", "因果分析", "问题原因分析")
MAIN_CAUSES = ("确定主要原因", "要因确认", "确认要因", "主要原因确认", "确定要因", "确认主要原因", "要因确定",
               "主因确认", "末端因素确认", "末端原因确认", "要因论证")
MEASURES = ("制定对策", "对策制定", "对策表", "对策计划", "对策拟定", "拟定对策", "制订对策", "对策制订")
DO = ("对策实施", "实施对策", "按对策实施", "按对策表实施", "对策实行", "实施情况", "实施过程")
CHECK = ("效果检查", "检查效果", "效果验证", "效果确认", "效果评价", "效果评估", "活动效果", "确认效果")
CONSOLIDATE = ("制定巩固措施", "巩固措施", "巩固成果", "成果巩固", "巩固与推广", "巩固期效果")
STANDARD = ("标准化", "推广应用", "标准化及推广")
SUMMARY = ("总结和下一步打算", "总结与下一步打算", "总结及下一步打算", "下一步打算", "今后打算", "总结与今后打算",
           "活动总结", "体会与打算", "反省及今后打算", "总结与体会", "遗留问题", "下步打算", "总结与展望")
OPTIONS = ("提出方案", "确定最佳方案", "最佳方案", "提出各种方案", "方案选择", "方案评价", "方案的提出", "方案比选",
           "提出并确定最佳方案")

# Step name → its wordings, in the standard's order, per 课题类型.
STEPS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    PROBLEM: (
        ("选择课题", CHOOSE),
        ("现状调查", SURVEY),
        ("设定目标", TARGET),
        ("原因分析", CAUSES),
        ("确定主要原因", MAIN_CAUSES),
        ("制定对策", MEASURES),
        ("对策实施", DO),
        ("效果检查", CHECK),
        ("制定巩固措施", CONSOLIDATE + STANDARD),
        ("总结和下一步打算", SUMMARY),
    ),
    INNOVATION: (
        ("选择课题", CHOOSE),
        ("设定目标及目标可行性论证", TARGET + FEASIBLE),
        ("提出方案并确定最佳方案", OPTIONS),
        ("制定对策", MEASURES),
        ("对策实施", DO),
        ("效果检查", CHECK),
        ("标准化", STANDARD + CONSOLIDATE),
        ("总结和下一步打算", SUMMARY),
    ),
}
# Every step of either type, for recognising a report before its type is known.
ANY_STEP: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    {name: variants for kind in STEPS.values() for name, variants in kind}.items())

# "一、" "1." "1.2" "（三）" "第三步" "步骤3：" "Step 2" before a heading.
_NUMBERING = re.compile(r"^([(（]?\s*([一二三四五六七八九十]+|\d+(\.\d+)*)\s*[)）、.．:：\s]\s*|第[一二三四五六七八九十\d]+[步章节部分]"
                        r"\s*[:：、]?\s*|步骤\s*\d+\s*[:：、]?\s*|step\s*\d+\s*[:：.]?\s*)+", re.I)
# "现状的把握", "对策 的 拟定": the particle and spaces do not change the step.
_FILLER = re.compile(r"[的\s\u3000]")
HEADING_CHARS = 30
SHORT_HEADING = 16


def topic_type_in(text: str) -> str:
    """The 课题类型 a report states near its top, else the one its steps suggest."""
    match = re.search(r"课题类型\s*[:：]?\s*(问题解决型|创新型)", text[:5000])
    if match:
        return match.group(1)
    return INNOVATION if "最佳方案" in text else PROBLEM


def heading(line: str) -> str | None:
    """The line without its numbering when it can be a heading, else None."""
    bare = _NUMBERING.sub("", line, count=1).strip()
    if bare and (len(bare) <= HEADING_CHARS or bare != line):
        return bare
    return None


def headings(text: str) -> list[str]:
    """Lines that can be headings, without their numbering."""
    return [bare for line in lines(text) if (bare := heading(line))]


@functools.cache
def _squeezed(steps) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`steps` with each wording's particles and spaces taken out, as `_names` compares them."""
    return tuple((name, tuple(_FILLER.sub("", v) for v in variants)) for name, variants in steps)


def _names(line: str, squeezed: str, variants: tuple[str, ...]) -> bool:
    """A heading starts with one of a step's wordings, or is a short phrase holding one
    ("小组现状调查"); a table row ("王敏 女 42 负责现状调查") is neither. `squeezed` is
    the line and `variants` the wordings without particles and spaces."""
    return squeezed.startswith(variants) or (
        " " not in line and len(line) <= SHORT_HEADING and any(v in squeezed for v in variants))


def step_of(line: str, steps=ANY_STEP) -> str | None:
    """The step a heading names, or None."""
    squeezed = _FILLER.sub("", line)
    return next((name for name, variants in _squeezed(steps) if _names(line, squeezed, variants)), None)


def missing_steps(text: str, topic_type: str) -> list[str]:
    """The steps of `topic_type` no heading of `text` names."""
    found = [(line, _FILLER.sub("", line)) for line in headings(text)]
    return [step for step, variants in _squeezed(STEPS[topic_type])
            if not any(_names(line, squeezed, variants) for line, squeezed in found)]


def worked_steps(text: str, min_chars: int) -> list[str]:
    """Steps named by a heading and followed by at least `min_chars` of their own text.

    A report works each step out in paragraphs and tables; a course outline or
    a notice lists the same words one under the other. Only the first heading
    of each step counts.
    """
    found: list[tuple[str, int]] = []  # step, characters of text under it
    for line in lines(text):
        bare = heading(line)
        step = step_of(bare) if bare else None
        if step is not None and step not in (name for name, _ in found):
            found.append((step, 0))
        elif found:
            found[-1] = (found[-1][0], found[-1][1] + len(line))
    return [step for step, chars in found if chars >= min_chars]
