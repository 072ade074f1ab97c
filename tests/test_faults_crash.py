"""Crash anywhere (SPEC §8 "Nothing lost, nothing twice"): SIGKILL `intake run` again and again.

A real Dovecot holds a backlog of BACKLOG realistic submission mails (every
one from a different sender, each a stamped 报名表 and a results report in
.docx); the store is PostgreSQL; replies go to a real SMTP capture. The real
CLI (`intake run`, its own process group) is started, killed with SIGKILL
at a moment drawn from a seeded RNG, and started again, KILLS times, then
left to finish. Each kill is aimed at one phase and the phase it landed in is
recorded from what could be observed at that instant:

- fetch: the store held fewer messages than the mailbox;
- processing: messages waited, no commit was running;
- commit: PostgreSQL was executing the COMMIT of the application's
  transaction (pg_stat_activity). To make that window hittable, the test
  gives the `message` table a deferred constraint trigger that sleeps
  COMMIT_DELAY when a message turns `processed`: a slow disk at commit time;
- delivery: the SMTP server held its answer, at RCPT ("envelope": nothing
  sent yet), after DATA before taking the message ("unaccepted"), or just
  after taking it ("accepted": the duplicate window SMTP cannot close).

After each kill the test counts the replies it left in `sending`: those
kills hit the crash window of notifier/send.py (claim committed just before
DATA, `sent` committed at 250). Each such reply is recovered once: resent
once, or left `uncertain` when caught twice. A kill during the envelope
must leave nothing in `sending`.

Then the store and the SMTP capture are checked: every mail archived and
processed once, one registration each, no number used twice, every sender
answered, and duplicates at most one per kill inside the accepted window.

A reply caught in `sending` by a crash is settled only once its claim is
older than `stale_after` (5 minutes). Waiting that long in a test is
pointless, so after each kill the test moves such claims back by 10 minutes:
every restart behaves as a restart that came after the wait.

Figures are printed (pytest -s), added to the terminal summary, and written
into every assertion message. INTAKE_FAULT_SEED / _BACKLOG / _KILLS override
the defaults.

The helpers above the tests (mails, configs, the CLI, the figures in the
summary) are shared by tests/test_faults_network.py and _storage.py.
"""
from __future__ import annotations

import asyncio
import collections
import hashlib
import imaplib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from multiprocessing import Pool
from pathlib import Path

import psycopg
import pytest

from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER
from tests.peers.smtp import SmtpCapture

SEED = int(os.environ.get("INTAKE_FAULT_SEED", "20231124"))
BACKLOG = int(os.environ.get("INTAKE_FAULT_BACKLOG", "200"))
KILLS = int(os.environ.get("INTAKE_FAULT_KILLS", "24"))
COMMIT_DELAY = 0.04
KILL_LOOP_SECONDS = 400
MAIL_CACHE = Path(os.environ.get("INTAKE_FAULT_CACHE", "/var/tmp/qc-intake-faults"))
ROOT = Path(__file__).resolve().parents[1]


# -- figures in the terminal summary -------------------------------------------------

class _Figures:
    """Collects each fault test's figures and prints them in pytest's terminal summary."""

    def __init__(self):
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.lines:
            terminalreporter.section("fault-injection figures")
            for line in self.lines:
                terminalreporter.write_line(line)


@pytest.fixture
def figures(request):
    """report(test_line): printed now (pytest -s) and again in the terminal summary."""
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("intake-fault-figures")
    if plugin is None:
        plugin = _Figures()
        manager.register(plugin, "intake-fault-figures")

    def report(text: str) -> str:
        line = f"{request.node.name}: {text}"
        print(f"\n[faults] {line}", flush=True)
        plugin.lines.append(line)
        return line

    return report


# -- mails -----------------------------------------------------------------------

def _unique_seeds(count: int) -> list[int]:
    """Seeds of sample entries with a sender, and a unit/group/topic, of their own."""
    from samples.entries import sample_entry

    seeds, senders, entries, seed = [], set(), set(), 0
    while len(seeds) < count:
        seed += 1
        data = sample_entry(seed)
        key = (data.enterprise, data.group, data.topic)
        if data.sender in senders or key in entries:
            continue
        senders.add(data.sender)
        entries.add(key)
        seeds.append(seed)
    return seeds


def _build(seed: int) -> bytes:
    from samples.mails import complete_submission

    return complete_submission(seed)[1]


