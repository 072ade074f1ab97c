"""`intake run`: answers new mail by itself (IDLE or polling), survives the server going away,
stops cleanly on SIGTERM, and reminds deficient registrations once."""
from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from intake.fetch.archive import Archive
from intake.base.config import load_settings
from samples.mails import complete_submission
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from intake.run.poll import deliver
from intake.run.service import Service
from store import Store
from store.models import Outbox
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER

CST = ZoneInfo("Asia/Shanghai")


def service_config(tmp_path: Path, dovecot, smtp_server, *, idle: bool = True) -> Path:
    config = write_config(tmp_path / "service", imap_url=dovecot.url(), transport="smtp",
                          smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    if not idle:
        text = config.read_text(encoding="utf-8").replace("poll_interval = 1\n", "poll_interval = 1\nidle = false\n")
        config.write_text(text, encoding="utf-8")
    return config


def start_service(config: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD}
    with open(log, "wb") as stderr:
        return subprocess.Popen([sys.executable, "-m", "intake.cli", "--config", str(config), "run"],
                                stdout=subprocess.DEVNULL, stderr=stderr, env=env)


def wait_for_log(log: Path, text: str, timeout: float = 15.0, count: int = 1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(encoding="utf-8", errors="replace").count(text) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not logged {count}x within {timeout}s:\n{log.read_text(errors='replace')}")


def stop_service(service: subprocess.Popen, log: Path) -> tuple[float, str]:
    """SIGTERM; return how long the exit took and the whole log."""
    started = time.monotonic()
    service.send_signal(signal.SIGTERM)
    try:
        service.wait(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    return time.monotonic() - started, log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_service_answers_new_mail_and_stops_on_sigterm(dovecot, smtp_server, tmp_path, idle):
    log = tmp_path / "service.log"
    service = start_service(service_config(tmp_path, dovecot, smtp_server, idle=idle), log)
    try:
        wait_for_log(log, "opened INBOX")
        data, raw = complete_submission(7)
        dovecot.append(raw)
        [reply] = smtp_server.wait_for(1, timeout=30)
        assert reply.rcpt_tos == (data.sender,) and "QC2023-001" in reply.message["Subject"]
    finally:
        _, text = stop_service(service, log)
    assert service.returncode == 0, text
    assert "Service stopped" in text and "Traceback" not in text


def test_idle_answers_within_seconds_and_sigterm_ends_the_idle(dovecot, smtp_server, tmp_path):
    log = tmp_path / "service.log"
    service = start_service(service_config(tmp_path, dovecot, smtp_server), log)
    try:
        wait_for_log(log, "opened INBOX")
        time.sleep(0.5)  # idling now
        _, raw = complete_submission(8)
        appended = time.monotonic()
        dovecot.append(raw)
        smtp_server.wait_for(1, timeout=15)
        latency = time.monotonic() - appended
        time.sleep(1.0)  # idling again
    finally:
        took, text = stop_service(service, log)
    assert latency < 5, f"arrival to reply took {latency:.1f}s (about 1 s expected on loopback)"
    assert took < 5 and service.returncode == 0, text
    assert "Service stopped" in text and "Traceback" not in text


def test_service_reconnects_after_the_server_restarts(dovecot, smtp_server, tmp_path):
    log = tmp_path / "service.log"
    service = start_service(service_config(tmp_path, dovecot, smtp_server), log)
    try:
        wait_for_log(log, "opened INBOX")
        dovecot.stop()
        wait_for_log(log, "reconnecting in")
        time.sleep(1.0)
        dovecot.start()
        data, raw = complete_submission(9)
        dovecot.append(raw)
        [reply] = smtp_server.wait_for(1, timeout=30)
        assert reply.rcpt_tos == (data.sender,)
    finally:
        _, text = stop_service(service, log)
    assert service.returncode == 0, text
    assert text.count("opened INBOX") >= 2 and "Traceback" not in text


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_reminder_job_queues_one_reminder_per_deficient_registration_once(tmp_path, store_url):
    settings = load_settings(write_config(tmp_path, store_url=store_url))  # deadline 2099-03-03 00:00 +08:00
    pipeline = Pipeline(settings, Store(store_url), Archive(settings.store.archive_dir))
    senders = {}
    for seed, stamped in ((11, False), (12, True), (13, False)):
        data, raw = complete_submission(seed, stamped=stamped)
        message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
        outcome = pipeline.process(message)
        senders[outcome["submissions"][0]["number"]] = (data.sender, outcome["verdict"])
    deficient = sorted(number for number, (_, verdict) in senders.items() if verdict == "deficient")
    assert len(deficient) == 2
    clock = Clock(datetime(2099, 2, 28, 8, 59, tzinfo=CST))
    service = Service(pipeline, clock=clock)

    before = service.remind()
    clock.now += timedelta(minutes=1)   # three days before the deadline, 09:00
    due = service.remind()
    again = service.remind()
    clock.now += timedelta(days=1)
    next_day = service.remind()

    assert (before, due, again, next_day) == (0, 2, 0, 0)
    with pipeline.store.session() as s:
        rows = s.exec(select(Outbox).order_by(Outbox.id)).all()
    notices = {row.to_addr: row.reply_message_id for row in rows if row.reply_type == "deficiency_notice"}
    reminders = [row for row in rows if row.reply_type == "reminder"]
    assert sorted(row.subject.split("：总编号")[1].split()[0] for row in reminders) == deficient
    for row in reminders:
        msg = email.message_from_bytes(row.raw, policy=email.policy.default)
        number = row.subject.split("：总编号")[1].split()[0]
        assert row.to_addr == senders[number][0]
        assert msg["In-Reply-To"] == notices[row.to_addr], "threaded under our 补正通知"
        assert "如已发送补正材料，请忽略本提醒" in msg.get_body(("plain",)).get_content()
    assert deliver(pipeline).sent == len(rows)

    # The enterprise answers the reminder with its stamped form: the same number, now accepted.
    first = min(reminders, key=lambda row: row.id)
    msg = email.message_from_bytes(first.raw, policy=email.policy.default)
    number = first.subject.split("：总编号")[1].split()[0]
    seed = 11 if senders[number][0] == complete_submission(11)[0].sender else 13
    _, raw = complete_submission(seed, mail_options={
        "subject": f"回复：{first.subject}", "in_reply_to": msg["Message-ID"],
        "references": (*msg["References"].split(), msg["Message-ID"])})
    message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
    outcome = pipeline.process(message)
    assert outcome["classification"] == "correction" and outcome["verdict"] == "accepted"
    assert [s["number"] for s in outcome["submissions"]] == [number]
    pipeline.store.close()


def test_digest_job_runs_daily_at_send_at_and_reaches_the_secretariat(tmp_path):
    from intake.run.service import build_scheduler

    settings = load_settings(write_config(tmp_path / "svc"))
    pipeline = Pipeline.open(settings)
    _, raw = complete_submission(12)
    message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
    pipeline.process(message)
    evening = message.received_at + timedelta(hours=1)  # the digest of the day it arrived
    service = Service(pipeline, clock=lambda: evening)

    trigger = build_scheduler(service).get_job("digest").trigger
    assert {f.name: str(f) for f in trigger.fields}["hour"] == str(settings.digest.send_at.hour)

    service.send_digest()
    [written] = (tmp_path / "svc" / "replies").glob("digest-*.eml")
    digest = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert digest["To"] == "secretariat@sxcia.example"
    assert "QC成果竞赛报名日报" in digest["Subject"]
    html = digest.get_body(("html",)).get_content()
    assert "QC2023-001" in html
