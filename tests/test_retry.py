"""A message that keeps failing is quarantined, not lost, and `intake retry` finishes it once fixed."""
from __future__ import annotations

import os
import subprocess
import sys

from intake.base.config import load_settings
from samples.mails import complete_submission
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from store.models import MessageStatus
from tests.configs import write_config


def test_quarantined_message_is_finished_by_retry_after_the_fault_is_fixed(tmp_path):
    config = write_config(tmp_path)
    pipeline = Pipeline.open(load_settings(config))
    data, raw = complete_submission(51)
    message, _ = pipeline.accept(raw, account="t", folder="INBOX", received_at=file_received_time(raw))
    archived = pipeline.settings.store.archive_dir / message.archive_path
    archived.rename(archived.with_suffix(".away"))  # the archive disk went away

    for _ in range(3):  # three polls, three failed attempts
        assert pipeline.process_pending() == []
    row = pipeline.store.message_by_hash(message.raw_sha256)
    assert row.status == MessageStatus.QUARANTINED and "FileNotFoundError" in row.error
    assert pipeline.process_pending() == [], "a quarantined message is not retried on its own"

    archived.with_suffix(".away").rename(archived)  # fixed
    result = subprocess.run([sys.executable, "-m", "intake.cli", "--config", str(config), "retry"],
                            capture_output=True, text=True, timeout=120, env=dict(os.environ))

    assert result.returncode == 0, result.stderr
    assert "1 封已处理完毕" in result.stdout
    assert pipeline.store.message_by_hash(message.raw_sha256).status == MessageStatus.PROCESSED
    [registration] = pipeline.store.all_registrations()
    assert registration.enterprise == data.enterprise
    assert len(list((tmp_path / "replies").glob("*.eml"))) == 1
