"""Two workers, one mailbox, one PostgreSQL store: every message processed once.

Both `intake poll --once` processes download the same backlog from the same
Dovecot and share the local PostgreSQL. A message is claimed with a session
advisory lock (`Store.claim`), a reply with an atomic status change
(`Store.claim_reply`), so the work splits and nothing happens twice.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlmodel import select

from samples.mails import complete_submission
from store import Store
from store.models import Message, MessageStatus, Outbox, Registration
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER

BACKLOG = 40
OUTCOME = re.compile(r"INFO intake\.pipeline: (<[^>]+>) from ")


def worker_config(folder: Path, dovecot, smtp_server, store_url: str) -> Path:
    config = write_config(folder, store_url=store_url, imap_url=dovecot.url(), transport="smtp",
                          smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    text = config.read_text(encoding="utf-8")
    # The politeness limits towards 163.com would only slow the test down.
    text = text.replace("[digest]", "rate_per_minute = 100000\ndaily_cap_per_sender = 1000\n\n[digest]")
    config.write_text(text, encoding="utf-8")
    return config


def test_two_workers_share_a_backlog_and_nothing_happens_twice(dovecot, smtp_server, pg_url, tmp_path):
    for seed in range(BACKLOG):
        dovecot.append(complete_submission(seed)[1])
    env = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD}
    # Each worker has its own archive folder, as two machines would; they share the database.
    configs = [worker_config(tmp_path / f"worker{i}", dovecot, smtp_server, pg_url) for i in (1, 2)]
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = []
    for config, log in zip(configs, logs):
        with open(log, "wb") as out:
            workers.append(subprocess.Popen([sys.executable, "-m", "intake.cli", "--config", str(config),
                                             "poll", "--once"], stdout=subprocess.DEVNULL, stderr=out, env=env))
    for worker, log in zip(workers, logs):
        assert worker.wait(timeout=300) == 0, log.read_text(encoding="utf-8", errors="replace")[-3000:]

    store = Store(pg_url)
    with store.session() as s:
        messages = list(s.exec(select(Message)))
        registrations = list(s.exec(select(Registration)))
        replies = list(s.exec(select(Outbox)))
    store.close()
    processed_by = [Counter(OUTCOME.findall(log.read_text(encoding="utf-8", errors="replace"))) for log in logs]
    both = processed_by[0] + processed_by[1]
    delivered = Counter(m.message["In-Reply-To"] for m in smtp_server.messages)
    print(f"\ntwo workers: backlog {BACKLOG}, processed by worker 1: {sum(processed_by[0].values())},"
          f" by worker 2: {sum(processed_by[1].values())}, twice: {sum(n - 1 for n in both.values() if n > 1)},"
          f" replies delivered {sum(delivered.values())}, delivered twice: {sum(n - 1 for n in delivered.values() if n > 1)}")

    assert len(messages) == BACKLOG and all(m.status == MessageStatus.PROCESSED for m in messages)
    assert len(both) == BACKLOG and max(both.values()) == 1, f"a message was processed twice: {both.most_common(3)}"
    numbers = [r.number for r in registrations]
    assert len(numbers) == len(set(numbers)) == BACKLOG, "one registration per submission, no number reused"
    assert Counter(r.message_id for r in replies) == Counter({m.id: 1 for m in messages}), "one reply per message"
    assert all(r.status == "sent" for r in replies)
    assert len(delivered) == BACKLOG and max(delivered.values()) == 1, "no reply delivered twice"
