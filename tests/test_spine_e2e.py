"""From a real IMAP mailbox to a numbered reply, end to end, on SQLite and PostgreSQL."""
from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import time
from pathlib import Path

from samples.mails import complete_submission
from store import Store
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER


def run_intake(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD}
    return subprocess.run([sys.executable, "-m", "intake.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300, env=env)


def test_submission_in_mailbox_gets_one_numbered_reply(dovecot, smtp_server, store_url, tmp_path):
    data, raw = complete_submission(1, client="foxmail")
    original = email.message_from_bytes(raw, policy=email.policy.default)
    uid = dovecot.append(raw)
    config = write_config(tmp_path / "service", store_url=store_url, imap_url=dovecot.url(tls=True),
                          ca_file=str(dovecot.ca_file), transport="smtp", smtp_url=smtp_server.url,
                          smtp_user=DEFAULT_USER)

    first = run_intake(config, "poll", "--once")
    assert first.returncode == 0, first.stderr

    [reply] = smtp_server.wait_for(1)
    assert reply.rcpt_tos == (data.sender,)
    assert reply.login == DEFAULT_USER
    headers = reply.message
    assert "QC2023-001" in headers["Subject"]
    assert headers["In-Reply-To"] == original["Message-ID"]
    assert original["Message-ID"] in headers["References"]
    assert headers["Auto-Submitted"] == "auto-replied"
    body = headers.get_body(("plain",)).get_content()
    assert "QC2023-001" in body and data.enterprise in body and data.group in body

    store = Store(store_url)
    [registration] = store.all_registrations()
    assert (registration.number, registration.enterprise, registration.group_name) == (
        "QC2023-001", data.enterprise, data.group)
    assert registration.status == "accepted" and registration.members == data.members
    store.close()

    second = run_intake(config, "poll", "--once")
    assert second.returncode == 0, second.stderr
    time.sleep(0.5)
    assert len(smtp_server.messages) == 1, "a second poll must not reply again"

    assert "ID sent: name=" in dovecot.log_text()
    assert "\\Seen" not in dovecot.flags(uid), "the secretariat's unread mark must stay"


def test_uidvalidity_change_does_not_reprocess(dovecot, smtp_server, tmp_path):
    _, raw = complete_submission(2, client="outlook")
    dovecot.append(raw)
    config = write_config(tmp_path / "service", imap_url=dovecot.url(), transport="smtp",
                          smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    assert run_intake(config, "poll", "--once").returncode == 0
    smtp_server.wait_for(1)

    dovecot.reset_uidvalidity()
    _, second_raw = complete_submission(5, client="qq_web")
    dovecot.append(second_raw)
    result = run_intake(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert "UIDVALIDITY changed" in result.stderr

    replies = smtp_server.wait_for(2)
    time.sleep(0.5)
    assert len(smtp_server.messages) == 2, "the known message is recognised, only the new one is answered"
    assert "QC2023-002" in replies[1].message["Subject"]


def test_wrong_password_is_one_line(dovecot, tmp_path):
    config = write_config(tmp_path / "service", imap_url=dovecot.url())
    env = {**os.environ, "TEST_IMAP_PASSWORD": "not-the-code"}
    result = subprocess.run([sys.executable, "-m", "intake.cli", "--config", str(config), "poll", "--once"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "login refused" in lines[0] and "not-the-code" not in result.stderr
