"""notifier.sentcopy: replies filed in the real Dovecot's Sent folder (已发送) and found there again."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest

from intake.base.config import load_settings
from samples.mails import submission_mail
from intake.mailbox import MailboxError
from intake.run.pipeline import Pipeline
from notifier.sentcopy import SentCopies
from tests.configs import feed, write_config
from tests.peers.dovecot import DEFAULT_PASSWORD
from tests.readings import basic_files, entry

NOW = datetime(2023, 2, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(scope="module")
def receipt(tmp_path_factory) -> bytes:
    """A real 回执 as the pipeline renders it."""
    pipe = Pipeline.open(load_settings(write_config(tmp_path_factory.mktemp("receipt"))))
    try:
        data = entry()
        feed(pipe, submission_mail(data, basic_files(data)))
        return pipe.store.all_replies()[0].raw
    finally:
        pipe.close()


def message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]


def test_reply_is_filed_read_in_the_chinese_sent_folder_and_found_by_its_message_id(dovecot, receipt):
    dovecot.create_folder("已发送")
    copies = SentCopies(dovecot.mailbox_settings(), DEFAULT_PASSWORD)
    try:
        copies.file(receipt, NOW)
        assert copies.holds(message_id(receipt), NOW)
        assert not copies.holds("<not-ours@sxcia.example>", NOW)
    finally:
        copies.close()
    [uid] = dovecot.uids("已发送")
    assert "\\Seen" in dovecot.flags(uid, folder="已发送")
    assert dovecot.uids("INBOX") == ()


def test_configured_folder_name_wins(dovecot, receipt):
    dovecot.create_folder("已发送")
    dovecot.create_folder("QC回执存档")
    copies = SentCopies(dovecot.mailbox_settings(), DEFAULT_PASSWORD, folder="QC回执存档")
    try:
        copies.file(receipt, NOW)
    finally:
        copies.close()
    assert len(dovecot.uids("QC回执存档")) == 1 and dovecot.uids("已发送") == ()


def test_mailbox_without_a_sent_folder_says_what_to_configure(dovecot, receipt):
    copies = SentCopies(dovecot.mailbox_settings(), DEFAULT_PASSWORD, folder="已发送邮件")
    try:
        with pytest.raises(MailboxError, match="set \\[smtp\\] sent_folder"):
            copies.file(receipt, NOW)
    finally:
        copies.close()


def test_a_dropped_connection_is_tried_once_more_on_a_fresh_one(dovecot, receipt):
    dovecot.create_folder("已发送")
    copies = SentCopies(dovecot.mailbox_settings(), DEFAULT_PASSWORD)
    try:
        copies.file(receipt, NOW)
        dovecot.stop()
        dovecot.start()  # the service's connection is gone, the server is back
        copies.file(receipt, NOW + timedelta(minutes=1))
    finally:
        copies.close()
    assert len(dovecot.uids("已发送")) == 2
