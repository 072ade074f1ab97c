"""One poll of the mailbox: fetch what is new, archive it, process it, send replies.

Fetching and processing overlap: a message is archived and recorded as it
arrives and handed to the pipeline, which prepares the next ones in worker
processes. The checkpoint (UIDVALIDITY, last UID) is saved after each
archived message, so a crash costs at most a re-fetch of one message, which
the content hash then recognises. \\Seen is never touched or trusted.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from intake.mailbox import Mailbox
from intake.pipeline import Pipeline
from notifier.send import DeliveryReport, sender_for
from store.models import Message, MessageStatus

log = logging.getLogger("intake.poll")


@dataclass(frozen=True)
class PollReport:
    fetched: int
    new: int
    outcomes: list[dict]
    delivery: DeliveryReport | None


def fetch(pipeline: Pipeline, mailbox: Mailbox) -> Iterator[tuple[Message, bool]]:
    """Archive every message after the checkpoint, one by one as it arrives; yields the
    stored message and whether it is new."""
    settings = pipeline.settings.mailbox
    account, folder = f"{settings.username}@{settings.host}", settings.folder
    checkpoint = pipeline.store.checkpoint(account, folder)
    last_uid = checkpoint.last_uid if checkpoint and checkpoint.uidvalidity == mailbox.uidvalidity else 0
    if checkpoint and checkpoint.uidvalidity != mailbox.uidvalidity:
        log.warning("Folder %s: UIDVALIDITY changed from %s to %s; re-reading, known messages are skipped",
                    folder, checkpoint.uidvalidity, mailbox.uidvalidity)
    for item in mailbox.fetch_after(last_uid):
        message, created = pipeline.accept(item.raw, account=account, folder=folder, received_at=item.internaldate,
                                           uidvalidity=item.uidvalidity, uid=item.uid)
        pipeline.store.save_checkpoint(account, folder, item.uidvalidity, item.uid)
        yield message, created


def fetch_new(pipeline: Pipeline, mailbox: Mailbox) -> tuple[int, int]:
    """Archive every message after the checkpoint, processing none; return (fetched, new)."""
    seen = [created for _, created in fetch(pipeline, mailbox)]
    return len(seen), sum(seen)


def take_new(pipeline: Pipeline, mailbox: Mailbox,
             on_outcome: Callable[[dict], object] = lambda outcome: None) -> PollReport:
    """Process what was left pending, then fetch and process what is new, the download
    overlapping the work: each message is processed while the next ones arrive.
    `on_outcome` hears of each processed message at once (the service wakes its outbox)."""
    outcomes = []
    for outcome in pipeline.process_pending():
        outcomes.append(outcome)
        on_outcome(outcome)
    counts = {"fetched": 0, "new": 0}

    def arrivals() -> Iterator[Message]:
        for message, created in fetch(pipeline, mailbox):
            counts["fetched"] += 1
            counts["new"] += created
            if message.status == MessageStatus.PENDING:
                yield message

    for _, outcome in pipeline.process_stream(arrivals()):
        if outcome is not None:
            outcomes.append(outcome)
            on_outcome(outcome)
    return PollReport(fetched=counts["fetched"], new=counts["new"], outcomes=outcomes, delivery=None)


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
        report = take_new(pipeline, mailbox)
    return replace(report, delivery=deliver(pipeline))
