"""The charts and statistical tools a report uses, and whether each is shown as a figure.

A tool counts as shown when a 图N caption names it and a picture stands
beside the caption, or a picture stands beside a sentence naming it. A
report stored before its pictures were located is judged by its captions.
"""
from __future__ import annotations

from dataclasses import dataclass

from intake.review.sections import FIGURE, NO, UNCLEAR, YES, Report
# The tool's name, then other names reports give it.
TOOLS: tuple[tuple[str, ...], ...] = (
    ("调查表", "检查表"), ("排列图", "帕累托图", "柏拉图"), ("因果图", "鱼骨图", "因果分析图"), ("关联图",),
    ("系统图",), ("树图",), ("亲和图",), ("矩阵图",), ("PDPC", "过程决策程序图"), ("柱状图", "条形图"),
    ("折线图", "趋势图", "推移图"), ("饼分图", "饼图"), ("控制图",), ("直方图",), ("散布图", "散点图"),
    ("雷达图",), ("甘特图",), ("流程图",), ("头脑风暴",),
)
# Tools that are a way of working, not a chart: no figure is expected of them.
NO_FIGURE = ("头脑风暴",)
NEAR = 2  # lines between a picture and its caption or sentence


@dataclass(frozen=True)
class ToolUse:
    tool: str
    figure: str          # YES / NO / UNCLEAR, or "" for a way of working
    note: str            # the figures that show it, or why there is none

    @property
    def label(self) -> str:
        return f"{self.tool}（{self.note}）" if self.note else self.tool


def tools_used(report: Report) -> list[ToolUse]:
    """Every tool the report names, in the order above."""
    pictures = [p.line for p in report.parts if p.kind == FIGURE]
    used = []
    for names in TOOLS:
        mentions = [p for p in report.parts if p.kind != FIGURE and any(n in p.text for n in names)]
        if not mentions:
            continue
        if names[0] in NO_FIGURE:
            used.append(ToolUse(names[0], "", ""))
            continue
        captions = [(line, c) for line, c in report.captions.items()
                    if c.startswith("图") and any(n in c for n in names)]
        shown = [c.split()[0] for line, c in captions if _near(line, pictures)]
        shown += [f"{p.where}旁" for p in mentions if p.kind == "段" and not captions and _near(p.line, pictures)]
        if shown:
            used.append(ToolUse(names[0], YES, "、".join(dict.fromkeys(shown))))
        elif captions and report.figures_known:
            used.append(ToolUse(names[0], UNCLEAR, "有图题" + "、".join(c.split()[0] for _, c in captions)
                                + "，未见图片"))
        elif captions:  # stored before pictures were located: the caption is the evidence
            used.append(ToolUse(names[0], YES, "、".join(c.split()[0] for _, c in captions)))
        elif report.figures_known:
            used.append(ToolUse(names[0], NO, f"无图，仅见于{mentions[0].where}"))
        else:
            used.append(ToolUse(names[0], UNCLEAR, f"未见图题，见于{mentions[0].where}"))
    return used


def _near(line: int, pictures: list[int]) -> bool:
    return any(abs(line - p) <= NEAR for p in pictures)
