"""Network faults (SPEC §8 "IMAP disconnects and SMTP failures are retried"): the test suite's
own TCP proxy (tests/peers/faultproxy.py) sits between `intake run` and Dovecot, and between
the outbox and the SMTP server, and breaks connections at login, mid-FETCH, mid-DATA and
just after the server took a reply. Everything is eventually processed and answered, nothing
twice, except the one case SMTP itself cannot rule out: the server took the reply and its
250 was lost, so the resend is a duplicate (same Message-ID); the test counts it.
"""
from __future__ import annotations

import sqlite3
import time

from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER
from tests.peers.faultproxy import C2S, S2C, FaultProxy
from tests.peers.smtp import SmtpCapture
from tests.test_faults_crash import (
    append_all, fault_config, figures, message_id_of, replies_by_original, start_intake, stop_intake,
    submission_mails, wait_until,
)

# `figures` is the fixture defined there, used here by name.
assert figures


def _store_counts(db) -> tuple[int, int]:
    """(messages, processed); (0, 0) while the service is still building a new store's schema."""
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute("SELECT count(*), count(*) FILTER (WHERE status = 'processed') FROM message"
                                ).fetchone()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return 0, 0
            raise


def _outcome(smtp, expected: set[str]) -> tuple[int, int, int]:
    """(received, lost, duplicated) among the replies the SMTP server took."""
    per_original = replies_by_original(smtp.messages)
    lost = len(expected - set(per_original))
    duplicated = sum(n - 1 for n in per_original.values() if n > 1)
    return len(smtp.messages), lost, duplicated


def test_imap_cut_at_login_and_mid_fetch_is_retried_and_nothing_is_taken_twice(dovecot, tmp_path, figures):
    mails = submission_mails(40)
    backlog, late = mails[:30], mails[30:31]
    append_all(dovecot, backlog)
    expected = {message_id_of(raw) for raw in backlog + late}
    smtp = SmtpCapture(username=DEFAULT_USER, password=DEFAULT_PASSWORD)
    log = tmp_path / "intake.log"
    with FaultProxy(dovecot.host, dovecot.imap_port) as proxy:
        proxy.refuse_next(1)                                              # reset before the greeting
        proxy.cut_on(b"LOGIN", trigger=C2S, cut=C2S, name="at LOGIN")     # half a LOGIN reaches Dovecot
        proxy.cut_on(b"FETCH", trigger=C2S, cut=S2C, after=150_000, name="mid-FETCH at 150 kB")
        proxy.cut_on(b"FETCH", trigger=C2S, cut=S2C, after=1_200_000, name="mid-FETCH at 1.2 MB")
        scripted = proxy.pending_faults
        config = fault_config(tmp_path / "svc", imap_url=f"imap://{proxy.host}:{proxy.port}", smtp_url=smtp.url)
        db = tmp_path / "svc" / "intake.db"
        started = time.monotonic()
        process = start_intake(config, log)
        try:
            wait_until(lambda: db.exists() and _store_counts(db) == (30, 30), 90, 0.3,
                       "the backlog processed through the faults")
            # Now the connection the service idles on is cut while new mail arrives.
            proxy.cut_on(b"IDLE", trigger=C2S, cut=S2C, after=0, name="at IDLE, as mail arrives")
            scripted += 1
            idle_before = proxy.drops
            wait_until(lambda: proxy.drops > idle_before or None, 15, 0.1, "IDLE cut")
            append_all(dovecot, late)
            wait_until(lambda: _store_counts(db) == (31, 31), 60, 0.3, "the late mail processed")
            smtp.wait_for(31, timeout=60)
            time.sleep(1.0)  # anything extra would arrive now
        finally:
            code = stop_intake(process)
            smtp.stop()
        elapsed = time.monotonic() - started
        drops, events, connections = proxy.drops, list(proxy.events), proxy.connections
    received, lost, duplicated = _outcome(smtp, expected)
    messages, processed = _store_counts(db)
    text = log.read_text(errors="replace")
    line = figures(f"backlog {len(backlog)} + 1 late, IMAP connections {connections}, drops {drops} "
                   f"(scripted {scripted}: {'; '.join(events)}), reconnects logged "
                   f"{text.count('reconnecting in')}, messages {messages}, processed {processed}, "
                   f"replies {received}, lost {lost}, duplicated {duplicated}, exit {code}, {elapsed:.0f} s")
    assert drops == scripted, line
    assert (messages, processed) == (31, 31), line
    assert lost == 0 and duplicated == 0 and received == 31, line
    assert code == 0, line
    assert "reconnecting in" in text, "the service says why it reconnects"
    assert "login refused" not in text, "a connection lost during LOGIN is no wrong password"


def test_smtp_cut_at_auth_and_mid_data_is_retried_and_only_a_lost_250_repeats(dovecot, tmp_path, figures):
    mails = submission_mails(12)
    append_all(dovecot, mails)
    expected = {message_id_of(raw) for raw in mails}
    smtp = SmtpCapture(username=DEFAULT_USER, password=DEFAULT_PASSWORD)
    log = tmp_path / "intake.log"
    with FaultProxy(smtp.host, smtp.port) as proxy:
        proxy.refuse_next(1)
        proxy.cut_on(b"AUTH", trigger=C2S, cut=C2S, name="at AUTH")
        proxy.cut_on(b"DATA\r\n", trigger=C2S, cut=C2S, after=4000, times=2, name="mid-DATA")
        # The server takes the reply, its 250 never arrives: SMTP's own duplicate window.
        answer_drops = 1
        proxy.cut_on(b"\r\n.\r\n", trigger=C2S, cut=S2C, after=0, times=answer_drops, name="250 to DATA lost")
        scripted = proxy.pending_faults
        config = fault_config(tmp_path / "svc", imap_url=dovecot.url(), smtp_url=f"smtp://{proxy.host}:{proxy.port}")
        db = tmp_path / "svc" / "intake.db"
        started = time.monotonic()
        process = start_intake(config, log)
        try:
            wait_until(lambda: len(expected - set(replies_by_original(smtp.messages))) == 0, 90, 0.3,
                       "a reply to every sender through the faults")
            proxy.wait_until_spent(5)
            time.sleep(1.0)  # anything extra would arrive now
        finally:
            code = stop_intake(process)
            smtp.stop()
        elapsed = time.monotonic() - started
        drops, events, connections = proxy.drops, list(proxy.events), proxy.connections
    received, lost, duplicated = _outcome(smtp, expected)
    messages, processed = _store_counts(db)
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    text = log.read_text(errors="replace")
    line = figures(f"mails {len(mails)}, SMTP connections {connections}, drops {drops} (scripted {scripted}: "
                   f"{'; '.join(events)}), retries logged {text.count('will retry in')}, outbox {statuses}, "
                   f"replies {received}, lost {lost}, duplicated {duplicated} (250s lost {answer_drops}), "
                   f"exit {code}, {elapsed:.0f} s")
    assert drops == scripted, line
    assert (messages, processed) == (12, 12), line
    assert statuses == {"sent": 12}, line
    assert lost == 0, line
    assert duplicated <= answer_drops, f"a duplicate without a lost 250: {line}"
    for original, n in replies_by_original(smtp.messages).items():
        if n > 1:
            assert len({m.raw for m in smtp.messages if str(m.message["In-Reply-To"]).strip() == original}) == 1, \
                "a repeat is the same message, same Message-ID"
    assert code == 0, line