def _fixture_version() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "intake" / "fixtures").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def submission_mails(count: int) -> list[bytes]:
    """`count` complete submissions from different senders, built once and cached on disk
    (keyed by the fixture code, so a changed builder rebuilds them)."""
    folder = MAIL_CACHE / _fixture_version()
    folder.mkdir(parents=True, exist_ok=True)
    seeds = _unique_seeds(count)
    paths = {seed: folder / f"{seed:05d}.eml" for seed in seeds}
    missing = [seed for seed, path in paths.items() if not path.exists()]
    if missing:
        with Pool(min(len(missing), os.cpu_count() or 2)) as pool:
            for seed, raw in zip(missing, pool.map(_build, missing, chunksize=8)):
                tmp = paths[seed].with_suffix(".tmp")
                tmp.write_bytes(raw)
                tmp.replace(paths[seed])
    return [paths[seed].read_bytes() for seed in seeds]


def message_id_of(raw: bytes) -> str:
    return str(message_from_bytes(raw, policy=policy.default)["Message-ID"]).strip()


def append_all(dovecot, mails: list[bytes], folder: str = "INBOX") -> None:
    """APPEND every mail over one session (dovecot.append logs in once per mail)."""
    client = imaplib.IMAP4(dovecot.host, dovecot.imap_port, timeout=30)
    try:
        client.login(dovecot.username, dovecot.password)
        for raw in mails:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
    finally:
        client.logout()


# -- configuration and the CLI ------------------------------------------------------

def fault_config(folder: Path, *, imap_url: str, smtp_url: str, store_url: str | None = None,
                 archive: Path | None = None, batch_size: int = 10, mailbox_extra: str = "",
                 smtp_extra: str = "") -> Path:
    """A config for the real CLI: quick reconnects and retries, no rate limit towards our own capture."""
    path = write_config(folder, store_url=store_url, imap_url=imap_url, transport="smtp", smtp_url=smtp_url,
                        smtp_user=DEFAULT_USER)
    text = path.read_text(encoding="utf-8")
    text = text.replace("batch_size = 2\n", f"batch_size = {batch_size}\n")
    text = text.replace("poll_interval = 1\n", "poll_interval = 1\nidle_timeout = 5\nreconnect_max = 2\n"
                        + mailbox_extra)
    text = text.replace("\n[digest]", "\nrate_per_minute = 100000\ndaily_cap_per_sender = 100\n"
                        "retry_initial = 1\nretry_max = 2\n" + smtp_extra + "\n[digest]")
    if archive is not None:
        text = re.sub(r'archive_dir = ".*"', f'archive_dir = "{archive}"', text)
    path.write_text(text, encoding="utf-8")
    return path


def cli_env() -> dict[str, str]:
    return {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD, "TEST_SMTP_PASSWORD": DEFAULT_PASSWORD,
            "PYTHONUNBUFFERED": "1"}


def start_intake(config: Path, log: Path, *args: str) -> subprocess.Popen:
    """The real CLI in a process group of its own (so SIGKILL reaches any worker it forks)."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "intake.cli", "--config", str(config), *(args or ("run",))],
                                stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=cli_env(), cwd=ROOT,
                                start_new_session=True)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the whole group: what a power cut or the OOM killer does."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def stop_intake(process: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM, as systemd stops the service; SIGKILL only if it hangs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            return -9
    return process.returncode


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout:.0f} s")


def pg_dsn(url: str) -> str:
    """A SQLAlchemy postgresql+psycopg URL as a libpq one."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def replies_by_original(messages) -> collections.Counter:
    """How many replies reached the SMTP server per original Message-ID (In-Reply-To)."""
    return collections.Counter(str(m.message["In-Reply-To"]).strip() for m in messages)


# -- an SMTP server that can hold its answer to DATA ----------------------------------------

