"""The mailbox against a real Dovecot: what 163.com needs, and read-only reading."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from intake.mailbox import Mailbox, MailboxError
from tests.peers.dovecot import DovecotServer

CST = timezone(timedelta(hours=8))


def _message(n: int) -> bytes:
    return (f"From: sender{n}@example.cn\r\nTo: intake@example.test\r\n"
            f"Subject: =?utf-8?b?5oql5ZCN?= {n}\r\nMessage-ID: <m{n}@example.cn>\r\n\r\n"
            f"body {n}\r\n").encode()


def _mailbox(dovecot: DovecotServer, **changes) -> Mailbox:
    return Mailbox(replace(dovecot.mailbox_settings(), **changes), dovecot.password)


def _wait_for_log(dovecot: DovecotServer, text: str, timeout: float = 5.0) -> str:
    """Dovecot's log process writes asynchronously."""
    deadline = time.monotonic() + timeout
    while text not in (log := dovecot.log_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


def test_open_sends_imap_id_for_163(dovecot):
    with _mailbox(dovecot):
        pass
    log = _wait_for_log(dovecot, "ID sent: name=qc-intake")
    assert "ID sent: name=qc-intake" in log
    assert "support-email=intake@example.test" in log


def test_fetch_returns_only_messages_after_last_uid(dovecot):
    uids = [dovecot.append(_message(n)) for n in range(3)]
    with _mailbox(dovecot) as mailbox:
        fetched = list(mailbox.fetch_after(uids[0]))
    assert [m.uid for m in fetched] == uids[1:]
    assert [m.raw for m in fetched] == [_message(1), _message(2)]
    assert all(m.uidvalidity == mailbox.uidvalidity > 0 for m in fetched)
    assert [m.size for m in fetched] == [len(_message(1)), len(_message(2))]


def test_fetch_after_highest_uid_yields_nothing(dovecot):
    # "n:*" always matches the highest UID, even when it is below n.
    highest = [dovecot.append(_message(n)) for n in range(2)][-1]
    with _mailbox(dovecot) as mailbox:
        assert list(mailbox.fetch_after(highest)) == []
        assert list(mailbox.fetch_after(highest + 10)) == []


def test_fetch_from_empty_folder_yields_nothing(dovecot):
    with _mailbox(dovecot) as mailbox:
        assert list(mailbox.fetch_after(0)) == []


def test_fetch_in_batches_keeps_uid_order(dovecot):
    uids = [dovecot.append(_message(n)) for n in range(5)]
    with _mailbox(dovecot, batch_size=2) as mailbox:
        fetched = list(mailbox.fetch_after(0))
    assert [m.uid for m in fetched] == uids
    assert [m.raw for m in fetched] == [_message(n) for n in range(5)]


def test_fetch_leaves_messages_unread(dovecot):
    uids = [dovecot.append(_message(n)) for n in range(2)]
    with _mailbox(dovecot) as mailbox:
        assert len(list(mailbox.fetch_after(0))) == 2
    for uid in uids:
        assert "\\Seen" not in dovecot.flags(uid)


def test_internaldate_given_at_append_comes_back_aware(dovecot):
    received = datetime(2023, 3, 2, 23, 59, 30, tzinfo=CST)
    dovecot.append(_message(1), internaldate=received)
    with _mailbox(dovecot) as mailbox:
        (fetched,) = mailbox.fetch_after(0)
    # The same instant; the offset is the server's (Maildir keeps only a
    # timestamp, so Dovecot answers in its own zone, 163.com in +08:00).
    assert fetched.internaldate.utcoffset() is not None
    assert fetched.internaldate == received


def test_check_sees_new_mail_without_fetching(dovecot):
    with _mailbox(dovecot) as mailbox:
        uidvalidity, uidnext = mailbox.check()
        uid = dovecot.append(_message(1))
        assert mailbox.check() == (uidvalidity, uid + 1)
        assert uid >= uidnext


def test_check_sees_uidvalidity_change_after_reopen(dovecot):
    dovecot.append(_message(1))
    with _mailbox(dovecot) as mailbox:
        before, _ = mailbox.check()
        new = dovecot.reset_uidvalidity()
        # Dovecot drops a session whose selected folder changed UIDVALIDITY.
        with pytest.raises(MailboxError, match="connection was dropped"):
            mailbox.check()
        mailbox.open()
        assert mailbox.check()[0] == new != before
        (fetched,) = mailbox.fetch_after(0)
    assert fetched.uidvalidity == new


def test_chinese_folder_name_is_read(dovecot):
    dovecot.create_folder("报名材料")
    uid = dovecot.append(_message(1), folder="报名材料")
    with _mailbox(dovecot, folder="报名材料") as mailbox:
        assert [m.uid for m in mailbox.fetch_after(0)] == [uid]


def test_missing_folder_raises_mailbox_error(dovecot):
    with pytest.raises(MailboxError, match="folder 'Nowhere'"):
        _mailbox(dovecot, folder="Nowhere").open()


def test_imaps_with_ca_file_works(dovecot):
    uid = dovecot.append(_message(1))
    with Mailbox(dovecot.mailbox_settings(tls=True), dovecot.password) as mailbox:
        assert [m.uid for m in mailbox.fetch_after(0)] == [uid]


def test_imaps_without_ca_file_names_the_setting(dovecot):
    settings = replace(dovecot.mailbox_settings(tls=True), ca_file=None)
    with pytest.raises(MailboxError, match="ca_file"):
        Mailbox(settings, dovecot.password).open()


def test_wrong_password_raises_mailbox_error(dovecot):
    mailbox = Mailbox(dovecot.mailbox_settings(), "wrong")
    with pytest.raises(MailboxError, match="login refused for intake@example.test.*INTAKE_IMAP_PASSWORD"):
        mailbox.open()
    assert not mailbox.is_open


def test_non_ascii_password_raises_mailbox_error(dovecot):
    with pytest.raises(MailboxError, match="non-ASCII"):
        Mailbox(dovecot.mailbox_settings(), "网页密码").open()


def test_closed_port_raises_mailbox_error_quickly(dovecot):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(MailboxError, match="cannot connect"):
        _mailbox(dovecot, url=f"imap://127.0.0.1:{port}").open()
    assert time.monotonic() - started < 2


def test_silent_server_times_out_as_mailbox_error(dovecot):
    # Accepts the TCP connection but never greets, like a hung 163 link.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"imap://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(MailboxError, match="cannot connect"):
            _mailbox(dovecot, url=url, timeout=0.5).open()
    assert time.monotonic() - started < 2


def test_server_gone_raises_mailbox_error_and_reopen_recovers(dovecot):
    mailbox = _mailbox(dovecot).open()
    dovecot.stop()
    with pytest.raises(MailboxError):
        mailbox.check()
    assert not mailbox.is_open
    dovecot.start()
    with _mailbox(dovecot) as mailbox:
        assert mailbox.check()[1] >= 1


def test_wait_for_new_returns_when_mail_arrives(dovecot):
    with _mailbox(dovecot) as mailbox:
        assert mailbox.has_idle
        threading.Timer(0.3, dovecot.append, [_message(1)]).start()
        started = time.monotonic()
        assert mailbox.wait_for_new(timeout=10) is True
        assert time.monotonic() - started < 5
        assert [m.raw for m in mailbox.fetch_after(0)] == [_message(1)]


def test_wait_for_new_reports_mail_that_came_before_idle(dovecot):
    with _mailbox(dovecot) as mailbox:
        mailbox.check()
        dovecot.append(_message(1))
        started = time.monotonic()
        assert mailbox.wait_for_new(timeout=5) is True
        assert time.monotonic() - started < 1


def test_wait_for_new_times_out_quietly(dovecot):
    with _mailbox(dovecot) as mailbox:
        assert mailbox.wait_for_new(timeout=0.3) is False
        assert mailbox.check()[0] == mailbox.uidvalidity


def test_a_backlog_is_fetched_in_growing_batches_up_to_batch_size(dovecot):
    # The first mail is worked on while the next ones download: a FETCH answers whole.
    uids = [dovecot.append(_message(n)) for n in range(23)]
    with _mailbox(dovecot, batch_size=6) as mailbox:
        asked = []
        fetch = mailbox._require_open().fetch

        def counting(batch, *args, **kwargs):
            asked.append(len(batch))
            return fetch(batch, *args, **kwargs)

        mailbox._require_open().fetch = counting
        fetched = list(mailbox.fetch_after(0))
    assert [m.uid for m in fetched] == uids
    assert asked == [2, 4, 6, 6, 5]
