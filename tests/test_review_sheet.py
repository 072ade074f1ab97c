"""intake.review.sheet: the 初审表 of a results report, read from real .docx reports through the real extractors.

Reports are built by samples/report*.py for different units and topics, in
both wording styles, complete or with one piece of evidence left out; the
expected figures are the builder's own (`make_ctx`), never read back from the sheet.
"""
from __future__ import annotations

import functools

import pytest

from intake.extractors import extract_document
from intake.review.sheet import PreReview, review_report
from samples._report_common import make_ctx
from samples.forms import qc_report_docx
from tests.readings import attachment, entry

PROBLEM_STEPS = ["选择课题", "现状调查", "设定目标", "原因分析", "确定主要原因", "制定对策", "对策实施", "效果检查",
                 "制定巩固措施", "总结和下一步打算"]
INNOVATION_STEPS = ["选择课题", "设定目标及目标可行性论证", "提出方案并确定最佳方案", "制定对策", "对策实施", "效果检查",
                    "标准化", "总结和下一步打算"]


@functools.lru_cache(maxsize=None)
def stored(seed: int, defects: tuple[str, ...] = (), style: int = 0, images: int = 5,
           steps: tuple[str, ...] | None = None):
    """What the store keeps of the report (its text and rows), as the extractors read it."""
    data = entry(seed)
    doc = extract_document(attachment(f"{data.topic}.docx", qc_report_docx(
        data, images=images, defects=defects, style=style, steps=steps)))
    return data, doc


def sheet(seed: int, defects: tuple[str, ...] = (), style: int = 0, **options) -> PreReview:
    data, doc = stored(seed, defects, style, **options)
    return review_report(doc.text, doc.rows, data.topic_type, data.topic)


def figures(seed: int, defects: tuple[str, ...] = (), style: int = 0) -> tuple[str, str, str]:
    c = make_ctx(entry(seed), defects, style)
    return c.f(c.before), c.f(c.target), c.f(c.after)


def states(review: PreReview) -> dict[str, tuple[str, ...]]:
    """Step → its state then the state of each piece of evidence."""
    return {s.step: (s.state, *(e.state for e in s.evidence)) for s in review.steps}


def evidence(review: PreReview, step: str, item: str):
    return next(e for e in review.step(step).evidence if e.item == item)


# -- complete reports -----------------------------------------------------------

def test_complete_problem_solving_report_shows_every_step_and_its_evidence():
    review = sheet(27)  # 降低基站退服率, 中国联合网络通信有限公司忻州市分公司
    before, target, after = figures(27)
    assert [s.step for s in review.steps] == PROBLEM_STEPS
    assert states(review) == {
        "选择课题": ("有", "有"), "现状调查": ("有", "有", "有"), "设定目标": ("有", "有", "有"),
        "原因分析": ("有", "有"), "确定主要原因": ("有", "有"), "制定对策": ("有", "有"), "对策实施": ("有", "有"),
        "效果检查": ("有", "有", "有"), "制定巩固措施": ("有", "有"), "总结和下一步打算": ("有", "有")}
    assert review.step("现状调查").heading == "三、现状调查"
    assert evidence(review, "选择课题", "课题指明可测量的对象").note == "对象：基站退服率"
    assert evidence(review, "现状调查", "现状数据（表、图）").note == "表4 问题类型统计表、图1 问题类型排列图"
    crux = evidence(review, "现状调查", "找出症结")
    assert "症结" in crux.excerpt and crux.where == "现状调查第6段"
    goal = evidence(review, "设定目标", "目标为带单位的数值")
    assert goal.note == f"目标值{target}" and goal.where == "设定目标第1段" and before in goal.excerpt
    causes = len(make_ctx(entry(27)).topic.causes)
    assert evidence(review, "原因分析", "分析到末端因素").note == f"末端因素{causes}条"
    assert evidence(review, "原因分析", "分析到末端因素").where == "表5 末端因素汇总表"
    confirmed = evidence(review, "确定主要原因", "末端因素逐条确认（方法和数据）")
    assert confirmed.note == f"逐条确认{causes}条，均有方法和数据" and confirmed.excerpt.startswith("确认1：")
    assert evidence(review, "制定对策", "对策表5W1H栏目").note == "对策3条，栏目齐全"
    assert evidence(review, "对策实施", "对策逐条实施并有结果").note == "实施3条，均有实施结果和数据"
    assert evidence(review, "效果检查", "活动前后数据对比").note == f"活动前{before}，活动后{after}"
    assert evidence(review, "效果检查", "活动前后数据对比").where == "表8 活动前后对比表"
    standard = evidence(review, "制定巩固措施", "纳入标准或作业指导书")
    assert standard.note.startswith(f"《{make_ctx(entry(27)).topic.dept}维护作业指导书》、Q/SXLT-")
    assert (review.target.state, review.target.note) == ("达到", f"目标≤{target}，活动后{after}；报告称已完成目标")
    assert review.tools_summary == ("调查表（无图，仅见于总结和下一步打算第1段）、排列图（图1、图4）、"
                                    "因果图（无图，仅见于原因分析第1段）、柱状图（图2、图3）、折线图（图5）、头脑风暴")


