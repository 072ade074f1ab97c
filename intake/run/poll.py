"""One poll of the mailbox: fetch what is new, archive it, process it, send replies.

Fetching and processing overlap: a thread downloads, a message is archived
and recorded as it arrives and handed to the pipeline, which prepares the
next ones in worker processes. The checkpoint (UIDVALIDITY, last UID) is saved after each
archived message, so a crash costs at most a re-fetch of one message, which
the content hash then recognises. \\Seen is never touched or trusted.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from intake.mailbox import Mailbox
from intake.run.pipeline import Pipeline
from notifier.send import DeliveryReport, sender_for
from store.models import Message, MessageStatus

log = logging.getLogger("intake.poll")

T = TypeVar("T")


@dataclass(frozen=True)
class PollReport:
    fetched: int
    new: int
    processed: int
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
    # Room for two FETCH batches: the next FETCH goes out while this batch is worked on.
    for item in downloading_ahead(mailbox.fetch_after(last_uid), depth=2 * max(1, settings.batch_size)):
        message, created = pipeline.accept(item.raw, account=account, folder=folder, received_at=item.internaldate,
                                           uidvalidity=item.uidvalidity, uid=item.uid)
        pipeline.store.save_checkpoint(account, folder, item.uidvalidity, item.uid)
        yield message, created


def downloading_ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """The items of a download, read by a thread of its own up to `depth` ahead.

    Waiting for the network holds no lock, so on a slow link the main thread
    decides and records the mail already here while the next is still coming.
    The thread is done with the mailbox connection when this generator ends.
    """
    waiting: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def download() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put(("item", item), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(("end", None))
        except BaseException as err:  # noqa: BLE001 - handed to the reading side, in order
            waiting.put(("error", err))

    thread = threading.Thread(target=download, name="imap-download", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = waiting.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # make room for a put() in progress, then let it see `stop`
            try:
                waiting.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


def take_new(pipeline: Pipeline, mailbox: Mailbox,
             on_outcome: Callable[[dict], object] = lambda outcome: None) -> PollReport:
    """Process what was left pending, then fetch and process what is new, the download
    overlapping the work: each message is processed while the next ones arrive.
    `on_outcome` hears of each processed message at once (the service wakes its outbox);
    outcomes are not kept, so a backlog of any size costs the same memory."""
    counts = {"fetched": 0, "new": 0, "processed": 0}
    for outcome in pipeline.each_pending():
        counts["processed"] += 1
        on_outcome(outcome)

    def arrivals() -> Iterator[Message]:
        for message, created in fetch(pipeline, mailbox):
            counts["fetched"] += 1
            counts["new"] += created
            if message.status == MessageStatus.PENDING:
                yield message

    for _, outcome in pipeline.process_stream(arrivals()):
        if outcome is not None:
            counts["processed"] += 1
            on_outcome(outcome)
    return PollReport(**counts, delivery=None)


def deliver(pipeline: Pipeline) -> DeliveryReport:
    """One round of the outbox, with the configured limits and Sent-folder copies."""
    sender = sender_for(pipeline.settings, pipeline.store)
    try:
        return sender.deliver()
    finally:
        sender.close()


def poll_once(pipeline: Pipeline) -> PollReport:
    settings = pipeline.settings
    # The workers start while this thread logs in and downloads the first mails.
    warming = threading.Thread(target=_warm_up, args=(pipeline,), name="warm-up", daemon=True)
    warming.start()
    try:
        with Mailbox(settings.mailbox, settings.secret(settings.mailbox.password_env)) as mailbox:
            report = take_new(pipeline, mailbox)
    finally:
        warming.join()  # never a pool started after the pipeline closed
    return replace(report, delivery=deliver(pipeline))


def _warm_up(pipeline: Pipeline) -> None:
    try:
        pipeline.preparer.warm_up()
    except Exception as err:  # noqa: BLE001 - the first message starts the pool then, or reports why
        log.info("Poll: the workers did not start ahead (%s)", err)
