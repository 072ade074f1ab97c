"""The 初审表 of a results report: for each step T/CAQ 10201—2020 prescribes, whether it is
there and the evidence an expert looks for, with a short excerpt and where it stands.

Support for the experts of 资料初审, never a verdict: each item is 有, 无 or
不明确 with its reason, read from the report's text and tables (numbers are
read, not guessed); no finding and no reply comes from it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from intake.base.text import clip
from intake.extractors.steps import INNOVATION, STEPS, topic_type_in
from intake.review.figures import (
    UNKNOWN, Reading, needs_no_unit, read_result, read_target, sentences, target_met,
)
from intake.review.sections import (
    FIGURE, NO, PARAGRAPH, TABLE, UNCLEAR, YES, Part, Report, Section, read_report,
)
from intake.review.tools import ToolUse, tools_used
from store import Store

EXCERPT = 48        # characters of an excerpt: one look, not a page
WORKED = 20         # characters under a heading that make a step more than its title
# "2022年6月", "6月15日": dates are no data.
_DATES = re.compile(r"\d{2,4}\s*年(\s*\d{1,2}\s*月)?(\s*\d{1,2}\s*[日号])?|\d{1,2}\s*月(\s*\d{1,2}\s*[日号])?")
_DATA = re.compile(r"\d+(\.\d+)?\s*(%|‰|个|次|台|件|起|处|条|人|天|小时|分钟|秒|元|万元|分|米|km|h|min)")
_NUMBERED = r"\s*[(（]?[0-9一二三四五六七八九十]+[)）]?\s*[:：、.．]"


@dataclass(frozen=True)
class Evidence:
    """One thing an expert looks for: 有 / 无 / 不明确, why, and where to look."""

    item: str
    state: str
    note: str = ""
    excerpt: str = ""
    where: str = ""

    @property
    def line(self) -> str:
        text = f"{self.item}：{self.state}"
        text += f"，{self.note}" if self.note else ""
        text += f"，“{self.excerpt}”" if self.excerpt else ""
        return text + (f"（{self.where}）" if self.where else "")


@dataclass(frozen=True)
class StepReview:
    """A step of the standard: 有 / 无 / 不明确 (a heading with next to nothing under it) and its evidence."""

    step: str
    state: str
    heading: str
    where: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def summary(self) -> str:
        """What one cell of the export shows."""
        head = {YES: f"有（{self.heading}）", NO: "无：未找到该步骤",
                UNCLEAR: f"不明确：只有标题“{self.heading}”"}[self.state]
        return "\n".join([head] + [f"· {e.line}" for e in self.evidence])


@dataclass(frozen=True)
class TargetCheck:
    """Whether the target was met, from the figures: 达到 / 未达到 / 无法判断."""

    state: str
    note: str

    @property
    def summary(self) -> str:
        return f"{self.state}：{self.note}"


@dataclass(frozen=True)
class PreReview:
    """初审表: the steps of the report's 课题类型 in the standard's order, the target check, the tools."""

    topic: str
    topic_type: str
    steps: tuple[StepReview, ...]
    target: TargetCheck
    tools: tuple[ToolUse, ...]

    def step(self, name: str) -> StepReview:
        return next(s for s in self.steps if s.step == name)

    @property
    def tools_summary(self) -> str:
        return "、".join(t.label for t in self.tools)


def review_report(text: str, rows: dict | None, topic_type: str, topic: str = "") -> PreReview:
    """The 初审表 of one report from what the store keeps of it (text and rows)."""
    report = read_report(text, rows, topic_type)
    target, wordy = read_target(report.sections.get(_target_step(topic_type)))
    after, before = read_result(report.sections.get("效果检查"))
    context = _Context(report, topic, target, wordy, after, before)
    steps = tuple(_step(context, name) for name, _ in STEPS[topic_type])
    check = report.sections.get("效果检查")
    state, note = target_met(target, after, check.text if check else "", before)
    return PreReview(topic, topic_type, steps, TargetCheck(state, note), tuple(tools_used(report)))


def review_registrations(store: Store) -> dict[int, PreReview]:
    """Registration id → the 初审表 of its results report, computed from the stored text on demand
    (milliseconds a report: see scripts/bench_review_sheet.py); a registration without a readable
    report has none."""
    reports = store.registration_reports()
    return {reg.id: _review_of(reg, reports[reg.id]) for reg in store.all_registrations() if reg.id in reports}


def review_registration(store: Store, registration) -> PreReview | None:
    """The 初审表 of one registration's results report (the console's registration page)."""
    doc = store.registration_reports(registration.id).get(registration.id)
    return _review_of(registration, doc) if doc is not None else None


def _review_of(reg, doc) -> PreReview:
    kind = reg.topic_type if reg.topic_type in STEPS else topic_type_in(doc.text or "")
    return review_report(doc.text or "", doc.rows, kind, reg.topic)


@dataclass(frozen=True)
class _Context:
    report: Report
    topic: str
    target: Reading | None
    wordy_target: Part | None
    after: Reading | None
    before: Reading | None


def _target_step(topic_type: str) -> str:
    return "设定目标及目标可行性论证" if topic_type == INNOVATION else "设定目标"


def _step(c: _Context, name: str) -> StepReview:
    section = c.report.sections.get(name)
    if section is None:
        return StepReview(name, NO, "", "")
    worked = sum(len(p.text) for p in section.parts if p.kind == PARAGRAPH) >= WORKED or \
        any(p.kind != PARAGRAPH for p in section.parts)
    checks = CHECKS[c.report.topic_type].get(name, ())
    return StepReview(name, YES if worked else UNCLEAR, section.heading, section.where,
                      tuple(check(c, section) for check in checks))


# -- the evidence of each step ---------------------------------------------------

def _found(item: str, part: Part, note: str = "", text: str | None = None) -> Evidence:
    return Evidence(item, YES, note, clip(text if text is not None else part.text, EXCERPT), part.where)


def _first(section: Section, pattern: str, kinds: tuple[str, ...] = (PARAGRAPH,)) -> tuple[Part, str] | None:
    """The first sentence (or table) of the section matching `pattern`, with its part."""
    for part in section.parts:
        if part.kind not in kinds:
            continue
        for sentence in sentences(part) if part.kind == PARAGRAPH else [part.text]:
            if re.search(pattern, sentence):
                return part, sentence
    return None


def _has_data(text: str) -> bool:
    return bool(_DATA.search(_DATES.sub("", text)))


_MEASURABLE = re.compile(r"(降低|提高|提升|缩短|减少|压降|增加|加快|控制)(.+)")
_MEASURE_WORDS = ("率", "时长", "时间", "周期", "次数", "数", "量", "值", "成本", "费用", "耗时", "能耗", "损耗", "指数",
                  "效率", "合格", "及时")
_DEVELOP = re.compile(r"(研制|研发|设计|开发|创新|构建|搭建|打造)(一种|一套|一款)?(.+)")


def _topic_names_object(c: _Context, section: Section) -> Evidence:
    topic = c.topic or section.heading
    if c.report.topic_type == INNOVATION:
        match = _DEVELOP.search(topic)
        if match:
            return Evidence("课题指明研制对象", YES, f"对象：{match.group(3)}")
        return Evidence("课题指明研制对象", UNCLEAR, f"课题“{clip(topic, 24)}”未写明研制什么")
    match = _MEASURABLE.search(topic)
    if match and any(w in match.group(2) for w in _MEASURE_WORDS):
        return Evidence("课题指明可测量的对象", YES, f"对象：{match.group(2)}")
    if match:
        return Evidence("课题指明可测量的对象", UNCLEAR, f"“{match.group(2)}”不是可直接测量的指标")
    return Evidence("课题指明可测量的对象", UNCLEAR, f"课题“{clip(topic, 24)}”未写明改进方向和指标")


def _novelty_search(c: _Context, section: Section) -> Evidence:
    hit = _first(section, r"查新|检索|借鉴")
    return _found("查新与借鉴", hit[0], text=hit[1]) if hit else Evidence("查新与借鉴", NO, "未见查新或借鉴的说明")


def _survey_data(c: _Context, section: Section) -> Evidence:
    shown = [p.where.split("，")[0] for p in section.parts
             if p.kind == FIGURE or (p.kind == TABLE and any(_has_data(r) or re.fullmatch(r"\d+(\.\d+)?", r)
                                                              for row in p.cells[1:] for r in row[1:]))]
    if shown:
        return Evidence("现状数据（表、图）", YES, "、".join(shown))
    hit = next((p for p in section.of(PARAGRAPH) if _has_data(p.text)), None)
    if hit:
        return Evidence("现状数据（表、图）", UNCLEAR, "只有文字中的数字，未见调查表或图",
                        clip(hit.text, EXCERPT), hit.where)
    return Evidence("现状数据（表、图）", NO, "未见调查数据")


def _crux(c: _Context, section: Section) -> Evidence:
    hit = _first(section, "症结")
    if hit:
        return _found("找出症结", hit[0], text=hit[1])
    hit = _first(section, "主要问题|关键问题|主要矛盾|问题所在|关键所在")
    if hit:
        return Evidence("找出症结", UNCLEAR, "未明确写出症结", clip(hit[1], EXCERPT), hit[0].where)
    return Evidence("找出症结", NO, "未写明症结")


def _target_value(c: _Context, section: Section) -> Evidence:
    item = "目标为带单位的数值"
    if c.target:
        value, unit = c.target.value, c.target.value.unit
        if unit or needs_no_unit(c.target.excerpt):
            return Evidence(item, YES, f"目标值{value.text}", clip(c.target.excerpt, EXCERPT), c.target.where)
        return Evidence(item, UNCLEAR, f"目标值{value.text}未带单位", clip(c.target.excerpt, EXCERPT),
                        c.target.where)
    if c.wordy_target:
        return Evidence(item, NO, "目标没有数值", clip(c.wordy_target.text, EXCERPT), c.wordy_target.where)
    return Evidence(item, NO, "未见课题目标")


def _target_basis(c: _Context, section: Section) -> Evidence:
    hit = _first(section, r"依据|根据|可行|考核要求|先进水平|历史最好|测算|论证|对标|借鉴", (PARAGRAPH, TABLE))
    if hit:
        return _found("目标依据", hit[0], text=hit[1])
    return Evidence("目标依据", NO, "未说明目标的依据")


def _feasibility(c: _Context, section: Section) -> Evidence:
    item = "目标可行性论证"
    table = _table_with(section, ("论证", "依据", "可行"))
    if table and len(table.cells) > 1:
        return Evidence(item, YES, f"论证{len(table.cells) - 1}项", clip("　".join(table.cells[1]), EXCERPT),
                        table.where)
    hit = _first(section, r"可行性|论证|测算|借鉴")
    if hit and _has_data(hit[1]):
        return _found(item, hit[0], text=hit[1])
    if hit:
        return Evidence(item, UNCLEAR, "有论证，未见数据", clip(hit[1], EXCERPT), hit[0].where)
    return Evidence(item, NO, "未见可行性论证")


def _end_causes(c: _Context, section: Section) -> Evidence:
    table = _table_with(section, ("末端",))
    if table:
        return Evidence("分析到末端因素", YES, f"末端因素{len(table.cells) - 1}条", where=table.where)
    hit = _first(section, r"末端(因素|原因)")
    if hit:
        return _found("分析到末端因素", hit[0], text=hit[1])
    hit = _first(section, r"因果图|关联图|系统图|树图|鱼骨图")
    if hit:
        return Evidence("分析到末端因素", UNCLEAR, "作了原因分析，未写明末端因素", clip(hit[1], EXCERPT), hit[0].where)
    return Evidence("分析到末端因素", NO, "未见末端因素")


def _confirmed_one_by_one(c: _Context, section: Section) -> Evidence:
    item = "末端因素逐条确认（方法和数据）"
    causes = _table_with(c.report.sections.get("原因分析"), ("末端",))
    expected = len(causes.cells) - 1 if causes else None
    units = _units(section, rf"^(要因确认|确认|末端因素|因素){_NUMBERED}")
    if not units:
        plan = _table_with(section, ("确认方法",), ("结论", "判定"))
        if plan:
            return Evidence(item, UNCLEAR, "只有确认计划表，未见逐条确认的数据", where=plan.where)
        hit = section.of(PARAGRAPH)
        return Evidence(item, NO, "未见对末端因素的逐条确认",
                        clip(hit[0].text, EXCERPT) if hit else "", hit[0].where if hit else "")
    method = [u for u in units if re.search(r"方法|验证|测试|试验|调查|统计|测量|抽查|核查|对比|现场|分析", u[1])]
    data = [u for u in units if _has_data(re.sub(rf"^(要因确认|确认|末端因素|因素){_NUMBERED}", "", u[1]))]
    where = f"{units[0][0].where}起"
    if len(method) == len(data) == len(units) and (expected is None or len(units) >= expected):
        return Evidence(item, YES, f"逐条确认{len(units)}条，均有方法和数据", clip(units[0][1], EXCERPT), where)
    gaps = [f"末端因素{expected}条，确认{len(units)}条"] if expected and len(units) < expected else []
    gaps += [f"{len(units) - len(method)}条未写方法"] if len(method) < len(units) else []
    gaps += [f"{len(units) - len(data)}条无数据"] if len(data) < len(units) else []
    return Evidence(item, UNCLEAR, "，".join(gaps), clip(units[0][1], EXCERPT), where)


PLAN_COLUMNS = (("对策", ("对策",)), ("目标", ("目标",)), ("措施", ("措施",)), ("地点", ("地点", "场所")),
                ("时间", ("时间", "日期", "期限", "进度")), ("负责人", ("负责人", "责任人", "执行人", "实施人")))


def _plan_columns(c: _Context, section: Section) -> Evidence:
    item = "对策表5W1H栏目"
    table = max(section.of(TABLE), key=lambda t: len(_plan_columns_in(t)), default=None)
    if table is None:
        hit = section.of(PARAGRAPH)
        return Evidence(item, NO if not hit else UNCLEAR, "未见对策表" + ("，对策以文字列出" if hit else ""))
    missing = [name for name, _ in PLAN_COLUMNS if name not in _plan_columns_in(table)]
    if not missing:
        return Evidence(item, YES, f"对策{len(table.cells) - 1}条，栏目齐全", where=table.where)
    return Evidence(item, NO, f"对策表缺少栏目：{'、'.join(missing)}", "　".join(table.header), table.where)


def _plan_columns_in(table: Part) -> set[str]:
    return {name for name, words in PLAN_COLUMNS if any(w in h for h in table.header for w in words)}


def _measures_done(c: _Context, section: Section) -> Evidence:
    item = "对策逐条实施并有结果"
    plan = c.report.sections.get("制定对策")
    tables = plan.of(TABLE) if plan else []
    table = max(tables, key=lambda t: len(_plan_columns_in(t)), default=None)
    expected = len(table.cells) - 1 if table else None
    units = _units(section, rf"^(实施|对策|措施)\s*[0-9一二三四五六七八九十]+\s*[:：、.．]")
    if not units:
        hit = section.of(PARAGRAPH)
        return Evidence(item, UNCLEAR if hit else NO, "未按对策逐条写出实施情况" if hit else "未见实施情况")
    results = [u for u in units if re.search(r"效果|结果|达到|实现|验证|合格|完成", u[1]) and _has_data(u[1])]
    if len(results) == len(units) and (expected is None or len(units) >= expected):
        return Evidence(item, YES, f"实施{len(units)}条，均有实施结果和数据", where=f"{units[0][0].where}起")
    gaps = [f"对策表{expected}条，实施{len(units)}条"] if expected and len(units) < expected else []
    gaps += [f"{len(units) - len(results)}条未见带数据的实施结果"] if len(results) < len(units) else []
    return Evidence(item, UNCLEAR, "，".join(gaps), where=f"{units[0][0].where}起")


def _before_after(c: _Context, section: Section) -> Evidence:
    item = "活动前后数据对比"
    if c.after and c.before:
        return Evidence(item, YES, f"活动前{c.before.value.text}，活动后{c.after.value.text}",
                        clip(c.after.excerpt, EXCERPT), c.after.where)
    if c.after:
        return Evidence(item, UNCLEAR, f"只读到活动后{c.after.value.text}，未见活动前数据",
                        clip(c.after.excerpt, EXCERPT), c.after.where)
    hit = section.of(PARAGRAPH)
    return Evidence(item, NO, "未读到活动前后的数值", clip(hit[0].text, EXCERPT) if hit else "",
                    hit[0].where if hit else "")


def _against_target(c: _Context, section: Section) -> Evidence:
    state, note = target_met(c.target, c.after, section.text, c.before)
    hit = _first(section, "目标", (PARAGRAPH, TABLE))
    if state == UNKNOWN:
        return Evidence("与目标对比", UNCLEAR, note)
    return Evidence("与目标对比", YES, f"{state}（{note}）", where=hit[0].where if hit else "")


_DOCUMENT = re.compile(r"《[^》]{2,40}(作业指导书|规程|标准|规范|制度|细则|办法|手册|流程|指引|规定|须知)》"
                       r"|(?<![A-Za-z])[A-Z]{1,3}/[A-Z0-9]{1,8}\s*[-－—–]?\s*[0-9][0-9A-Za-z.\-－—–]*")
_STANDARDISED = re.compile(r"纳入|写入|编入|修订|标准化|作业指导书|规程|制度|规范")


def _written_into_standard(c: _Context, section: Section) -> Evidence:
    item = "纳入标准或作业指导书"
    for part in section.of(PARAGRAPH):
        for sentence in sentences(part):
            if _DOCUMENT.search(sentence):
                names = "、".join(m.group(0) for m in _DOCUMENT.finditer(sentence))
                return Evidence(item, YES, names, clip(sentence, EXCERPT), part.where)
    hit = _first(section, _STANDARDISED.pattern)
    if hit:
        return Evidence(item, UNCLEAR, "提到纳入标准，未写明文件名称或编号", clip(hit[1], EXCERPT), hit[0].where)
    return Evidence(item, NO, "未写明纳入哪项标准或作业指导书")


def _options(c: _Context, section: Section) -> Evidence:
    labels = set(re.findall(r"方案\s*([一二三四五六七八九十0-9A-Za-z])", section.text))
    table = _table_with(section, ("方案",))
    count = max(len(labels), len(table.cells) - 1 if table else 0)
    if count >= 2:
        return Evidence("提出多个方案", YES, f"{count}个方案", where=table.where if table else section.where)
    return Evidence("提出多个方案", UNCLEAR if count else NO, "只见一个方案" if count else "未见方案")


def _best_option(c: _Context, section: Section) -> Evidence:
    item = "用数据选定最佳方案"
    hit = _first(section, r"最佳方案|选定|确定.{0,12}方案")
    if not hit:
        return Evidence(item, NO, "未写明选定哪个方案")
    scored = _table_with(section, ("方案",), ("得分", "评分", "分数", "结论", "评价"))
    if scored or _has_data(hit[1]):
        return Evidence(item, YES, f"比选见{scored.where}" if scored else "", clip(hit[1], EXCERPT), hit[0].where)
    return Evidence(item, UNCLEAR, "选定方案未见对比数据", clip(hit[1], EXCERPT), hit[0].where)


def _next_steps(c: _Context, section: Section) -> Evidence:
    hit = _first(section, r"下一步|今后|下步|下一轮|新的(活动)?课题")
    return _found("下一步打算", hit[0], text=hit[1]) if hit else Evidence("下一步打算", NO, "未写下一步打算")


def _table_with(section: Section | None, *columns: tuple[str, ...]) -> Part | None:
    """The first table of the section whose header names one word of each group."""
    for table in section.of(TABLE) if section else ():
        if all(any(w in h for h in table.header for w in words) for words in columns):
            return table
    return None


def _units(section: Section, start: str) -> list[tuple[Part, str]]:
    """Numbered items of a step ("确认1：…", "实施二：…"): the line that starts each, with
    the paragraphs up to the next."""
    units: list[tuple[Part, str]] = []
    for part in section.of(PARAGRAPH):
        if re.match(start, part.text):
            units.append((part, part.text))
        elif units:
            units[-1] = (units[-1][0], units[-1][1] + part.text)
    return units


Check = Callable[[_Context, Section], Evidence]
CHECKS: dict[str, dict[str, tuple[Check, ...]]] = {
    "问题解决型": {
        "选择课题": (_topic_names_object,),
        "现状调查": (_survey_data, _crux),
        "设定目标": (_target_value, _target_basis),
        "原因分析": (_end_causes,),
        "确定主要原因": (_confirmed_one_by_one,),
        "制定对策": (_plan_columns,),
        "对策实施": (_measures_done,),
        "效果检查": (_before_after, _against_target),
        "制定巩固措施": (_written_into_standard,),
        "总结和下一步打算": (_next_steps,),
    },
    "创新型": {
        "选择课题": (_topic_names_object, _novelty_search),
        "设定目标及目标可行性论证": (_target_value, _feasibility),
        "提出方案并确定最佳方案": (_options, _best_option),
        "制定对策": (_plan_columns,),
        "对策实施": (_measures_done,),
        "效果检查": (_before_after, _against_target),
        "标准化": (_written_into_standard,),
        "总结和下一步打算": (_next_steps,),
    },
}
