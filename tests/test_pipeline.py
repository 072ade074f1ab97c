"""The pipeline's decisions as a sender and the secretariat see them, on SQLite and PostgreSQL."""
from __future__ import annotations

import email
import email.policy

import pytest

from intake.base.config import load_settings
from samples import mails
from intake.run.pipeline import Pipeline
from tests.configs import feed, write_config


@pytest.fixture
def pipeline(tmp_path, store_url):
    settings = load_settings(write_config(tmp_path, store_url=store_url))
    pipe = Pipeline.open(settings)
    yield pipe
    pipe.store.close()


def header(raw: bytes, name: str) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)[name])


def test_correction_reply_keeps_registration_number(pipeline):
    data, first = mails.complete_submission(21, stamped=False)
    deficient = feed(pipeline, first)
    assert deficient["verdict"] == "deficient"
    number = deficient["submissions"][0]["number"]

    [notice] = pipeline.store.all_replies()
    _, fixed = mails.complete_submission(21, stamped=True, mail_options={
        "subject": f"回复：{notice.subject}", "in_reply_to": notice.reply_message_id,
        "references": (header(first, "Message-ID"), notice.reply_message_id)})
    corrected = feed(pipeline, fixed)

    assert corrected["classification"] == "correction"
    assert corrected["verdict"] == "accepted"
    assert [s["number"] for s in corrected["submissions"]] == [number]
    [registration] = pipeline.store.all_registrations()
    assert registration.status == "accepted" and registration.number == number
    assert number in corrected["reply"]["subject"]


def test_number_cited_in_subject_makes_a_correction(pipeline):
    _, first = mails.complete_submission(22, stamped=False)
    number = feed(pipeline, first)["submissions"][0]["number"]
    _, again = mails.complete_submission(22, mail_options={"subject": f"{number} 补充盖章报名表"})
    corrected = feed(pipeline, again)
    assert corrected["classification"] == "correction"
    assert [s["number"] for s in corrected["submissions"]] == [number]


def test_machine_mail_never_gets_a_reply(pipeline):
    data, raw = mails.complete_submission(23)
    feed(pipeline, raw)
    outcomes = [feed(pipeline, mails.auto_reply_mail(data.sender, kind="qq")),
                feed(pipeline, mails.auto_reply_mail(data.sender, kind="exchange")),
                feed(pipeline, mails.bounce_mail(data.sender))]
    assert [o["classification"] for o in outcomes] == ["auto_reply", "auto_reply", "bounce"]
    assert all(o["reply"] is None for o in outcomes)
    assert len(pipeline.store.all_replies()) == 1


def test_same_files_sent_twice_is_a_duplicate(pipeline):
    data, raw = mails.complete_submission(24)
    feed(pipeline, raw)
    msg = email.message_from_bytes(raw)
    del msg["Message-ID"]
    msg["Message-ID"] = "<resent-24@example.cn>"
    again = feed(pipeline, msg.as_bytes())
    assert again["classification"] == "duplicate" and again["reply"] is None
    assert len(pipeline.store.all_registrations()) == 1


def test_observer_gets_observer_acknowledgement(pipeline):
    outcome = feed(pipeline, mails.observer_mail("zhao@sxunicom.example", "中国联合网络通信有限公司大同市分公司",
                                                 ["赵磊", "孙敏"]))
    assert outcome["classification"] == "observer"
    assert outcome["reply"]["type"] == "observer_acknowledgement"
    assert outcome["submissions"] == []


def test_several_results_in_one_mail_get_several_numbers(pipeline):
    from samples.forms import entry_form_docx, qc_report_docx
    from samples.entries import sample_entry
    from samples.seals import seal_png

    first = sample_entry(31)
    second = sample_entry(32, enterprise=first.enterprise, sender=first.sender, sender_name=first.sender_name)
    seal = seal_png(first.enterprise)
    files = []
    for data in (first, second):
        files += [(f"报名表-{data.group}.docx", entry_form_docx(data, seal=seal)),
                  (f"{data.topic}.docx", qc_report_docx(data))]
    outcome = feed(pipeline, mails.submission_mail(first, files))
    assert outcome["verdict"] == "accepted"
    assert sorted(s["topic"] for s in outcome["submissions"]) == sorted([first.topic, second.topic])
    assert len({s["number"] for s in outcome["submissions"]}) == 2


def test_unparseable_message_is_recorded_not_lost(pipeline):
    outcome = feed(pipeline, b"\x00\xff\xfe garbage without headers \x00")
    assert outcome["classification"] == "unreadable"
    assert outcome["reply"] is None
    assert not pipeline.store.pending_messages()


def test_zipped_forms_from_chinese_windows_are_read_and_archived(pipeline):
    from samples.forms import entry_form_docx, qc_report_docx
    from samples.entries import sample_entry
    from samples.seals import seal_png

    data = sample_entry(41)
    bundle = mails.zip_of([(f"附件2 报名表（{data.group}）.docx", entry_form_docx(data, seal=seal_png(data.enterprise))),
                           (f"{data.topic}成果报告.docx", qc_report_docx(data))], gbk_names=True)
    outcome = feed(pipeline, mails.submission_mail(data, [("报名材料.zip", bundle)]))

    assert outcome["verdict"] == "accepted", outcome["deficiencies"]
    names = {d["filename"] for d in outcome["documents"]}
    assert f"附件2 报名表（{data.group}）.docx" in names
    archived = {p.name for p in (pipeline.settings.store.archive_dir / "files").rglob("*.docx")}
    assert f"附件2 报名表（{data.group}）.docx" in archived
