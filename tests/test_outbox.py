"""The outbox against a real SMTP server having bad days: every reply once, never twice.

Time is a clock the test moves (backoff and rate limits are minutes long);
the SMTP server, Dovecot and the databases are real.
"""
from __future__ import annotations

import email
import email.policy
import imaplib
from datetime import datetime, timedelta, timezone

import pytest

from intake.base.config import load_settings
from notifier.compose import compose
from notifier.render import ReplyContent
from notifier.send import OutboxSender, sender_for
from store import Store
from store.models import Outbox, OutboxStatus
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER, _mailbox_name

FROM = "山西省通信行业协会秘书处 <qc@sxcia.example>"
T0 = datetime(2023, 2, 27, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def settings_for(tmp_path, store_url, smtp_server, *, smtp_extra="", dovecot=None):
    path = write_config(tmp_path / "svc", store_url=store_url, transport="smtp", smtp_url=smtp_server.url,
                        smtp_user=DEFAULT_USER, imap_url=dovecot.url() if dovecot else "imap://127.0.0.1:1")
    text = path.read_text(encoding="utf-8").replace("\n[digest]", f"{smtp_extra}\n\n[digest]")
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def make_sender(settings, store, clock, monkeypatch=None) -> OutboxSender:
    if monkeypatch is not None:
        monkeypatch.setenv("TEST_IMAP_PASSWORD", DEFAULT_PASSWORD)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", DEFAULT_PASSWORD)
        return sender_for(settings, store, clock=clock)
    return OutboxSender(store, settings.smtp, DEFAULT_PASSWORD, tz=settings.competition.timezone,
                        own_addresses=("qc@sxcia.example",), clock=clock)


def queue(store: Store, to_addr: str, number: int = 1) -> int:
    subject = f"报名回执：总编号QC2023-{number:03d}（2023年全省全面质量管理成果竞赛）"
    raw, reply_id = compose(ReplyContent(subject, "回执正文", "<p>回执正文</p>"), from_addr=FROM,
                            to_addr=to_addr, in_reply_to=f"<orig{number}@126.com>")
    with store.session() as s:
        row = Outbox(message_id=None, reply_type="acknowledgement", to_addr=to_addr,
                     reply_message_id=reply_id, subject=subject, raw=raw)
        s.add(row)
        s.flush()
        return row.id


def reply(store: Store, outbox_id: int) -> Outbox:
    with store.session() as s:
        return s.get(Outbox, outbox_id)


def crash_while_sending(store: Store, outbox_id: int, claimed_at: datetime) -> None:
    """What a process killed between its claim and its `sent` commit leaves behind."""
    with store.session() as s:
        row = s.get(Outbox, outbox_id)
        row.status, row.claimed_at = OutboxStatus.SENDING, claimed_at
        s.add(row)


@pytest.fixture
def store(store_url):
    store = Store(store_url)
    yield store
    store.close()


def test_temporary_answers_back_off_then_deliver_exactly_once(tmp_path, store, store_url, smtp_server):
    settings, clock = settings_for(tmp_path, store_url, smtp_server), Clock()
    sender = make_sender(settings, store, clock)
    outbox_id = queue(store, "lijunjie@126.com")
    smtp_server.fail_next(1, "421 4.7.0 Too many connections, try later")
    smtp_server.fail_next(1, "451 4.3.0 Temporary local problem")

    assert sender.deliver().deferred == 1
    first = reply(store, outbox_id)
    assert first.status == OutboxStatus.QUEUED and first.last_error.startswith("421")
    clock.advance(10)
    assert sender.deliver().sent == 0 and smtp_server.attempts == 1, "not retried before its backoff ran out"
    clock.advance(25)
    assert sender.deliver().deferred == 1 and smtp_server.attempts == 2
    clock.advance(35)
    assert sender.deliver().sent == 0 and smtp_server.attempts == 2, "the second wait is longer (60 s)"
    clock.advance(30)
    assert sender.deliver().sent == 1
    clock.advance(3600)
    assert sender.deliver().sent == 0

    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("lijunjie@126.com",) and smtp_server.attempts == 3
    done = reply(store, outbox_id)
    assert done.status == OutboxStatus.SENT and done.attempts == 3 and done.last_error is None


def test_refused_connections_and_a_dropped_data_are_retried(tmp_path, store, store_url, smtp_server):
    settings, clock = settings_for(tmp_path, store_url, smtp_server), Clock()
    sender = make_sender(settings, store, clock)
    outbox_id = queue(store, "lijunjie@126.com")
    smtp_server.stop()

    assert sender.deliver().deferred == 1
    assert "ConnectionRefused" in reply(store, outbox_id).last_error
    assert reply(store, outbox_id).attempts == 0, "the server being away is no fault of the reply"
    smtp_server.start()
    smtp_server.drop_next(1)
    clock.advance(31)
    assert sender.deliver().deferred == 1 and smtp_server.attempts == 1 and not smtp_server.messages
    clock.advance(61)
    assert sender.deliver().sent == 1

    assert len(smtp_server.wait_for(1)) == 1 and smtp_server.attempts == 2
    assert reply(store, outbox_id).status == OutboxStatus.SENT


def test_dt_spm_rejection_fails_for_good_with_the_servers_answer(tmp_path, store, store_url, smtp_server):
    settings, clock = settings_for(tmp_path, store_url, smtp_server), Clock()
    sender = make_sender(settings, store, clock)
    spam, gbk = queue(store, "a@126.com", 1), queue(store, "b@126.com", 2)
    smtp_server.fail_next(1, "554 DT:SPM 163 smtp12,EuCowAD3v9Zb--.9417S2 1674297435,please see "
                             "http://mail.163.com/help/help_spam_16.htm?ip=127.0.0.1")
    smtp_server.fail_next(1, "554 DT:SPM 发送的邮件内容包含了未被许可的信息，或被系统识别为垃圾邮件".encode("gbk"))

    report = sender.deliver()
    clock.advance(86400)
    sender.deliver()

    assert report.failed == 2 and not smtp_server.messages and smtp_server.attempts == 2
    assert reply(store, spam).status == OutboxStatus.FAILED
    assert reply(store, spam).last_error.startswith("554 DT:SPM 163 smtp12")
    assert reply(store, gbk).last_error == "554 DT:SPM 发送的邮件内容包含了未被许可的信息，或被系统识别为垃圾邮件"


def test_rate_limit_spreads_sends_over_minutes(tmp_path, store, store_url, smtp_server):
    settings = settings_for(tmp_path, store_url, smtp_server, smtp_extra="rate_per_minute = 2")
    clock = Clock()
    sender = make_sender(settings, store, clock)
    for n in range(5):
        queue(store, f"sender{n}@126.com", n)

    sent_per_round = [sender.deliver().sent]
    clock.advance(5)
    sent_per_round.append(sender.deliver().sent)
    for _ in range(3):
        clock.advance(61)
        sent_per_round.append(sender.deliver().sent)

    assert sent_per_round == [2, 0, 2, 1, 0]
    assert len(smtp_server.wait_for(5)) == 5


def test_daily_cap_per_sender_holds_back_the_rest(tmp_path, store, store_url, smtp_server):
    settings = settings_for(tmp_path, store_url, smtp_server, smtp_extra="daily_cap_per_sender = 2")
    sender = make_sender(settings, store, Clock())
    capped = [queue(store, "busy@126.com", n) for n in range(3)]
    other = queue(store, "calm@126.com", 9)

    report = sender.deliver()

    assert (report.sent, report.failed) == (3, 1)
    assert [reply(store, i).status for i in capped] == ["sent", "sent", "failed"]
    assert "上限" in reply(store, capped[2]).last_error
    assert reply(store, other).status == "sent"


@pytest.mark.parametrize("address", ["MAILER-DAEMON@126.com", "postmaster@qq.com", "noreply@example.cn",
                                     "no-reply+123@example.cn", "QC@sxcia.example", "bad address@x.cn"])
def test_no_reply_to_an_address_that_could_start_a_loop(tmp_path, store_url, smtp_server, address):
    store = Store(store_url)
    settings = settings_for(tmp_path, store_url, smtp_server)
    outbox_id = queue(store, address)

    assert make_sender(settings, store, Clock()).deliver().failed == 1

    assert reply(store, outbox_id).status == OutboxStatus.FAILED and reply(store, outbox_id).last_error
    assert smtp_server.attempts == 0
    store.close()


def test_crash_while_sending_resends_once_then_marks_uncertain(tmp_path, store, store_url, smtp_server):
    """No Sent folder to look in: at-least-once, at most one extra copy (see notifier/send.py)."""
    settings, clock = settings_for(tmp_path, store_url, smtp_server), Clock()
    outbox_id = queue(store, "lijunjie@126.com")
    make_sender(settings, store, clock).deliver()          # delivered: 250 ...
    crash_while_sending(store, outbox_id, clock.now)        # ... but the `sent` commit was lost

    restarted = make_sender(settings, store, clock)
    assert restarted.deliver().recovered == 0, "a fresh claim may be a live sender's"
    clock.advance(301)
    report = restarted.deliver()

    assert (report.recovered, report.sent) == (1, 1)
    assert reply(store, outbox_id).status == OutboxStatus.SENT and reply(store, outbox_id).resends == 1
    crash_while_sending(store, outbox_id, clock.now)
    clock.advance(301)
    assert make_sender(settings, store, clock).deliver().sent == 0
    assert reply(store, outbox_id).status == OutboxStatus.UNCERTAIN
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2 and messages[0].raw == messages[1].raw, "the same Message-ID both times"


def test_crash_while_sending_is_settled_from_the_sent_folder(tmp_path, store, store_url, smtp_server,
                                                             dovecot, monkeypatch):
    """[smtp] sent_copy = "server": the server files what it accepts; a copy there proves the send."""
    dovecot.create_folder("已发送")
    settings = settings_for(tmp_path, store_url, smtp_server, dovecot=dovecot, smtp_extra='sent_copy = "server"')
    clock = Clock()
    delivered, lost = queue(store, "a@126.com", 1), queue(store, "b@126.com", 2)
    dovecot.append(reply(store, delivered).raw, folder="已发送")  # what the server filed before the crash
    crash_while_sending(store, delivered, clock.now)
    crash_while_sending(store, lost, clock.now)
    clock.advance(301)

    sender = make_sender(settings, store, clock, monkeypatch)
    report = sender.deliver()
    sender.close()

    assert report.recovered == 2 and report.sent == 1
    assert reply(store, delivered).status == OutboxStatus.SENT and reply(store, delivered).resends == 0
    assert reply(store, lost).status == OutboxStatus.SENT and reply(store, lost).resends == 1
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [("b@126.com",)]


def test_sent_reply_is_filed_in_the_chinese_sent_folder(tmp_path, store, store_url, smtp_server, dovecot,
                                                        monkeypatch):
    dovecot.create_folder("已发送")
    settings = settings_for(tmp_path, store_url, smtp_server, dovecot=dovecot, smtp_extra='sent_copy = "append"')
    outbox_id = queue(store, "lijunjie@126.com", 7)

    sender = make_sender(settings, store, Clock(), monkeypatch)
    assert sender.deliver().sent == 1
    sender.close()

    [uid] = dovecot.uids("已发送")
    assert "\\Seen" in dovecot.flags(uid, folder="已发送")
    filed = email.message_from_bytes(_fetch(dovecot, "已发送", uid), policy=email.policy.default)
    assert filed["Message-ID"] == reply(store, outbox_id).reply_message_id
    assert "QC2023-007" in filed["Subject"]
    assert reply(store, outbox_id).filed_at is not None
    assert dovecot.uids("INBOX") == (), "nothing lands in the inbox the service reads"


def _fetch(dovecot, folder: str, uid: int) -> bytes:
    client = imaplib.IMAP4(dovecot.host, dovecot.imap_port, timeout=10)
    try:
        client.login(DEFAULT_USER, DEFAULT_PASSWORD)
        client.select(_mailbox_name(folder), readonly=True)
        _, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        return data[0][1]
    finally:
        client.logout()
