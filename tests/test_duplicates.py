"""The same QC result sent again, from any address: one registration, one number, one receipt.

Real mails through `Pipeline` on SQLite and PostgreSQL. What is asserted is
what people notice: the outcome line, the registrations stored, the
replies queued (a duplicate gets none), and what the secretariat is told.
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
import functools

import pytest

from intake.base.config import load_settings
from samples import mails
from samples.containers import seven_zip_of
from samples.forms import entry_form_docx, qc_report_docx
from samples.entries import sample_entry
from samples.seals import seal_png
from intake.run.pipeline import Pipeline
from tests.configs import feed, write_config

COLLEAGUE = {"sender": "li.na@sx.chinamobile.com", "sender_name": "李娜"}


@pytest.fixture
def pipeline(tmp_path, store_url):
    pipe = Pipeline.open(load_settings(write_config(tmp_path, store_url=store_url)))
    yield pipe
    pipe.close()


@functools.lru_cache(maxsize=None)
def seal(enterprise: str) -> bytes:
    return seal_png(enterprise)


def entry_form(data, layout: str = "official") -> tuple[str, bytes]:
    return f"附件2 报名表-{data.group}.docx", entry_form_docx(data, layout=layout, seal=seal(data.enterprise))


def report(data, images: int = 0) -> tuple[str, bytes]:
    return f"{data.topic}成果报告.docx", qc_report_docx(data, images=images)


def flags(outcome: dict, code: str) -> list[dict]:
    return [flag for flag in outcome["review_flags"] if flag["code"] == code]


def reply_text(pipeline: Pipeline) -> str:
    raw = pipeline.store.all_replies()[-1].raw
    return email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()


def registered(pipeline: Pipeline) -> list[str]:
    return [reg.number for reg in pipeline.store.all_registrations()]


def test_same_files_from_a_colleague_are_a_duplicate_of_the_first_registration(pipeline):
    data = sample_entry(801)
    files = [entry_form(data), report(data)]
    first = feed(pipeline, mails.submission_mail(data, files))
    assert first["classification"] == "submission" and first["verdict"] == "accepted"
    [number] = registered(pipeline)

    colleague = dataclasses.replace(data, **COLLEAGUE)
    again = feed(pipeline, mails.submission_mail(colleague, files, client="qq_web", subject="QC成果报名材料（重发）"))

    assert again["classification"] == "duplicate"
    assert again["reply"] is None and again["submissions"] == []
    assert registered(pipeline) == [number]
    assert len(pipeline.store.all_replies()) == 1, "no second receipt"
    [flag] = flags(again, "REPEATED_SUBMISSION")
    assert flag["detail"] == (f"本邮件的附件与已登记的{number}（{data.enterprise.strip()}，课题“{data.topic}”，"
                              f"由{data.sender}报送）的材料完全相同，按重复来信处理，未另行编号，也未回复。")


def test_the_same_files_packed_differently_are_a_duplicate(pipeline):
    data = sample_entry(802)
    files = [entry_form(data, layout="spaced_labels"), report(data, images=1)]
    first = feed(pipeline, mails.submission_mail(data, [("报名材料.zip", mails.zip_of(files))]))
    assert first["verdict"] == "accepted"
    [number] = registered(pipeline)

    colleague = dataclasses.replace(data, **COLLEAGUE)
    repacked = feed(pipeline, mails.submission_mail(colleague, [("QC成果.7z", seven_zip_of(files[::-1]))]))
    loose = feed(pipeline, mails.submission_mail(dataclasses.replace(data, sender="qc.office@163.com",
                                                                     sender_name="办公室"), files))

    assert [repacked["classification"], loose["classification"]] == ["duplicate", "duplicate"]
    assert repacked["reply"] is None and loose["reply"] is None
    assert registered(pipeline) == [number]
    assert len(pipeline.store.all_replies()) == 1
    assert number in flags(loose, "REPEATED_SUBMISSION")[0]["detail"]


def test_a_revised_report_with_the_same_entry_form_corrects_the_registration(pipeline):
    data = sample_entry(803)
    feed(pipeline, mails.submission_mail(data, [entry_form(data), report(data, images=0)]))
    [number] = registered(pipeline)

    colleague = dataclasses.replace(data, **COLLEAGUE)
    revised = feed(pipeline, mails.submission_mail(colleague, [entry_form(data), ("成果报告（修改稿）.docx",
                                                                                   qc_report_docx(data, images=2))]))

    assert revised["classification"] == "correction" and revised["verdict"] == "accepted"
    assert [s["number"] for s in revised["submissions"]] == [number]
    assert registered(pipeline) == [number], "no second registration of the same group"
    assert revised["reply"]["type"] == "acknowledgement" and revised["reply"]["to"] == COLLEAGUE["sender"]
    assert number in reply_text(pipeline)
    [flag] = flags(revised, "RESUBMITTED_RESULT")
    assert flag["detail"].startswith(f"《附件2 报名表-{data.group}.docx》与已登记的{number}（")
    assert "来信未注明编号，已按该编号的更正处理，未另行编号。" in flag["detail"]


def test_the_same_result_in_new_files_keeps_its_number(pipeline):
    data = sample_entry(804)
    feed(pipeline, mails.submission_mail(data, [entry_form(data), report(data)]))
    [number] = registered(pipeline)

    # Retyped by a colleague: another form layout, a new phone number, a report with pictures.
    retyped = dataclasses.replace(data, phone="0351-7654321", **COLLEAGUE)
    again = feed(pipeline, mails.submission_mail(retyped, [entry_form(retyped, layout="value_below"),
                                                           report(retyped, images=1)], client="outlook"))

    assert again["classification"] == "correction"
    assert [s["number"] for s in again["submissions"]] == [number]
    assert registered(pipeline) == [number]
    assert "同一单位、同一小组的同一课题" in flags(again, "RESUBMITTED_RESULT")[0]["detail"]


def test_another_group_of_the_unit_on_the_same_topic_is_registered_and_flagged(pipeline):
    data = sample_entry(810)
    feed(pipeline, mails.submission_mail(data, [entry_form(data), report(data)]))
    [number] = registered(pipeline)

    # Two groups of one unit may choose one topic: not proof of a repeat, so a person decides.
    other_group = dataclasses.replace(sample_entry(811, enterprise=data.enterprise, topic=data.topic),
                                      group="动力维护QC小组", **COLLEAGUE)
    outcome = feed(pipeline, mails.submission_mail(other_group, [entry_form(other_group), report(other_group)]))

    assert outcome["classification"] == "submission"
    [submission] = outcome["submissions"]
    assert submission["number"] != number and submission["group"] == "动力维护QC小组"
    assert len(registered(pipeline)) == 2
    [flag] = flags(outcome, "SIMILAR_RESULT")
    assert flag["detail"].endswith("是同一单位的同一课题，但小组名称不同，已另行登记，请核对是否为同一成果。")
    assert number in flag["detail"]


def test_a_repeated_result_beside_a_new_one_keeps_its_number_and_the_new_one_gets_the_next(pipeline):
    data = sample_entry(805)
    feed(pipeline, mails.submission_mail(data, [entry_form(data), report(data)]))
    [number] = registered(pipeline)

    new = sample_entry(806, enterprise=data.enterprise, sender=data.sender, sender_name=data.sender_name)
    both = feed(pipeline, mails.submission_mail(new, [entry_form(new), report(new),
                                                      entry_form(data, layout="colon_in_cell"), report(data)]))

    assert both["classification"] == "submission"
    numbers = {s["topic"]: s["number"] for s in both["submissions"]}
    assert numbers[data.topic] == number and numbers[new.topic] != number
    assert sorted(registered(pipeline)) == sorted(numbers.values())
    assert [f["document"] for f in flags(both, "RESUBMITTED_RESULT")] == [f"附件2 报名表-{data.group}.docx"]


def test_a_report_already_registered_by_another_unit_is_flagged_not_merged(pipeline):
    data = sample_entry(807)
    files = [entry_form(data), report(data)]
    feed(pipeline, mails.submission_mail(data, files))
    [number] = registered(pipeline)

    other = dataclasses.replace(sample_entry(808), topic=data.topic, group=data.group)
    copied = feed(pipeline, mails.submission_mail(other, [entry_form(other), files[1]]))

    assert copied["classification"] == "submission"
    [submission] = copied["submissions"]
    assert submission["number"] != number and len(registered(pipeline)) == 2
    [flag] = flags(copied, "FILES_OF_ANOTHER_REGISTRATION")
    assert number in flag["detail"] and "但报名表所填单位不同，已另行登记" in flag["detail"]


def test_citing_the_number_stays_a_correction(pipeline):
    data = sample_entry(809)
    files = [entry_form(data), report(data)]
    feed(pipeline, mails.submission_mail(data, files))
    [number] = registered(pipeline)

    cited = feed(pipeline, mails.submission_mail(data, files, subject=f"{number} 重新报送"))

    assert cited["classification"] == "correction" and [s["number"] for s in cited["submissions"]] == [number]
    assert cited["review_flags"] == [] and cited["reply"]["type"] == "acknowledgement"
