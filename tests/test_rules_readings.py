"""Real forms end to end: a complete form read right is acknowledged, an unsure reading goes to a person.

Mails built with the fixture builders go through `Pipeline` on SQLite and
PostgreSQL; what is asserted is the outcome, the reply and what is stored.
"""
from __future__ import annotations

import functools

from samples import mails
from samples.forms import qc_report_docx
from samples.forms_variants import (entry_form_checkbox_docx, entry_form_header_rows_docx,
                                            group_registration_header_rows_docx, report_marked_in_margin_docx,
                                            statistics_percent_xlsx)
from samples.entries import sample_entry, sample_members
from tests.configs import feed
from tests.test_rules_pipeline import at, codes, pipeline, reply_text, seal  # noqa: F401 - pipeline is a fixture


@functools.lru_cache(maxsize=None)
def report(data) -> tuple[str, bytes]:
    return f"{data.topic}成果报告.docx", qc_report_docx(data, images=0)


def submit(pipeline, data, files, day: int = 20) -> dict:
    return feed(pipeline, mails.submission_mail(data, [*files, report(data)], date=at(day)))


def test_complete_registration_in_header_rows_is_acknowledged(pipeline):
    data = sample_entry(640)
    files = [(f"报名表-{data.group}.docx", entry_form_header_rows_docx(data, seal=seal(data.enterprise))),
             ("注册登记表.docx", group_registration_header_rows_docx(data, sample_members(data),
                                                                     seal=seal(data.enterprise)))]
    outcome = submit(pipeline, data, files)
    assert outcome["verdict"] == "accepted", outcome["deficiencies"]
    assert outcome["review_flags"] == []
    [registration] = pipeline.store.all_registrations()
    assert (registration.group_name, registration.members) == (data.group, data.members)
    assert pipeline.store.all_replies()[-1].reply_type == "acknowledgement"


def test_marking_only_in_a_first_page_header_is_a_deficiency(pipeline):
    data = sample_entry(641)
    marked = (f"{data.topic}成果报告.docx", report_marked_in_margin_docx(data, "first_page_header"))
    outcome = feed(pipeline, mails.submission_mail(
        data, [(f"报名表-{data.group}.docx", entry_form_header_rows_docx(data, seal=seal(data.enterprise))), marked],
        date=at(20)))
    assert codes(outcome) == ["CONFIDENTIAL_MARKING"]
    assert "密级或保密标识“机密★1年”" in reply_text(pipeline)


def test_percent_cells_no_false_mismatch_and_a_real_one_flagged(pipeline):
    data = sample_entry(642)
    form = (f"报名表-{data.group}.docx", entry_form_header_rows_docx(data, seal=seal(data.enterprise)))
    right = submit(pipeline, data, [form, ("活动统计表.xlsx", statistics_percent_xlsx(196 / 268))])  # shows 73.1%
    assert right["verdict"] == "accepted" and right["review_flags"] == []

    other = sample_entry(643)
    form = (f"报名表-{other.group}.docx", entry_form_header_rows_docx(other, seal=seal(other.enterprise)))
    wrong = submit(pipeline, other, [form, ("活动统计表.xlsx", statistics_percent_xlsx(0.733))], day=21)
    assert wrong["verdict"] == "accepted"
    [flag] = wrong["review_flags"]
    assert flag["code"] == "STATISTICS_MISMATCH"
    assert "QC小组成果率73.3%与注册小组数268个对不上" in flag["detail"]


def test_check_box_topic_types_ticked_none_or_twice(pipeline):
    data = sample_entry(644, topic_type="创新型")
    ticked = submit(pipeline, data, [(f"报名表-{data.group}.docx", entry_form_checkbox_docx(
        data, "content_control", seal=seal(data.enterprise)))])
    assert ticked["verdict"] == "accepted", ticked["deficiencies"]
    assert pipeline.store.all_registrations()[-1].topic_type == "创新型"

    data = sample_entry(645)
    none = submit(pipeline, data, [(f"报名表-{data.group}.docx", entry_form_checkbox_docx(
        data, "none_ticked", seal=seal(data.enterprise)))], day=21)
    assert codes(none) == ["MISSING_FIELD"]
    assert none["deficiencies"][0]["detail"] == "报名表（附件2）中“课题类型”一栏未勾选任何选项。"

    data = sample_entry(646)
    both = submit(pipeline, data, [(f"报名表-{data.group}.docx", entry_form_checkbox_docx(
        data, "both_ticked", seal=seal(data.enterprise)))], day=22)
    assert codes(both) == ["INVALID_TOPIC_TYPE"]
    assert "同时勾选了“问题解决型、创新型”，请只勾选一种" in both["deficiencies"][0]["detail"]


def test_unfound_label_goes_to_a_person_but_a_blank_cell_under_its_label_is_missing(pipeline):
    data = sample_entry(647)
    renamed = entry_form_header_rows_docx(data, seal=seal(data.enterprise), relabel=(("联系人", "经办人"),))
    outcome = submit(pipeline, data, [(f"报名表-{data.group}.docx", renamed)])
    assert outcome["verdict"] == "accepted" and outcome["deficiencies"] == []
    [flag] = outcome["review_flags"]
    assert (flag["code"], flag["document"]) == ("MANUAL_REVIEW", f"报名表-{data.group}.docx")
    assert flag["detail"].startswith("未能确定报名表（附件2）中“联系人”是否已填写")

    other = sample_entry(648)
    blank = entry_form_header_rows_docx(other, seal=seal(other.enterprise), blank=("电话",))
    missing = submit(pipeline, other, [(f"报名表-{other.group}.docx", blank)], day=21)
    assert codes(missing) == ["MISSING_FIELD"]
    assert missing["deficiencies"][0]["detail"] == "报名表（附件2）中“电话”一栏未填写。"