class HoldingSmtp(SmtpCapture):
    """SmtpCapture whose answer to DATA can be held, after or before it takes the message,
    so that a kill lands inside the window SMTP cannot close (taken, 250 not yet read)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # None, or where to hold: "envelope" (at RCPT), "unaccepted" (DATA received, not
        # taken), "accepted" (taken, 250 not yet sent).
        self.hold: str | None = None
        self.holding = threading.Event()
        self.hold_seconds = 5.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold == "envelope":
            self.holding.set()
            await asyncio.sleep(self.hold_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.hold
        if mode == "unaccepted":
            self.holding.set()
            await asyncio.sleep(self.hold_seconds)
        answer = await super().handle_DATA(server, session, envelope)
        if mode == "accepted":
            self.holding.set()
            await asyncio.sleep(self.hold_seconds)
        return answer


# -- the store, seen from outside ---------------------------------------------------

SLOW_COMMIT = """
CREATE OR REPLACE FUNCTION fault_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep({delay}); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER fault_slow_commit AFTER UPDATE ON message DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (NEW.status = 'processed' AND OLD.status IS DISTINCT FROM 'processed')
EXECUTE FUNCTION fault_slow_commit();
"""


class Observer:
    """A separate PostgreSQL connection that watches the application's database."""

    def __init__(self, url: str):
        self.db = psycopg.connect(pg_dsn(url), autocommit=True)
        self.name = self.db.info.dbname

    def counts(self) -> dict[str, int]:
        row = self.db.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'processed'), "
            "count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'quarantined') "
            "FROM message").fetchone()
        counts = dict(zip(("messages", "processed", "pending", "quarantined"), row))
        for status, n in self.db.execute("SELECT status, count(*) FROM outbox GROUP BY status"):
            counts[f"outbox_{status}"] = n
        return counts

    def committing(self) -> bool:
        """Whether one of the application's backends is executing a COMMIT right now."""
        return bool(self.db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND state = 'active' AND query ILIKE 'COMMIT%%'", (self.name,)).fetchone()[0])

    def age_claims(self) -> int:
        """Move `sending` claims 10 minutes back: the restart comes after stale_after."""
        return self.db.execute("UPDATE outbox SET claimed_at = claimed_at - interval '10 minutes' "
                               "WHERE status = 'sending'").rowcount

    def close(self) -> None:
        self.db.close()


# -- the test -----------------------------------------------------------------------

PHASES = ("processing", "commit", "delivery-envelope", "delivery-unaccepted", "delivery-accepted", "random")


def _aim(phase: str, rng: random.Random, process, observer: Observer, smtp: HoldingSmtp, total: int,
         life_start: dict[str, int]) -> str | None:
    """Wait for the moment to kill aimed at `phase`; return the phase seen at that instant
    (None if the process finished the work or the aim timed out)."""
    deadline = time.monotonic() + 8
    if phase == "fetch":
        target = life_start["messages"] + rng.randint(1, 25)
        while time.monotonic() < deadline and process.poll() is None:
            n = observer.counts()["messages"]
            if n >= min(target, total):
                return "fetch" if n < total else None
            time.sleep(0.01)
        return None
    if phase == "processing":
        target = life_start["processed"] + rng.randint(1, 8)
        while time.monotonic() < deadline and process.poll() is None:
            counts = observer.counts()
            if counts["processed"] >= target or counts["pending"] == 0 and counts["messages"] == total:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.1))
        counts = observer.counts()
        return "processing" if counts["pending"] or counts["messages"] < total else None
    if phase == "commit":
        while time.monotonic() < deadline and process.poll() is None:
            if observer.committing():
                return "commit"
            time.sleep(0.002)
        return None
    if phase.startswith("delivery"):
        smtp.holding.clear()
        smtp.hold = phase.split("-", 1)[1]
        got = smtp.holding.wait(timeout=8)
        return phase if got else None
    # A moment drawn at random, classified by what was going on.
    time.sleep(rng.uniform(0.5, 3.0))
    counts = observer.counts()
    if observer.committing():
        return "commit"
    if counts["messages"] < total:
        return "fetch"
    if counts["pending"]:
        return "processing"
    if counts.get("outbox_queued") or counts.get("outbox_sending"):
        return "delivery"
    return "idle"


