"""intake.record.repeats: mail that repeats what is registered, by content, from whichever address it comes."""
from __future__ import annotations

import dataclasses

import pytest

from intake.base.config import load_settings
from samples.mails import submission_mail, zip_of
from intake.base.model import Severity
from intake.run.pipeline import Pipeline
from intake.record.repeats import repeated_mail, repeated_results
from tests.configs import feed, write_config
from tests.readings import accepted, basic_files, entry, entry_form, report, submission_of


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path)))
    yield pipe
    pipe.close()


@pytest.fixture
def registered(pipeline):
    """One result registered from the unit's contact; its number."""
    data = entry()
    return feed(pipeline, submission_mail(data, basic_files(data)))["submissions"][0]["number"]


def _other_sender(data):
    return dataclasses.replace(data, sender="zhangwei_qc@139.com", sender_name="张伟")


def test_same_files_zipped_from_another_address_repeat_the_mail(pipeline, registered):
    data = entry()
    raw = submission_mail(_other_sender(data), [("报名材料.zip", zip_of(basic_files(data)))])
    message, mail = accepted(pipeline, raw)
    documents = submission_of(raw).documents
    flag = repeated_mail(pipeline.store, documents, message.id)
    assert (flag.code, flag.severity) == ("REPEATED_SUBMISSION", Severity.REVIEW)
    assert flag.detail.startswith(f"本邮件的附件与已登记的{registered}（{data.enterprise}，课题“{data.topic}”，由")
    assert flag.detail.endswith("的材料完全相同，按重复来信处理，未另行编号，也未回复。")


def test_one_new_file_makes_it_no_repeat(pipeline, registered):
    data = entry()
    raw = submission_mail(data, [*basic_files(data), ("说明.txt", "补充说明：报告第3页图表已更新。".encode())])
    message, _ = accepted(pipeline, raw)
    assert repeated_mail(pipeline.store, submission_of(raw).documents, message.id) is None


def test_same_result_rewritten_without_its_number_corrects_that_registration(pipeline, registered):
    data = entry()
    files = [("报名表（修改）.docx", entry_form(data, layout="spaced_labels")), (f"{data.topic}.docx", report(data))]
    raw = submission_mail(_other_sender(data), files)
    message, _ = accepted(pipeline, raw)
    (same,), (flag,) = repeated_results(pipeline.store, submission_of(raw).pairings, message.id)
    assert same.number == registered
    assert flag.code == "RESUBMITTED_RESULT" and flag.document == "报名表（修改）.docx"
    assert "是同一成果（同一单位、同一小组的同一课题），来信未注明编号，已按该编号的更正处理，未另行编号。" in flag.detail


def test_same_group_with_another_topic_is_registered_with_a_flag(pipeline, registered):
    data = entry()
    second = dataclasses.replace(data, topic="提高基站蓄电池巡检及时率")
    raw = submission_mail(second, [("报名表二.docx", entry_form(second)), ("报告二.docx", report(second))])
    message, _ = accepted(pipeline, raw)
    (same,), (flag,) = repeated_results(pipeline.store, submission_of(raw).pairings, message.id)
    assert same is None
    assert flag.code == "SIMILAR_RESULT"
    assert "是同一单位的同一小组，但课题名称不同，已另行登记，请核对是否为同一成果。" in flag.detail


def test_another_units_result_is_no_repeat(pipeline, registered):
    other = entry(12)
    raw = submission_mail(other, basic_files(other))
    message, _ = accepted(pipeline, raw)
    assert repeated_results(pipeline.store, submission_of(raw).pairings, message.id) == ((None,), ())