def test_complete_innovation_report_in_other_words_shows_its_own_steps():
    review = sheet(26, style=1)  # 研制一种光缆交接箱智能锁, 中国电信股份有限公司朔州分公司, QC-story headings
    before, target, after = figures(26, style=1)
    assert [s.step for s in review.steps] == INNOVATION_STEPS
    assert set(states(review).values()) == {("有", "有", "有"), ("有", "有")}
    assert review.step("提出方案并确定最佳方案").heading == "4. 方案的提出与最佳方案的确定"
    assert evidence(review, "选择课题", "课题指明研制对象").note == "对象：光缆交接箱智能锁"
    assert evidence(review, "选择课题", "查新与借鉴").excerpt.startswith("小组通过中国知网")
    assert evidence(review, "设定目标及目标可行性论证", "目标为带单位的数值").note == f"目标值{target}"
    assert evidence(review, "设定目标及目标可行性论证", "目标可行性论证").where == "表3 目标可行性论证表"
    assert evidence(review, "提出方案并确定最佳方案", "提出多个方案").note == "3个方案"
    best = evidence(review, "提出方案并确定最佳方案", "用数据选定最佳方案")
    assert best.note == "比选见表4 总体方案评价表" and "最佳方案" in best.excerpt
    assert evidence(review, "标准化", "纳入标准或作业指导书").note == "《光缆交接箱智能锁使用操作规范》"
    assert (review.target.state, review.target.note) == ("达到", f"目标≤{target}，活动后{after}；报告称已完成目标")
    assert review.tools_summary == "柱状图（图1、图3）、折线图（图4）、头脑风暴"


# -- reports that lack what an expert looks for -----------------------------------

def test_a_target_without_a_number_cannot_be_checked():
    review = sheet(30, ("target_without_number",))  # 缩短家庭宽带装机时长
    goal = evidence(review, "设定目标", "目标为带单位的数值")
    assert (goal.state, goal.note, goal.where) == ("无", "目标没有数值", "设定目标第1段")
    assert goal.excerpt.startswith("小组经讨论，设定课题目标：大幅降低家庭宽带平均装机时长")
    assert evidence(review, "设定目标", "目标依据").state == "无"
    assert (review.target.state, review.target.note) == ("无法判断", "未读到带数值的目标；报告称已完成目标")
    assert evidence(review, "效果检查", "与目标对比").state == "不明确"


def test_end_causes_never_confirmed_one_by_one():
    review = sheet(29, ("causes_unconfirmed",), style=1)  # 降低基站蓄电池故障率
    confirmed = evidence(review, "确定主要原因", "末端因素逐条确认（方法和数据）")
    assert (confirmed.state, confirmed.note) == ("无", "未见对末端因素的逐条确认")
    assert confirmed.excerpt.startswith("小组成员召开讨论会，结合多年工作经验")
    assert review.step("确定主要原因").state == "有"  # the step is there; its evidence is not
    assert states(review)["原因分析"] == ("有", "有")


def test_no_data_before_and_after_the_activity():
    review = sheet(23, ("no_before_after",))  # 研发铁塔基站智能巡检小程序
    _, target, _ = figures(23)
    compared = evidence(review, "效果检查", "活动前后数据对比")
    assert (compared.state, compared.note, compared.where) == ("无", "未读到活动前后的数值", "效果检查第1段")
    assert (review.target.state, review.target.note) == ("无法判断", f"目标{target}，未读到活动后的数值")


def test_a_plan_without_the_5w1h_columns():
    review = sheet(22, ("plan_without_columns",), style=1)  # 提高5G基站开通及时率
    plan = evidence(review, "制定对策", "对策表5W1H栏目")
    assert (plan.state, plan.note, plan.excerpt) == ("无", "对策表缺少栏目：目标、地点、时间、负责人", "序号　要因　对策　措施")
    assert plan.where.startswith("表") and plan.where.endswith(" 对策表")


def test_a_missed_target_is_read_from_the_numbers():
    review = sheet(21, ("target_missed",))  # 提高FTTH光路一次测试合格率: higher is better
    before, target, after = figures(21, ("target_missed",))
    assert (review.target.state, review.target.note) == ("未达到", f"目标≥{target}，活动后{after}；报告称未完成目标")
    assert evidence(review, "效果检查", "活动前后数据对比").note == f"活动前{before}，活动后{after}"


