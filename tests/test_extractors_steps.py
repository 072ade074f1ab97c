"""intake.extractors.steps: the steps of a QC report (T/CAQ 10201—2020) named by its headings."""
from __future__ import annotations

import functools

from intake.extractors.docx_reader import read_docx
from intake.extractors.steps import headings, missing_steps, step_of, worked_steps
from samples.forms import qc_report_docx
from samples.report_problem import STEPS as PROBLEM_STEPS
from tests.readings import entry


@functools.lru_cache(maxsize=None)
def report_text(steps: tuple[str, ...] | None = None) -> str:
    data = entry(7, topic_type="问题解决型")
    return read_docx(qc_report_docx(data, images=0, steps=steps)).text()


def test_headings_written_in_many_ways_name_their_step():
    assert headings("（三）目标可行性分析\n5.巩固措施") == ["目标可行性分析", "巩固措施"]
    assert step_of("目标可行性分析") == "设定目标及目标可行性论证"
    assert step_of("巩固措施") == "制定巩固措施"
    assert step_of("要因确认") == "确定主要原因"
    assert step_of("现状的把握") == "现状调查"
    assert step_of("效果的确认") == "效果检查"
    assert step_of("反省及今后打算") == "总结和下一步打算"
    assert step_of("王敏 女 42 负责现状调查") is None  # a table row, not a heading


def test_full_problem_solving_report_lacks_no_step():
    text = report_text()
    assert missing_steps(text, "问题解决型") == []
    assert len(worked_steps(text, 40)) >= len(PROBLEM_STEPS) - 2


def test_report_without_its_causes_lacks_exactly_those_steps():
    kept = tuple(s for s in PROBLEM_STEPS if s not in ("原因分析", "确定主要原因"))
    assert missing_steps(report_text(kept), "问题解决型") == ["原因分析", "确定主要原因"]


def test_a_list_of_step_names_is_not_a_worked_report():
    outline = "QC小组活动培训提纲\n一、选择课题\n二、现状调查\n三、设定目标\n四、原因分析\n五、确定主要原因\n六、制定对策"
    assert headings(outline)[1:3] == ["选择课题", "现状调查"]
    assert worked_steps(outline, 40) == []
