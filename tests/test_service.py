"""`intake run`: polls on its own until SIGTERM, then stops cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from intake.fixtures.mails import complete_submission
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER


def test_service_answers_new_mail_and_stops_on_sigterm(dovecot, smtp_server, tmp_path):
    config = write_config(tmp_path / "service", imap_url=dovecot.url(), transport="smtp",
                          smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    env = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD}
    service = subprocess.Popen([sys.executable, "-m", "intake.cli", "--config", str(config), "run"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(1.5)  # the service is up and has polled an empty mailbox
        data, raw = complete_submission(7)
        dovecot.append(raw)
        [reply] = smtp_server.wait_for(1, timeout=30)
        assert reply.rcpt_tos == (data.sender,) and "QC2023-001" in reply.message["Subject"]
    finally:
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=30)
    assert service.returncode == 0, stderr
    assert "Service stopped" in stderr
    assert "Traceback" not in stderr
