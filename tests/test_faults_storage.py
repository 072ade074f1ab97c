"""Disk and database faults: the archive folder full or read-only, the database locked.

`intake run` (the real CLI) meets each fault while mail waits; the mail must
stay unprocessed and not be lost (in the mailbox, or pending in the store),
the service must keep running and say why in its log, and once the fault
clears the mail is processed once and answered once.

The faults are real: the archive is a tmpfs of its own, filled to the last
page (ENOSPC) or remounted read-only (EROFS). chmod does not stop root, so
mounting is the honest way here (CI runs as root with CAP_SYS_ADMIN, as this
machine does); where mounting is refused the tests fail and say why, rather
than pass unseen. The locked database
is SQLite with another connection holding BEGIN EXCLUSIVE past the store's
30 s busy timeout.
"""
from __future__ import annotations

import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER
from tests.peers.smtp import SmtpCapture
from tests.test_faults_crash import (
    append_all, fault_config, figures, message_id_of, replies_by_original, start_intake, stop_intake,
    submission_mails, wait_until,
)

assert figures  # the fixture, used by name


@contextmanager
def tmpfs(path: Path, size: str = "4m"):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the archive here: {done.stderr.strip()} (the storage fault "
                    "tests need root with CAP_SYS_ADMIN)", pytrace=False)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True, capture_output=True)


def fill(folder: Path) -> Path:
    """Write until the file system is full to the last page; returns the filler."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\xa5" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def counts(db: Path) -> dict[str, int]:
    """Messages by status, and the most attempts; none while a new store's schema is being built."""
    with sqlite3.connect(db, timeout=60) as conn:
        try:
            rows = conn.execute("SELECT status, count(*), max(attempts) FROM message GROUP BY status").fetchall()
        except sqlite3.OperationalError as err:
            if "no such table" not in str(err):
                raise
            rows = []
    result = {status: n for status, n, _ in rows}
    result["attempts"] = max((a or 0 for _, _, a in rows), default=0)
    return result


def log_has(log: Path, text: str, count: int = 1) -> bool:
    return log.exists() and log.read_text(errors="replace").count(text) >= count


class Run:
    """`intake run` against a real Dovecot and SMTP capture, with a given archive folder."""

    def __init__(self, dovecot, tmp_path: Path, archive: Path):
        self.smtp = SmtpCapture(username=DEFAULT_USER, password=DEFAULT_PASSWORD)
        self.config = fault_config(tmp_path / "svc", imap_url=dovecot.url(), smtp_url=self.smtp.url,
                                   archive=archive)
        self.db, self.log = tmp_path / "svc" / "intake.db", tmp_path / "intake.log"
        self.process = start_intake(self.config, self.log)
        self.started = time.monotonic()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int:
        code = stop_intake(self.process)
        self.smtp.stop()
        return code

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _replies(run: Run, expected: set[str]) -> tuple[int, int]:
    per = replies_by_original(run.smtp.messages)
    return len(expected - set(per)), sum(n - 1 for n in per.values() if n > 1)


def test_archive_full_keeps_mail_in_the_mailbox_and_takes_it_once_space_is_back(dovecot, tmp_path, figures):
    mails = submission_mails(3)
    expected = {message_id_of(raw) for raw in mails}
    with tmpfs(tmp_path / "archive") as archive:
        filler = fill(archive)
        append_all(dovecot, mails)
        run = Run(dovecot, tmp_path, archive)
        try:
            wait_until(lambda: log_has(run.log, "No space left on device", 2), 30, 0.2, "the reason logged, twice")
            during = counts(run.db) if run.db.exists() else {}
            alive = run.alive()
            filler.unlink()
            wait_until(lambda: counts(run.db).get("processed") == 3, 30, 0.3, "processed after space came back")
            run.smtp.wait_for(3, timeout=20)
            time.sleep(0.5)
        finally:
            code = run.stop()
    lost, duplicated = _replies(run, expected)
    text = run.log.read_text(errors="replace")
    after = counts(run.db)
    line = figures(f"mails 3, while full: stored {during} (service alive {alive}, ENOSPC logged "
                   f"{text.count('No space left on device')}x), after: {after}, replies {len(run.smtp.messages)}, "
                   f"lost {lost}, duplicated {duplicated}, exit {code}, {run.elapsed:.0f} s")
    assert alive and not during.get("processed"), line
    assert "Archive: cannot write" in text, f"the log says what failed: {line}"
    assert after.get("processed") == 3 and not after.get("quarantined"), line
    assert lost == 0 and duplicated == 0 and code == 0, line


