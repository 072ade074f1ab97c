"""Throwaway peers and measured subprocesses for the benchmark."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from imapclient import IMAPClient

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER, DovecotServer, throwaway_dovecot
from tests.peers.smtp import SmtpCapture

# SmtpCapture requires AUTH on plain loopback on purpose; aiosmtpd warns about it each time.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

PYTHON = sys.executable
ENV = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD,
       "PYTHONPATH": str(REPO)}


def dovecot():
    """A Dovecot of its own, under /var/tmp (see tests/peers/dovecot.py)."""
    return throwaway_dovecot(prefix="intake-bench-dovecot-", parent="/var/tmp")


@contextmanager
def smtp_capture():
    with SmtpCapture(username=DEFAULT_USER, password=DEFAULT_PASSWORD) as server:
        yield server


@contextmanager
def workdir(prefix: str):
    folder = Path(tempfile.mkdtemp(prefix=f"intake-bench-{prefix}-", dir="/var/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def append_all(server: DovecotServer, raws, batch: int = 50) -> float:
    """APPEND every message (MULTIAPPEND, `batch` per command); returns seconds."""
    start = time.perf_counter()
    with IMAPClient(server.host, port=server.imap_port, ssl=False, timeout=120) as client:
        client.login(server.username, server.password)
        pending: list[bytes] = []
        for raw in raws:
            pending.append(raw)
            if len(pending) >= batch:
                client.multiappend("INBOX", pending)
                pending = []
        if pending:
            client.multiappend("INBOX", pending)
    return time.perf_counter() - start


def bench_config(folder: Path, imap_url: str, smtp: SmtpCapture | None, *, batch_size: int = 10) -> Path:
    """The tests' config, with a production batch size and no reply throttling.

    The replies' per-minute limit (163.com's) and per-sender cap are lifted:
    the benchmark measures the pipeline, not the politeness towards 163.
    """
    path = write_config(folder, imap_url=imap_url, transport="smtp" if smtp else "directory",
                        smtp_url=smtp.url if smtp else "smtp://127.0.0.1:1",
                        smtp_user=DEFAULT_USER if smtp else "")
    text = path.read_text(encoding="utf-8").replace("batch_size = 2", f"batch_size = {batch_size}")
    text = text.replace("[smtp]\n", "[smtp]\nrate_per_minute = 1000000\ndaily_cap_per_sender = 1000000\n")
    path.write_text(text, encoding="utf-8")
    return path


def cpu_times() -> list[tuple[int, int]]:
    """(busy, total) jiffies per CPU from /proc/stat."""
    rows = []
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]
            rows.append((sum(values[:8]) - idle, sum(values[:8])))
    return rows


def cpu_use(before, after) -> list[float]:
    """Busy percentage of each CPU between two cpu_times() readings."""
    return [round(100.0 * (b2 - b1) / max(1, t2 - t1), 1) for (b1, t1), (b2, t2) in zip(before, after)]


def run_measured(argv: list[str], log: Path, env: dict | None = None) -> dict:
    """Run a command to its end: wall time, exit code, its CPU time, peak RSS, machine CPU use."""
    before = cpu_times()
    start = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env or ENV, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "exit": process.returncode, "cpu_user_s": usage.ru_utime,
            "cpu_system_s": usage.ru_stime, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_percent_per_core": cpu_use(before, cpu_times())}