def test_a_missed_innovation_target_is_read_from_the_numbers():
    review = sheet(28, ("target_missed",), style=1)  # 研制天线方位角快速测量装置, lower is better
    _, target, after = figures(28, ("target_missed",), style=1)
    assert (review.target.state, review.target.note) == ("未达到", f"目标≤{target}，活动后{after}；报告称未完成目标")


@pytest.mark.parametrize("seed, style, sign", [(28, 1, "≤"), (21, 0, "≥")])
def test_a_missed_target_the_report_calls_met_is_still_missed(seed, style, sign):
    review = sheet(seed, ("missed_called_met",), style=style)
    _, target, after = figures(seed, ("missed_called_met",), style=style)
    note = f"目标{sign}{target}，活动后{after}；报告称已完成目标，与数值不符"
    assert (review.target.state, review.target.note) == ("未达到", note)
    assert evidence(review, "效果检查", "与目标对比").note == f"未达到（{note}）"


def test_an_innovation_target_without_a_number_cannot_be_checked():
    review = sheet(26, ("target_without_number",), style=1)  # 研制一种光缆交接箱智能锁
    goal = evidence(review, "设定目标及目标可行性论证", "目标为带单位的数值")
    assert (goal.state, goal.note, goal.where) == ("无", "目标没有数值", "设定目标及目标可行性论证第1段")
    assert goal.excerpt == "课题目标：研制成功后，光缆交接箱月均非法开启次数显著降低。"
    assert (review.target.state, review.target.note) == ("无法判断", "未读到带数值的目标；报告称已完成目标")
    assert evidence(review, "效果检查", "与目标对比").state == "不明确"
    assert states(review)["提出方案并确定最佳方案"] == ("有", "有", "有")


def test_an_innovation_plan_without_the_5w1h_columns():
    review = sheet(26, ("plan_without_columns",), style=1)
    plan = evidence(review, "制定对策", "对策表5W1H栏目")
    assert (plan.state, plan.note, plan.excerpt) == ("无", "对策表缺少栏目：目标、地点、时间、负责人", "序号　对策　措施")
    assert plan.where.startswith("表") and plan.where.endswith(" 对策表")


def test_consolidation_that_names_no_standard():
    review = sheet(24, ("no_standard",))  # 研制基站蓄电池远程核容装置
    standard = evidence(review, "标准化", "纳入标准或作业指导书")
    assert (standard.state, standard.note) == ("无", "未写明纳入哪项标准或作业指导书")


def test_missing_steps_are_said_to_be_missing():
    kept = tuple(s for s in PROBLEM_STEPS if s not in ("原因分析", "确定主要原因"))
    review = sheet(37, steps=kept)
    assert review.step("原因分析").summary == "无：未找到该步骤"
    assert review.step("确定主要原因").state == "无"
    assert review.step("制定对策").state == "有"


def test_a_chart_without_its_picture_is_unclear():
    review = sheet(25, images=0)  # captions are never written without their pictures: no 图N at all
    assert review.tools_summary.startswith("调查表（无图，仅见于总结和下一步打算第1段）、排列图（无图，仅见于现状调查")


def test_a_report_stored_before_its_layout_was_kept_still_reads():
    data, doc = stored(27)
    review = review_report(doc.text, {}, data.topic_type, data.topic)
    assert states(review) == states(sheet(27))
    assert evidence(review, "制定对策", "对策表5W1H栏目").where == "表7 对策表"
    assert "排列图（图1、图4）" in review.tools_summary  # by caption only


@pytest.mark.parametrize("seed", [20, 36])
def test_units_of_other_topics_are_read(seed):
    """次/季度 and a start at 0.0%: the figures are read as printed."""
    review = sheet(seed)
    _, target, after = figures(seed)
    assert (review.target.state, review.target.note) == ("达到", f"目标{'≤' if seed == 20 else '≥'}{target}，"
                                                           f"活动后{after}；报告称已完成目标")


def test_a_caption_below_its_table_names_it():
    text = "一、制定对策\n针对要因制定对策。\n序号\t对策\t目标\t措施\t地点\t时间\t负责人\n1\t加装盲板\t100%\t逐柜检查\t机房\t6月\t王敏\n表6 对策表"
    review = review_report(text, {}, "问题解决型", "降低通信机房PUE值")
    plan = evidence(review, "制定对策", "对策表5W1H栏目")
    assert (plan.state, plan.note, plan.where) == ("有", "对策1条，栏目齐全", "表6 对策表")