def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(dovecot, pg_url, tmp_path, figures):
    rng = random.Random(SEED)
    started = time.monotonic()
    mails = submission_mails(BACKLOG)
    expected = {message_id_of(raw): raw for raw in mails}
    assert len(expected) == BACKLOG
    append_all(dovecot, mails)
    built = time.monotonic() - started

    from store import Store  # creates the tables, so the slow-commit trigger can be put on them
    Store(pg_url).close()
    observer = Observer(pg_url)
    observer.db.execute(SLOW_COMMIT.format(delay=COMMIT_DELAY))

    log = tmp_path / "intake.log"
    smtp = HoldingSmtp(username=DEFAULT_USER, password=DEFAULT_PASSWORD)
    config = fault_config(tmp_path / "svc", imap_url=dovecot.url(), smtp_url=smtp.url, store_url=pg_url)
    tail = [PHASES[i % len(PHASES)] for i in range(KILLS - 4)]
    rng.shuffle(tail)
    plan = ["fetch"] * 4 + tail
    landed: list[str] = []
    missed = windowed = envelope_windowed = 0
    loop_started = time.monotonic()
    try:
        # Bounded by misses, and by time only as a backstop: each life begins with the CLI's
        # start-up (imports, worker processes), a few seconds on a slow machine.
        while len(landed) < KILLS and time.monotonic() - loop_started < KILL_LOOP_SECONDS:
            aim = plan[len(landed) + missed] if len(landed) + missed < len(plan) else rng.choice(PHASES)
            life_start = observer.counts()
            process = start_intake(config, log)
            seen = _aim(aim, rng, process, observer, smtp, BACKLOG, life_start)
            kill_group(process)
            smtp.hold = None
            caught = observer.age_claims()
            windowed += caught
            envelope_windowed += caught if seen == "delivery-envelope" else 0
            if seen is None:
                missed += 1
                if missed > 3 * KILLS:
                    break
                continue
            landed.append(seen)
        kills = len(landed)
        # Then let it finish.
        process = start_intake(config, log)
        try:
            def settled():
                c = observer.counts()
                return (c["processed"] + c["quarantined"] == BACKLOG
                        and not c.get("outbox_queued") and not c.get("outbox_sending")) and c
            wait_until(settled, timeout=180, interval=0.5, what="all processed and every reply settled")
        finally:
            code = stop_intake(process)
        elapsed = time.monotonic() - started
        captured = list(smtp.messages)
    finally:
        smtp.stop()

    per_original = replies_by_original(captured)
    rows = observer.db.execute(
        "SELECT m.id, m.message_id, m.status, m.classification, m.raw_sha256, m.archive_path, "
        "o.status, o.resends FROM message m LEFT JOIN outbox o ON o.message_id = m.id").fetchall()
    resent = sum(r[7] or 0 for r in rows)
    registrations = observer.db.execute("SELECT number, first_message_id FROM registration").fetchall()
    outbox_rows = observer.db.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    observer.close()

    by_phase = collections.Counter(landed)
    delivery_kills = sum(n for phase, n in by_phase.items() if phase.startswith("delivery"))
    accepted_window = by_phase["delivery-accepted"]
    stored_ids = [r[1] for r in rows]
    not_processed = [r[1] for r in rows if r[2] != "processed"]
    uncertain = {r[1] for r in rows if r[6] == "uncertain"}
    received = set(per_original)
    lost = sorted(set(expected) - received - uncertain)
    uncertain_lost = sorted((set(expected) - received) & uncertain)
    duplicated = sum(n - 1 for n in per_original.values() if n > 1)
    numbers = [number for number, _ in registrations]
    reused = len(numbers) - len(set(numbers))
    twice = len(registrations) - len({first for _, first in registrations})
    digits = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    gaps = (digits[-1] - len(digits)) if digits else 0
    archive = tmp_path / "svc" / "archive"
    archived_ok = sum(1 for r in rows if (archive / r[5]).is_file()
                      and hashlib.sha256((archive / r[5]).read_bytes()).hexdigest() == r[4])
    figures_line = figures(
        f"seed {SEED}, backlog {BACKLOG}, kills {kills} ({dict(sorted(by_phase.items()))}; "
        f"{missed} aims missed and retried), messages stored {len(rows)}, processed {len(rows) - len(not_processed)}, "
        f"archived {archived_ok}, registrations {len(registrations)} (numbers reused {reused}, "
        f"created twice {twice}, gaps {gaps}), replies received {len(captured)} for {len(received)} senders, "
        f"lost {len(lost)}, uncertain {len(uncertain)} (of them never received {len(uncertain_lost)}), "
        f"duplicated {duplicated} (kills in the accepted-DATA window {accepted_window}, in delivery "
        f"{delivery_kills}), replies caught in `sending` by a kill {windowed} (by envelope kills "
        f"{envelope_windowed}), resent {resent}, exit {code}, {elapsed:.0f} s (mails ready in {built:.0f} s)")

    assert kills >= 20, figures_line
    for phase in ("fetch", "processing", "commit"):
        assert by_phase[phase] >= 1, f"no kill landed during {phase}: {figures_line}"
    assert delivery_kills >= 1, f"no kill landed during delivery: {figures_line}"
    assert code == 0, figures_line
    assert sorted(stored_ids) == sorted(expected), f"every mail stored exactly once: {figures_line}"
    assert not not_processed, f"not processed: {not_processed[:5]}: {figures_line}"
    assert archived_ok == BACKLOG, figures_line
    assert {r[3] for r in rows} == {"submission"}, (
        f"classes {collections.Counter(r[3] for r in rows)}: none may look like a duplicate of itself: {figures_line}")
    assert len(registrations) == BACKLOG and twice == 0 and reused == 0, figures_line
    assert outbox_rows == (BACKLOG, BACKLOG), f"one reply queued per mail: {outbox_rows}: {figures_line}"
    assert not lost, f"senders never answered: {lost[:5]}: {figures_line}"
    assert duplicated <= accepted_window, f"a duplicate outside the window SMTP cannot close: {figures_line}"
    assert envelope_windowed == 0, f"a kill before DATA left a reply in doubt: {figures_line}"
    assert resent + len(uncertain) <= windowed, f"a reply resent without a crash in its window: {figures_line}"
    for original, n in per_original.items():
        if n > 1:
            copies = {m.raw for m in captured if str(m.message["In-Reply-To"]).strip() == original}
            assert len(copies) == 1, f"a duplicate must be the same message (same Message-ID): {original}"
    assert set(received) <= set(expected), figures_line
