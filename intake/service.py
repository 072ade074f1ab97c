"""`intake run`: the poll as an APScheduler job, one at a time, until stopped."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.blocking import BlockingScheduler

from intake.mailbox import MailboxError
from intake.pipeline import Pipeline
from intake.poll import poll_once

log = logging.getLogger("intake.service")


def poll_job(pipeline: Pipeline) -> None:
    """One poll; a mailbox or server failure is logged and the next run tries again."""
    try:
        report = poll_once(pipeline)
    except MailboxError as err:
        log.error("Poll failed, will retry at the next interval: %s", err)
        return
    if report.new or report.delivery.sent or report.delivery.failed:
        log.info("Poll: %d new, %d processed, %d replies sent, %d failed",
                 report.new, len(report.outcomes), report.delivery.sent, report.delivery.failed)


def build_scheduler(pipeline: Pipeline) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=pipeline.settings.competition.timezone)
    # max_instances=1 and coalesce: a poll that outlasts its interval is never run twice at once.
    scheduler.add_job(poll_job, "interval", args=[pipeline], id="poll",
                      seconds=pipeline.settings.mailbox.poll_interval, max_instances=1, coalesce=True,
                      next_run_time=datetime.now(timezone.utc))
    return scheduler


def run_service(pipeline: Pipeline) -> None:
    """Run until SIGTERM or Ctrl-C; the poll in progress finishes before exit."""
    scheduler = build_scheduler(pipeline)
    log.info("Service started: polling %s every %.0f s", pipeline.settings.mailbox.url,
             pipeline.settings.mailbox.poll_interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        log.info("Service stopped")
