"""One poll of the mailbox: fetch what is new, archive it, process it, send replies.

The checkpoint (UIDVALIDITY, last UID) is saved after each archived
message, so a crash costs at most a re-fetch of one message, which the
content hash then recognises. \\Seen is never touched or trusted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from intake.mailbox import Mailbox
from intake.pipeline import Pipeline
from notifier.send import DeliveryReport, sender_for

log = logging.getLogger("intake.poll")


@dataclass(frozen=True)
class PollReport:
    fetched: int
    new: int
    outcomes: list[dict]
    delivery: DeliveryReport


def fetch_new(pipeline: Pipeline, mailbox: Mailbox) -> tuple[int, int]:
    """Archive every message after the checkpoint; return (fetched, new)."""
    settings = pipeline.settings.mailbox
    account, folder = f"{settings.username}@{settings.host}", settings.folder
    checkpoint = pipeline.store.checkpoint(account, folder)
    last_uid = checkpoint.last_uid if checkpoint and checkpoint.uidvalidity == mailbox.uidvalidity else 0
    if checkpoint and checkpoint.uidvalidity != mailbox.uidvalidity:
        log.warning("Folder %s: UIDVALIDITY changed from %s to %s; re-reading, known messages are skipped",
                    folder, checkpoint.uidvalidity, mailbox.uidvalidity)
    fetched = new = 0
    for item in mailbox.fetch_after(last_uid):
        _, created = pipeline.accept(item.raw, account=account, folder=folder, received_at=item.internaldate,
                                     uidvalidity=item.uidvalidity, uid=item.uid)
        pipeline.store.save_checkpoint(account, folder, item.uidvalidity, item.uid)
        fetched, new = fetched + 1, new + int(created)
    return fetched, new


def deliver(pipeline: Pipeline) -> DeliveryReport:
    """One round of the outbox, with the configured limits and Sent-folder copies."""
    sender = sender_for(pipeline.settings, pipeline.store)
    try:
        return sender.deliver()
    finally:
        sender.close()


def poll_once(pipeline: Pipeline) -> PollReport:
    settings = pipeline.settings
    with Mailbox(settings.mailbox, settings.secret(settings.mailbox.password_env)) as mailbox:
        fetched, new = fetch_new(pipeline, mailbox)
    outcomes = pipeline.process_pending()
    return PollReport(fetched=fetched, new=new, outcomes=outcomes, delivery=deliver(pipeline))
