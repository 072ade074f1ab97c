"""Secrets (the mailbox 授权码, SMTP and database passwords) never reach a log, an error or a file.

The real CLI runs with debug logging against a real Dovecot and a
PostgreSQL URL that carries a password; its output and every file it wrote
under the config folder are searched for each secret.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from samples import mails
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_USER, DovecotServer

AUTH_CODE = "QZKVWPLMHTRBXNAE"       # what a 163 授权码 looks like
WRONG_CODE = "WRNGCODEXQZKTRBL"
SMTP_SECRET = "SmtpS3cretPw-41"
DB_SECRET = "S3cretPw"
PG_ENV_SECRET = "PgEnvS3cret-77"
SECRETS = (AUTH_CODE, WRONG_CODE, SMTP_SECRET, DB_SECRET, PG_ENV_SECRET)


@pytest.fixture
def mailbox() -> Iterator[DovecotServer]:
    """A Dovecot whose only user logs in with AUTH_CODE (see conftest's `dovecot`)."""
    base = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
    base.chmod(0o755)
    try:
        with DovecotServer(base, users={DEFAULT_USER: AUTH_CODE}) as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_cli(config: Path, imap_password: str, *args: str) -> str:
    env = {**os.environ, "TEST_IMAP_PASSWORD": imap_password, "TEST_SMTP_PASSWORD": SMTP_SECRET,
           "PGPASSWORD": PG_ENV_SECRET}
    done = subprocess.run([sys.executable, "-m", "intake.cli", "--config", str(config), "-v", *args],
                          capture_output=True, env=env, timeout=120)
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def leaked(output: str, folder: Path) -> list[str]:
    """Where any secret shows: 'output', or the file that holds it (the config itself excepted)."""
    places = [("output", output.encode())]
    places += [(str(path), path.read_bytes()) for path in folder.rglob("*")
               if path.is_file() and path.name != "config.toml"]
    return [f"{secret} in {where}" for where, data in places for secret in SECRETS
            if secret.encode() in data or secret.encode("utf-16-le") in data]


def test_wrong_and_right_mailbox_password_never_show(mailbox, tmp_path):
    _, raw = mails.complete_submission(31, stamped=False)
    mailbox.append(raw)
    config = write_config(tmp_path / "cfg", imap_url=mailbox.url())

    refused = run_cli(config, WRONG_CODE, "poll", "--once")
    answered = run_cli(config, AUTH_CODE, "poll", "--once")
    digest = run_cli(config, AUTH_CODE, "digest", "--send", "--out", str(tmp_path / "cfg" / "digest.html"))

    assert "login refused" in refused, refused
    assert "Poll: 1 fetched" in answered, answered
    assert list((tmp_path / "cfg" / "replies").rglob("*.eml")), answered
    assert (tmp_path / "cfg" / "digest.html").is_file(), digest
    assert leaked(refused + answered + digest, tmp_path / "cfg") == []


def test_database_password_never_shows_when_the_database_is_missing(tmp_path):
    url = f"postgresql+psycopg://postgres:{DB_SECRET}@127.0.0.1:5432/doesnotexist"
    config = write_config(tmp_path / "cfg", store_url=url)

    output = run_cli(config, AUTH_CODE, "poll", "--once") + run_cli(
        config, AUTH_CODE, "digest", "--out", str(tmp_path / "cfg" / "digest.html"))

    assert "doesnotexist" in output or "database" in output.lower(), output
    assert leaked(output, tmp_path / "cfg") == []
