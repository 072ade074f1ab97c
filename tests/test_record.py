"""intake.record.write: a decision written down — numbers, documents, findings, the queued reply — in one go."""
from __future__ import annotations

import email
import email.policy

import pytest

from intake.base.config import load_settings
from samples.mails import submission_mail
from intake.run.pipeline import Pipeline
from intake.record.write import record_decision, record_unreadable
from notifier.compose import reply_composer
from store.models import MessageStatus
from tests.configs import write_config
from tests.readings import accepted, basic_files, entry

SPEC_KEYS = {"message_id", "from", "subject", "received_at", "classification", "classification_reason", "verdict",
             "deficiencies", "review_flags", "submissions", "documents", "reply"}


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path)))
    yield pipe
    pipe.close()


def _record(pipeline, raw: bytes) -> dict:
    message, mail = accepted(pipeline, raw)
    decision = pipeline.judge(mail, message)
    return record_decision(pipeline.store, pipeline.archive, pipeline.settings, message, mail, decision,
                           reply_composer(pipeline.settings))


def _reply_text(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()


def test_accepted_result_gets_the_first_number_its_documents_and_a_receipt(pipeline):
    data = entry()
    competition = pipeline.settings.competition
    first = f"{competition.code_prefix}{1:0{competition.code_digits}d}"  # QC2023-001
    outcome = _record(pipeline, submission_mail(data, basic_files(data)))
    assert set(outcome) == SPEC_KEYS
    assert (outcome["classification"], outcome["verdict"]) == ("submission", "accepted")
    [submitted] = outcome["submissions"]
    assert (submitted["number"], submitted["enterprise"], submitted["topic"], submitted["members"]) == \
        (first, data.enterprise, data.topic, data.members)
    [registration] = pipeline.store.all_registrations()
    assert (registration.number, registration.group_name, registration.status) == (first, data.group, "accepted")
    with pipeline.store.session() as s:
        stored = {doc.filename for doc in pipeline.store.documents_of(registration.id)}
    assert stored == {name for name, _ in basic_files(data)}
    [reply] = pipeline.store.all_replies()
    assert (reply.reply_type, reply.to_addr, reply.status) == ("acknowledgement", data.sender, "queued")
    assert first in reply.subject and first in _reply_text(reply.raw)


def test_deficient_result_keeps_its_finding_and_queues_a_notice(pipeline):
    data = entry()
    outcome = _record(pipeline, submission_mail(data, basic_files(data, stamped=False)))
    assert outcome["verdict"] == "deficient"
    assert [d["code"] for d in outcome["deficiencies"]] == ["MISSING_STAMP"]
    [registration] = pipeline.store.all_registrations()
    assert [f.code for f in pipeline.store.findings_of(registration.id)] == ["MISSING_STAMP"]
    [reply] = pipeline.store.all_replies()
    assert reply.reply_type == "deficiency_notice"
    assert "未加盖单位公章" in _reply_text(reply.raw)


def test_recording_twice_changes_nothing(pipeline):
    data = entry()
    raw = submission_mail(data, basic_files(data))
    message, mail = accepted(pipeline, raw)
    decision = pipeline.judge(mail, message)
    first = record_decision(pipeline.store, pipeline.archive, pipeline.settings, message, mail, decision,
                           reply_composer(pipeline.settings))
    again = record_decision(pipeline.store, pipeline.archive, pipeline.settings, message, mail, decision,
                           reply_composer(pipeline.settings))
    assert again == first
    assert len(pipeline.store.all_registrations()) == 1 and len(pipeline.store.all_replies()) == 1


def test_mail_that_cannot_be_parsed_is_recorded_with_its_reason(pipeline):
    message, _ = accepted(pipeline, submission_mail(entry(), []))
    outcome = record_unreadable(pipeline.store, message, "邮件结构损坏，无法解析")
    assert set(outcome) == SPEC_KEYS
    assert (outcome["classification"], outcome["classification_reason"]) == ("unreadable", "邮件无法解析")
    assert outcome["review_flags"] == [{"code": "MANUAL_REVIEW", "document": None, "detail": "邮件结构损坏，无法解析"}]
    [stored] = [m for m in pipeline.store.message_ledger() if m.id == message.id]
    assert stored.status == MessageStatus.PROCESSED and stored.error == "邮件结构损坏，无法解析"
    assert pipeline.store.all_replies() == []
