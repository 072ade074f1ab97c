"""The figures of a report's target and its result, read from its sentences and tables.

Whether the target was met is said from the numbers the report prints (the
target value against the value after the activity), never from its own
words "超额完成了目标"; the report's claim is noted beside them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intake.review.sections import Part, Section

MET, MISSED, UNKNOWN = "达到", "未达到", "无法判断"
_UNITS = (r"%|‰|万元|元|千瓦时|kWh|小时|h|分钟|min|秒|天|周|个月|次/[季度月年周天日]{1,2}|次|起|个|台|件|户|条|处"
          r"|站|人|米|公里|km|ms|dBm|dB|Mbps|分")
QUANTITY = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNITS})?")
_LOWER = r"降低|下降|降|减少|减|缩短|压降|压缩|控制"
_HIGHER = r"提升|提高|增加|增长|上升|达到|达"
# "由78.7%优化至92.0%": the direction is the numbers' (before → after).
_EITHER = r"优化|改善|改进|变为|变成"
# "由活动前的0.42%降至0.20%", "从52.6小时缩短到36.0小时"
_FROM_TO = re.compile(rf"(?:由|从|自)[^\d。；]{{0,12}}?({QUANTITY.pattern})[^\d。；]{{0,6}}?({_LOWER}|{_HIGHER}|{_EITHER})(?:至|到|为)"
                      rf"[^\d。；]{{0,4}}({QUANTITY.pattern})")
# "降至0.20%", "目标值：92%", "控制在60分钟以内"
_TO = re.compile(rf"({_LOWER}|{_HIGHER}|目标值?)[^\d。；，]{{0,3}}?(?:至|到|为|在|[:：])?\s*({QUANTITY.pattern})")
_LOWER_WORDS = re.compile(rf"({_LOWER})|以[内下]|不高于|不超过|≤")
_SAYS_MET = re.compile(r"(超额)?(完成|实现|达到)了?(课题|预定|活动)?目标|目标(已|均)?(完成|实现|达成)")
_SAYS_MISSED = re.compile(r"(未|没有|未能)(能)?(完成|实现|达到)(课题|预定)?目标|目标(未|没有)能?(完成|实现|达成)")
# A dimensionless figure needs no unit (PUE值, 系数, 指数).
_DIMENSIONLESS = re.compile(r"(?<!目标)(值|系数|指数|比)\s*(?:由|从|为|的|降|提|达|[:：])")
BEFORE_COLUMNS = ("活动前", "改善前", "实施前", "对策前", "现状值", "现状")
AFTER_COLUMNS = ("活动后", "改善后", "实施后", "对策后", "巩固期", "效果")
TARGET_COLUMNS = ("目标值", "目标")


@dataclass(frozen=True)
class Quantity:
    """A number as the report prints it, with its unit ('' when it has none)."""

    value: float
    unit: str
    text: str

    @classmethod
    def read(cls, text: str) -> "Quantity | None":
        match = QUANTITY.search(unicodedata.normalize("NFKC", text).replace(",", ""))
        return cls(float(match.group(1)), match.group(2) or "", match.group(0).strip()) if match else None


@dataclass(frozen=True)
class Reading:
    """A figure found in the report: the value, whether lower is better, where and how it reads."""

    value: Quantity
    excerpt: str
    where: str
    lower_is_better: bool | None = None
    before: Quantity | None = None


def sentences(part: Part) -> list[str]:
    return [s for s in re.split(r"(?<=[。；;！!])", part.text) if s.strip()]


def read_target(section: Section | None) -> tuple[Reading | None, Part | None]:
    """The target value of 设定目标: a sentence naming the target with its figure, else a 目标值 column;
    with the paragraph that names a target without a figure when that is all there is."""
    if section is None:
        return None, None
    wordy = None
    for part in section.parts:
        for sentence in sentences(part) if part.kind == "段" else ():
            if "目标" not in sentence:
                continue
            norm = unicodedata.normalize("NFKC", sentence)
            found = _FROM_TO.search(norm)
            if found:
                before, target = Quantity.read(found.group(1)), Quantity.read(found.group(5))
                return Reading(target, sentence, part.where, _lower(found.group(4), before, target), before), part
            found = _TO.search(norm)
            if found:
                target = Quantity.read(found.group(2))
                return Reading(target, sentence, part.where, _lower(norm, None, target)), part
            wordy = wordy or part
    column = _column_value(section, TARGET_COLUMNS)
    if column:
        return column, None
    return None, wordy


def read_result(section: Section | None) -> tuple[Reading | None, Reading | None]:
    """The value after the activity and the value before it, from 效果检查: its comparison table, else
    its sentence "由…降至…"."""
    if section is None:
        return None, None
    after, before = _column_value(section, AFTER_COLUMNS), _column_value(section, BEFORE_COLUMNS)
    if after:
        return after, before
    for part in section.of("段"):
        for sentence in sentences(part):
            found = _FROM_TO.search(unicodedata.normalize("NFKC", sentence))
            if found and "目标" not in sentence[:found.start()]:
                b, a = Quantity.read(found.group(1)), Quantity.read(found.group(5))
                return (Reading(a, sentence, part.where, _lower(found.group(4), b, a), b),
                        Reading(b, sentence, part.where))
    return None, before


def _column_value(section: Section, names: tuple[str, ...]) -> Reading | None:
    """The first figure under a column so named, in a table of the section."""
    for table in section.of("表"):
        header = [unicodedata.normalize("NFKC", h).replace(" ", "") for h in table.header]
        col = next((i for name in names for i, h in enumerate(header) if h.startswith(name)), None)
        if col is None:
            continue
        for row in table.cells[1:]:
            value = Quantity.read(row[col]) if col < len(row) else None
            if value:
                label = row[0] if row and row[0] != row[col] else ""
                return Reading(value, f"{label} {table.header[col]} {row[col]}".strip(), table.where)
    return None


def _lower(words: str, before: Quantity | None, target: Quantity | None) -> bool | None:
    if before and target and before.value != target.value:
        return target.value < before.value
    if _LOWER_WORDS.search(words):
        return True
    return False if re.search(_HIGHER, words) else None


def needs_no_unit(text: str) -> bool:
    return bool(_DIMENSIONLESS.search(text))


def target_met(target: Reading | None, after: Reading | None, claims: str,
               before: Reading | None = None) -> tuple[str, str]:
    """达到 / 未达到 / 无法判断 with the figures it rests on, and what the report itself says."""
    said = "；报告称未完成目标" if _SAYS_MISSED.search(claims) else \
        "；报告称已完成目标" if _SAYS_MET.search(claims) else ""
    if target is None:
        return UNKNOWN, "未读到带数值的目标" + said
    if after is None:
        return UNKNOWN, f"目标{target.value.text}，未读到活动后的数值" + said
    t, a = target.value, after.value
    if t.unit and a.unit and t.unit != a.unit:
        return UNKNOWN, f"目标{t.text}与活动后{a.text}单位不同" + said
    lower = next((x for x in (target.lower_is_better, after.lower_is_better) if x is not None), None)
    start = target.before or after.before or (before.value if before else None)
    if lower is None and start and start.value != t.value:
        lower = t.value < start.value
    if lower is None:
        return UNKNOWN, f"目标{t.text}，活动后{a.text}，看不出指标越高越好还是越低越好" + said
    met = a.value <= t.value if lower else a.value >= t.value
    sign = "≤" if lower else "≥"
    if said and ("未" in said) == met:  # the text says the opposite of its own figures
        said += "，与数值不符"
    return (MET if met else MISSED), f"目标{sign}{t.text}，活动后{a.text}" + said