def _read_only_attachments(dovecot, tmp_path, hold: float, figures) -> tuple[str, dict]:
    """The archive's attachment folder read-only for `hold` seconds after the first failure."""
    mails = submission_mails(1)
    expected = {message_id_of(raw) for raw in mails}
    archive = tmp_path / "archive"
    with tmpfs(archive / "files") as files:
        remount(files, "ro")
        run = Run(dovecot, tmp_path, archive)
        try:
            wait_until(lambda: log_has(run.log, "opened INBOX"), 30, 0.1, "service up")
            append_all(dovecot, mails)
            wait_until(lambda: log_has(run.log, "Read-only file system"), 30, 0.2, "the reason logged")
            during = counts(run.db)
            time.sleep(hold)
            alive = run.alive()
            held = counts(run.db)
            remount(files, "rw")
            try:
                wait_until(lambda: counts(run.db).get("processed") == 1, 15, 0.3, "processed after the fault")
                run.smtp.wait_for(1, timeout=15)
                time.sleep(0.5)
            except AssertionError:
                pass
        finally:
            code = run.stop()
    lost, duplicated = _replies(run, expected)
    after = counts(run.db)
    text = run.log.read_text(errors="replace")
    line = figures(f"read-only for {hold:.0f} s past the first failure: at first failure {during}, "
                   f"at the end of the fault {held} (service alive {alive}, EROFS logged "
                   f"{text.count('Read-only file system')}x), after: {after}, replies {len(run.smtp.messages)}, "
                   f"lost {lost}, duplicated {duplicated}, exit {code}, {run.elapsed:.0f} s")
    assert alive and not during.get("processed"), line
    assert during.get("pending") == 1 or during.get("quarantined") == 1, f"recorded, not lost: {line}"
    assert code == 0, line
    return line, {"after": after, "lost": lost, "duplicated": duplicated}


def test_read_only_archive_leaves_the_mail_pending_and_it_is_retried_without_new_mail(dovecot, tmp_path, figures):
    line, result = _read_only_attachments(dovecot, tmp_path, 1.0, figures)
    assert result["after"].get("processed") == 1 and not result["after"].get("quarantined"), line
    assert result["lost"] == 0 and result["duplicated"] == 0, line


def test_long_read_only_archive_does_not_quarantine_good_mail(dovecot, tmp_path, figures):
    line, result = _read_only_attachments(dovecot, tmp_path, 16.0, figures)
    assert not result["after"].get("quarantined"), f"quarantined for a disk fault: {line}"
    assert result["after"].get("processed") == 1 and result["lost"] == 0, line


def test_locked_database_is_waited_out_and_the_mail_processed_once(dovecot, tmp_path, figures):
    mails = submission_mails(2)
    expected = {message_id_of(raw) for raw in mails}
    run = Run(dovecot, tmp_path, tmp_path / "archive")
    locker = None
    try:
        wait_until(lambda: log_has(run.log, "opened INBOX") and run.db.exists(), 30, 0.1, "service up")
        locker = sqlite3.connect(run.db, isolation_level=None, timeout=30)
        locker.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        append_all(dovecot, mails)
        wait_until(lambda: log_has(run.log, "database is locked"), 45, 0.3, "the reason logged")
        held = time.monotonic() - locked_at
        alive = run.alive()
        locker.execute("ROLLBACK")
        locker.close()
        locker = None
        during = counts(run.db)
        wait_until(lambda: counts(run.db).get("processed") == 2, 30, 0.3, "processed after the lock went")
        run.smtp.wait_for(2, timeout=20)
        time.sleep(0.5)
    finally:
        if locker is not None:
            locker.close()
        code = run.stop()
    lost, duplicated = _replies(run, expected)
    after = counts(run.db)
    text = run.log.read_text(errors="replace")
    line = figures(f"mails 2, database locked {held:.0f} s (service alive {alive}, 'database is locked' "
                   f"logged {text.count('database is locked')}x), when released: {during}, after: {after}, "
                   f"replies {len(run.smtp.messages)}, lost {lost}, duplicated {duplicated}, exit {code}, "
                   f"{run.elapsed:.0f} s")
    assert alive, line
    assert after.get("processed") == 2 and not after.get("quarantined"), line
    assert lost == 0 and duplicated == 0 and code == 0, line
