"""intake.record.history: what the store already knows about a new mail — what it corrects, the unit's history."""
from __future__ import annotations

import dataclasses

import pytest

from intake.base.config import load_settings
from samples.forms_other import enterprise_nomination_docx
from samples.mails import submission_mail
from samples.entries import enterprise_story
from intake.record.history import cited_numbers, latest_per_kind, look_up, rule_history, units_named
from intake.base.model import DocumentKind
from intake.run.pipeline import Pipeline
from intake.validators.names import result_key, unit_key
from tests.configs import feed, write_config
from tests.readings import accepted, basic_files, entry, read, seal, submission_of


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path)))
    yield pipe
    pipe.close()


def test_registration_numbers_cited_in_subject_and_body():
    data = entry()
    raw = submission_mail(data, [], subject="qc2023-0007 补充盖章页", body="另：QC2023-0012 的报告见附件，QC2023-0007 同上。")
    assert cited_numbers(submission_of(raw).mail, "QC2023-") == ["QC2023-0007", "QC2023-0012"]


def test_correction_citing_its_number_brings_back_the_registrations_files(pipeline):
    data = entry()
    number = feed(pipeline, submission_mail(data, basic_files(data, stamped=False)))["submissions"][0]["number"]
    fix = submission_mail(data, [basic_files(data)[0]], subject=f"{number} 补充盖章报名表")
    message, mail = accepted(pipeline, fix)
    found = look_up(pipeline.store, mail, message.id, "QC2023-")
    assert not found.duplicate
    assert [reg.number for reg in found.cited] == [number]
    assert sorted(doc.kind for doc in found.earlier_documents) == [DocumentKind.ENTRY_FORM, DocumentKind.QC_REPORT]
    report = next(doc for doc in found.earlier_documents if doc.kind is DocumentKind.QC_REPORT)
    assert report.filename == basic_files(data)[1][0] and data.topic in report.text


def test_same_message_id_again_is_a_duplicate(pipeline):
    data = entry()
    raw = submission_mail(data, basic_files(data), message_id="<20230220093000.abc@foxmail.com>")
    feed(pipeline, raw)
    again = submission_mail(data, basic_files(data), message_id="<20230220093000.abc@foxmail.com>",
                            subject="重发：报名材料")
    message, mail = accepted(pipeline, again)
    assert look_up(pipeline.store, mail, message.id, "QC2023-").duplicate


def test_unit_history_holds_its_results_and_nominations(pipeline):
    data = entry()
    first = feed(pipeline, submission_mail(data, basic_files(data)))
    nomination = enterprise_nomination_docx(data.enterprise, data.phone, data.address, data.postcode,
                                            enterprise_story(data.enterprise), seal=seal(data.enterprise))
    feed(pipeline, submission_mail(data, [("优秀企业报名表.docx", nomination)], subject="补报优秀企业报名表"))

    second = entry(8, enterprise=data.enterprise)
    message, mail = accepted(pipeline, submission_mail(second, basic_files(second)))
    sub = submission_of(submission_mail(second, basic_files(second)))
    history = rule_history(pipeline.store, sub, (), message.id)
    [registered] = history.results[unit_key(data.enterprise)]
    assert registered.result == result_key(data.topic, data.group)
    assert [r.number for r in pipeline.store.all_registrations() if r.id == registered.registration_id] == \
        [first["submissions"][0]["number"]]
    [earlier] = history.nominations[(DocumentKind.ENTERPRISE_NOMINATION, unit_key(data.enterprise))]
    assert (earlier.filename, earlier.nominee) == ("优秀企业报名表.docx", data.enterprise)
    assert history.corrected == frozenset() and history.first_received is None


def test_newest_document_of_each_kind_supersedes_the_older():
    data = entry()
    old = read("报名表.docx", basic_files(data)[0][1])
    new = dataclasses.replace(read("报名表（盖章）.docx", basic_files(data)[0][1]), sha256="other")
    report = read("报告.docx", basic_files(data)[1][1])
    assert latest_per_kind([old, report, new]) == (new, report)
    assert units_named([old, report]) == {unit_key(data.enterprise)}
