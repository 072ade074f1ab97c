"""notifier.transport: a reply through the real SMTP peer, each failure placed where it happened."""
from __future__ import annotations

import pytest

from intake.base.config import load_settings
from samples.mails import submission_mail
from intake.run.pipeline import Pipeline
from notifier.transport import DirectoryTransport, PermanentFailure, SmtpTransport, TemporaryFailure, make_transport
from tests.configs import feed, write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER
from tests.peers.smtp import DT_SPM
from tests.readings import basic_files, entry


@pytest.fixture(scope="module")
def receipt(tmp_path_factory):
    """A 回执 as the pipeline queues it (an outbox row)."""
    pipe = Pipeline.open(load_settings(write_config(tmp_path_factory.mktemp("receipt"))))
    try:
        data = entry()
        feed(pipe, submission_mail(data, basic_files(data)))
        return pipe.store.all_replies()[0]
    finally:
        pipe.close()


def smtp_settings(tmp_path, server):
    return load_settings(write_config(tmp_path, transport="smtp", smtp_url=server.url, smtp_user=DEFAULT_USER)).smtp


def test_reply_reaches_the_server_as_queued(tmp_path, smtp_server, receipt):
    transport = make_transport(smtp_settings(tmp_path, smtp_server), DEFAULT_PASSWORD)
    assert isinstance(transport, SmtpTransport)
    transport.send(receipt)
    transport.close()
    [got] = smtp_server.wait_for(1)
    assert got.rcpt_tos == (receipt.to_addr,) and got.mail_from == "qc@sxcia.example"
    assert got.login == DEFAULT_USER
    assert got.message["Message-ID"] == receipt.reply_message_id


def test_wrong_authorisation_code_is_the_accounts_problem_not_the_replys(tmp_path, smtp_server, receipt):
    transport = SmtpTransport(smtp_settings(tmp_path, smtp_server), "wrong-code")
    with pytest.raises(TemporaryFailure) as failure:
        transport.send(receipt)
    assert failure.value.counts is False and str(failure.value).startswith("535")
    assert smtp_server.messages == []


def test_temporary_refusal_counts_and_the_session_goes_on(tmp_path, smtp_server, receipt):
    transport = SmtpTransport(smtp_settings(tmp_path, smtp_server), DEFAULT_PASSWORD)
    smtp_server.fail_next(1)
    with pytest.raises(TemporaryFailure, match="^451") as failure:
        transport.send(receipt)
    assert failure.value.counts is True
    transport.send(receipt)
    transport.close()
    assert len(smtp_server.wait_for(1)) == 1


def test_163_spam_refusal_is_permanent_and_keeps_the_servers_words(tmp_path, smtp_server, receipt):
    smtp_server.reject_all(DT_SPM)
    transport = SmtpTransport(smtp_settings(tmp_path, smtp_server), DEFAULT_PASSWORD)
    with pytest.raises(PermanentFailure, match="^554 DT:SPM 163"):
        transport.send(receipt)
    transport.close()


def test_answer_in_gbk_is_decoded(tmp_path, smtp_server, receipt):
    smtp_server.reject_all("550 收件人邮箱不存在".encode("gbk"))
    transport = SmtpTransport(smtp_settings(tmp_path, smtp_server), DEFAULT_PASSWORD)
    with pytest.raises(PermanentFailure, match="收件人邮箱不存在"):
        transport.send(receipt)
    transport.close()


def test_recipient_with_chinese_characters_cannot_be_sent_to(tmp_path, smtp_server, receipt):
    transport = SmtpTransport(smtp_settings(tmp_path, smtp_server), DEFAULT_PASSWORD)
    odd = receipt.model_copy(update={"to_addr": "张伟@163.com"})
    with pytest.raises(PermanentFailure, match="收件地址含有非ASCII字符，SMTP无法投递：张伟@163.com"):
        transport.send(odd)
    transport.close()


def test_directory_transport_writes_the_reply_as_an_eml_file(tmp_path, receipt):
    transport = DirectoryTransport(tmp_path / "replies")
    transport.send(receipt)
    assert (tmp_path / "replies" / f"reply-{receipt.id:06d}.eml").read_bytes() == receipt.raw
