"""`intake run`: the service's jobs under one APScheduler, until SIGTERM.

`build_scheduler` lists every job; a new one (the daily digest) is one more
`add_job` there.

- "mailbox" watches the inbox over one kept connection: IMAP IDLE where the
  server offers it (Dovecot), else a cheap check() every [mailbox]
  poll_interval (163.com has no IDLE). New mail is fetched, archived and
  processed, then the outbox is woken. After an error it reconnects, the
  wait doubling up to [mailbox] reconnect_max.
- "outbox" sends queued replies in a thread of its own, so a slow SMTP
  server never delays reading mail: woken at once when replies are queued,
  else every few seconds for retries that fall due.
- "reminders" queues 补正提醒 hourly (notifier.remind).
- "digest" sends the secretariat's daily digest at [digest] send_at, local time.

Both long-running jobs watch one stop flag: on SIGTERM IDLE ends within a
second (DONE), the reply being sent is settled, and the process exits.
Restarting at any moment is safe: the mailbox checkpoint, the message
ledger and the outbox states (notifier/send.py) make a rerun do what is
left exactly once.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from intake.mailbox import Mailbox, MailboxError
from intake.run.pipeline import Pipeline, storage_trouble
from intake.run.poll import take_new
from notifier.remind import queue_reminders
from intake.base.times import utcnow
from notifier.send import sender_for

log = logging.getLogger("intake.service")
# OSError numbers that mean the archive's disk, not the mail, is the problem.
# The outbox looks for due retries this often when nothing wakes it.
OUTBOX_WAKE = 5.0


class Service:
    """The long-running jobs and their shared stop flag; `clock` returns an aware datetime."""

    def __init__(self, pipeline: Pipeline, *, clock: Callable[[], datetime] = utcnow):
        self.pipeline, self.clock = pipeline, clock
        self.stopping = threading.Event()
        self.outbox_due = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        self.outbox_due.set()

    # -- the mailbox ---------------------------------------------------------

    def watch_mailbox(self) -> None:
        """Until stopped: wait for new mail, take it, and reconnect after any failure."""
        settings = self.pipeline.settings.mailbox
        mailbox = Mailbox(settings, self.pipeline.settings.secret(settings.password_env))
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    self._watch_once(mailbox)
                    failures = 0
                except Exception as err:  # noqa: BLE001 - the service outlives any one failure
                    failures += 1
                    mailbox.close()
                    wait = min(2.0 ** (failures - 1), settings.reconnect_max)
                    if isinstance(err, MailboxError):
                        log.error("Mailbox: %s; reconnecting in %.0f s", err, wait)
                    elif why := storage_trouble(err):
                        log.error("%s; new mail stays in the mailbox and is read again in %.0f s", why, wait)
                    else:
                        log.exception("Mailbox: unexpected failure; starting again in %.0f s", wait)
                    self.stopping.wait(wait)
        finally:
            mailbox.close()

    def _watch_once(self, mailbox: Mailbox) -> None:
        settings = self.pipeline.settings.mailbox
        if not mailbox.is_open:
            mailbox.open()
            self.take_new(mailbox)  # whatever came while we were away
        if settings.idle and mailbox.has_idle:
            if mailbox.wait_for_new(settings.idle_timeout, stop=self.stopping.is_set):
                self.take_new(mailbox)
            elif not self.stopping.is_set():
                self.retry_pending()
            return
        known = (mailbox.uidvalidity, mailbox.uidnext)
        if not self.stopping.wait(settings.poll_interval):
            if mailbox.check() != known:
                self.take_new(mailbox)
            else:
                self.retry_pending()

    def retry_pending(self) -> None:
        """Try again, at each quiet poll or IDLE timeout, what a failure left pending (the
        archive disk full or read-only, the database locked), not only when new mail comes."""
        processed = 0
        for outcome in self.pipeline.each_pending():
            processed += 1
            self._heard(outcome)
        if processed:
            log.info("Mailbox: %d left pending processed on retry", processed)

    def take_new(self, mailbox: Mailbox) -> None:
        """Fetch and archive what is new and process it, waking the outbox at each reply."""
        report = take_new(self.pipeline, mailbox, on_outcome=self._heard)
        if report.fetched or report.processed:
            log.info("Mailbox: %d fetched, %d new, %d processed", report.fetched, report.new, report.processed)

    def _heard(self, outcome: dict) -> None:
        """A message processed: its reply, if any, goes out now, not at the next round."""
        if outcome.get("reply"):
            self.outbox_due.set()

    # -- the outbox ------------------------------------------------------------

    def send_replies(self) -> None:
        """Until stopped: deliver a round whenever woken, or every OUTBOX_WAKE seconds."""
        sender = sender_for(self.pipeline.settings, self.pipeline.store, clock=self.clock)
        try:
            while not self.stopping.is_set():
                self.outbox_due.clear()
                try:
                    report = sender.deliver()
                except Exception:  # noqa: BLE001 - e.g. the database is away; the next round retries
                    log.exception("Outbox: delivery round failed")
                else:
                    if report.sent or report.failed or report.recovered:
                        log.info("Outbox: %d sent, %d failed, %d deferred, %d recovered after a crash",
                                 report.sent, report.failed, report.deferred, report.recovered)
                self.outbox_due.wait(OUTBOX_WAKE)
        finally:
            sender.close()

    # -- reminders -------------------------------------------------------------

    def remind(self) -> int:
        """Queue the reminders due now (notifier.remind) and wake the outbox."""
        queued = queue_reminders(self.pipeline.store, self.pipeline.settings, self.clock())
        if queued:
            self.outbox_due.set()
        return queued


    # -- the daily digest --------------------------------------------------------

    def send_digest(self) -> None:
        """Build and send today's digest; a failure is logged, tomorrow's run tries again."""
        from notifier.digest import DigestNotSent, build_digest, send_digest  # openpyxl, Pillow: once a day

        try:
            where = send_digest(build_digest(self.pipeline.store, self.pipeline.settings, self.clock()),
                                self.pipeline.settings)
        except DigestNotSent as err:
            log.error("Digest: not sent: %s", err)
        else:
            log.info("Digest: sent%s", f" (written to {where})" if where else "")


def build_scheduler(service: Service) -> BlockingScheduler:
    """Every job of the service, in one place."""
    settings = service.pipeline.settings
    scheduler = BlockingScheduler(timezone=settings.competition.timezone,
                                  job_defaults={"max_instances": 1, "coalesce": True})
    now = datetime.now(settings.competition.timezone)
    # Long-running: each returns only when service.stop() is called.
    scheduler.add_job(service.watch_mailbox, id="mailbox", next_run_time=now)
    scheduler.add_job(service.send_replies, id="outbox", next_run_time=now)
    scheduler.add_job(service.remind, "interval", hours=1, id="reminders", next_run_time=now)
    send_at = settings.digest.send_at
    scheduler.add_job(service.send_digest, "cron", hour=send_at.hour, minute=send_at.minute, id="digest")
    return scheduler


def run_service(pipeline: Pipeline) -> None:
    """Run until SIGTERM or Ctrl-C; the reply being sent is settled before exit."""
    service = Service(pipeline)
    pipeline.preparer.warm_up()
    scheduler = build_scheduler(service)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)  # not "Added job …" each start
    settings = pipeline.settings.mailbox
    log.info("Service started: watching %s %s (IDLE where offered, else a check every %.0f s)",
             settings.url, settings.folder, settings.poll_interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        service.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        pipeline.preparer.close()
        log.info("Service stopped")
