"""The flow, on one screen.

    fetch → archive → parse → classify → extract → validate → decide → record → notify

`accept` archives and records a raw message (fetching is `intake.run.poll`'s or
`intake.fetch.sources`' job); `process_stream` runs the rest for recorded
messages in order: parse and extract (`intake.run.prepare`, ahead, in worker
processes), then decide and write every decision, and the reply to send,
in one transaction a message. `process` does the same for one message in
this process. Sending is `notifier.send`'s job, afterwards, from the outbox.
"""
from __future__ import annotations

import errno
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from intake.fetch.archive import Archive
from intake.sort.assemble import pair_documents
from intake.sort.classify import classify_content, classify_envelope
from intake.base.config import Settings
from intake.mime.downloads import LinkFetcher
from intake.record.history import (Lookups, document_key, earlier_documents, look_up, rule_history,
                            units_named)
from intake.base.model import (
    Classification, Document, IncomingMail, ReplyType, Submission, Verdict,
)
from intake.run.prepare import Prepared, Preparer, prepare, read_mail
from intake.record.write import Decision, record_decision, record_unreadable
from notifier.compose import reply_composer
from intake.record.repeats import repeated_mail, repeated_results
from intake.review.copies import Signature, check_copies
from intake.validators.names import unit_key
from intake.validators import RuleContext, validate, verdict_of
from intake.validators.writeups import is_write_up
from store import Store
from store.models import Message, MessageStatus

if TYPE_CHECKING:
    from intake.extractors.attachments import Extraction

log = logging.getLogger("intake.pipeline")


@dataclass
class Pipeline:
    settings: Settings
    store: Store
    archive: Archive
    # Parses and extracts ahead; in-process unless `open` gives it workers.
    preparer: Preparer = field(default_factory=lambda: Preparer(0))
    # Messages claimed for the look-ahead and not yet released.
    _held: set[int] = field(default_factory=set, init=False, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> "Pipeline":
        """The pipeline over the configured store and archive folder."""
        settings.store.archive_dir.mkdir(parents=True, exist_ok=True)
        archive = Archive(settings.store.archive_dir)
        fetcher = LinkFetcher.configured(settings.links, archive)
        return cls(settings=settings, store=Store(settings.store.url), archive=archive,
                   preparer=Preparer(settings.store.workers, task=partial(prepare, links=fetcher)))

    def close(self) -> None:
        """Stop the worker processes and let go of the database."""
        self.preparer.close()
        self.store.close()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def accept(self, raw: bytes, *, account: str, folder: str, received_at: datetime,
               uidvalidity: int | None = None, uid: int | None = None) -> tuple[Message, bool]:
        """Archive first, then record; returns the stored message and whether it is new."""
        digest, path = self.archive.store_message(raw)
        return self.store.record_message(Message(
            raw_sha256=digest, archive_path=path, size=len(raw), account=account, folder=folder,
            uidvalidity=uidvalidity, uid=uid, received_at=received_at))

    def process_pending(self) -> list[dict]:
        """Process every archived message not yet processed; one failure never stops the rest."""
        return list(self.each_pending())

    def each_pending(self) -> Iterator[dict]:
        """`process_pending`, one outcome at a time (a crash may have left thousands)."""
        done: set[int] = set()
        while batch := self.store.pending_messages(exclude=done):
            done.update(message.id for message in batch)
            yield from (outcome for _, outcome in self.process_stream(batch) if outcome is not None)

    def process_stream(self, messages: Iterable[Message]) -> Iterator[tuple[Message, dict | None]]:
        """Process messages in order, parsing and extracting the next ones ahead in worker
        processes. Yields each message with its outcome (None: it failed this time, and the
        failure is counted against it); one processed before gives its recorded outcome.
        A message another worker has claimed is left to it (SPEC §8: never twice).

        A full or read-only disk, or a database that refuses work, is not the message's
        fault: it raises `StorageTrouble`, the message stays pending without a failed
        attempt, and the caller tries again later.
        """
        try:
            for message, prepared in self.preparer.map(messages, self._claim_and_load):
                if prepared is None:
                    if message.status == MessageStatus.PROCESSED:
                        yield message, message.outcome
                    continue
                try:
                    if isinstance(prepared, Exception):
                        raise prepared
                    outcome = self._finish(message, prepared)
                except Exception as err:  # noqa: BLE001 - the per-message error boundary
                    if why := storage_trouble(err):
                        raise StorageTrouble(why) from err
                    row = self.store.note_failure(message.id, f"{type(err).__name__}: {err}")
                    log.error("Message %s (%s): processing failed, attempt %d, now %s: %s",
                              message.id, message.raw_sha256[:12], row.attempts, row.status, err,
                              exc_info=not isinstance(err, OSError))
                    outcome = None
                finally:
                    self._release(message.id)
                yield message, outcome
        finally:
            for message_id in list(self._held):  # the look-ahead of a round cut short
                self._release(message_id)

    def process(self, message: Message) -> dict:
        """Run one recorded message through every stage, in this process, and record the decision."""
        if message.status == MessageStatus.PROCESSED:
            return message.outcome
        return self._finish(message, prepare(*self._load(message), links=self.link_fetcher))

    @property
    def link_fetcher(self) -> LinkFetcher | None:
        """Downloads 超大附件 links when [links] fetch is on."""
        return LinkFetcher.configured(self.settings.links, self.archive)

    def _load(self, message: Message) -> tuple[bytes, datetime]:
        return self.archive.read(message.archive_path), message.received_at

    def _claim_and_load(self, message: Message) -> tuple[bytes, datetime] | None:
        """What to prepare for a pending message this process could claim, else None."""
        if message.status != MessageStatus.PENDING or not self.store.claim(message.id):
            return None
        self._held.add(message.id)
        return self._load(message)

    def _release(self, message_id: int) -> None:
        self._held.discard(message_id)
        self.store.release(message_id)

    def _finish(self, message: Message, prepared: Prepared) -> dict:
        """Decide and record a prepared message."""
        if prepared.mail is None:
            return record_unreadable(self.store, message, prepared.unreadable)
        # From reading the unit's history to committing the decision: see `Store.units_locked`.
        with self.store.units_locked(units_named(prepared.extraction.documents if prepared.extraction else ())):
            decision = self.judge(prepared.mail, message, prepared.extraction, prepared.signatures)
            outcome = self.record(message, prepared.mail, decision)
        _log_outcome(outcome)
        return outcome

    def record(self, message: Message, mail: IncomingMail, decision: Decision) -> dict:
        """Write the decision down with its reply, in the words `notifier` gives it."""
        return record_decision(self.store, self.archive, self.settings, message, mail, decision,
                               reply_composer(self.settings))

    def judge(self, mail: IncomingMail, message: Message, extraction: Extraction | None = None,
              signatures: Mapping[str, Signature] | None = None) -> Decision:
        """Classify, extract (unless done ahead), validate: everything short of writing it down;
        `signatures`: the reports' copy-check signatures, when made ahead."""
        lookups: Lookups = look_up(self.store, mail, message.id, self.settings.competition.code_prefix)
        found = classify_envelope(mail, own_addresses=self.settings.own_addresses(), duplicate=lookups.duplicate,
                                  cites=_citation(lookups))
        if found is not None and found.kind is not Classification.CORRECTION:
            return Decision(classification=found.kind, reason=found.reason)
        if extraction is None:
            extraction = read_mail(mail, self.link_fetcher)  # in-process: the readers load on first use
        documents, files = extraction.documents, extraction.files
        if found is None and (repeat := repeated_mail(self.store, documents, message.id)):
            return Decision(classification=Classification.DUPLICATE, findings=(repeat,),
                            reason="附件与此前收到的报名材料完全相同（重复来信）")
        if found is None:
            found = classify_content(mail, documents, self.settings.competition)
        kind, reason = found.kind, found.reason
        if kind is Classification.OBSERVER:
            return Decision(classification=kind, reason=reason, documents=documents, files=files,
                            reply_type=ReplyType.OBSERVER_ACKNOWLEDGEMENT)
        if kind is not Classification.SUBMISSION and kind is not Classification.CORRECTION:
            return Decision(classification=kind, reason=reason, documents=documents, files=files)
        decision = self._check(mail, kind, extraction, lookups, message.id, signatures)
        return decision if decision.reason else replace(decision, reason=reason)

    def _check(self, mail: IncomingMail, kind: Classification, extraction: Extraction,
               lookups: Lookups, message_id: int, signatures: Mapping[str, Signature] | None) -> Decision:
        documents = extraction.documents
        combined = merge_with_earlier(documents, lookups.earlier_documents)
        results = _results_of(combined)
        # Results already registered, the number not cited: corrections of those (intake.record.repeats).
        same_as, repeat_flags = ((), ()) if lookups.cited else repeated_results(self.store, results, message_id)
        repeated = tuple(reg for reg in same_as if reg is not None)
        if repeated and len(results) == 1:  # one result sent again: seen whole with what it repeats
            merged = merge_with_earlier(documents, earlier_documents(self.store, repeated))
            if len(paired := _results_of(merged)) == 1:
                combined, results = merged, paired
        why = ""
        if repeated and len(repeated) == len(results):
            kind = Classification.CORRECTION
            why = f"未注明总编号，但与已登记的{'、'.join(reg.number for reg in repeated)}是同一成果，按补正处理"
        submission = Submission(mail=mail, documents=combined, pairings=results,
                                link_files=extraction.link_only)
        history = rule_history(self.store, submission, lookups.cited + repeated, message_id)
        findings = validate(submission, RuleContext(self.settings.competition, mail.received_at, history))
        # After the rules, as review flags only: the verdict is the rules' (intake.review.copies).
        # Never a copy of itself: what it corrects or repeats, and what this very message made
        # before (a re-run from the console decides it again).
        made_before = self.store.registrations_of_messages([message_id])
        own = tuple(reg.id for reg in (*lookups.cited, *repeated, *made_before))
        copies = tuple(check for pairing in results if any(pairing.report is doc for doc in documents)
                       for check in check_copies(self.store, [pairing.report], unit_key(pairing.field("企业名称")), own,
                                                 signatures))
        findings = [*findings, *repeat_flags]
        verdict = verdict_of(findings)
        findings += [check.finding for check in copies if check.finding is not None]
        reply = ReplyType.DEFICIENCY_NOTICE if verdict is Verdict.DEFICIENT else ReplyType.ACKNOWLEDGEMENT
        return Decision(classification=kind, reason=why, documents=documents, files=extraction.files,
                        submission=submission, findings=tuple(findings), verdict=verdict, reply_type=reply,
                        corrects=lookups.cited, same_as=same_as, copies=copies)


class StorageTrouble(Exception):
    """The archive or the database refused the work: nothing is wrong with the message."""


_DISK_TROUBLE = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM}


def storage_trouble(err: BaseException) -> str | None:
    """One line on why the archive or the database refused a write, or None for other errors."""
    if isinstance(err, StorageTrouble):
        return str(err)
    if isinstance(err, OSError) and err.errno in _DISK_TROUBLE:
        return f"Archive: cannot write {err.filename or 'a file'}: {err.strerror}"
    if isinstance(err, OperationalError):
        return f"Store: the database refused the work: {str(err.orig).strip() or type(err.orig).__name__}"
    return None


def merge_with_earlier(new: tuple[Document, ...], earlier: tuple[Document, ...]) -> tuple[Document, ...]:
    """A correction's files replace earlier files of the same kind; the rest still count."""
    replaced = {document_key(doc) for doc in new if doc.error is None}
    return new + tuple(doc for doc in earlier if document_key(doc) not in replaced)


def _citation(lookups: Lookups) -> str | None:
    """How a mail refers to registrations it corrects, in words; None when it does not."""
    if not lookups.cited:
        return None
    numbers = "、".join(reg.number for reg in lookups.cited)
    if lookups.quoted:
        return f"邮件引用总编号{numbers}，按补正处理"
    return f"邮件回复此前的报名邮件或本邮箱的回复（{numbers}），按补正处理"


def _results_of(documents: tuple[Document, ...]):
    # A write-up (QC小组工作总结 …) reads like a report but is no QC result of its own.
    return pair_documents(tuple(doc for doc in documents if not is_write_up(doc)))



def _log_outcome(outcome: dict) -> None:
    codes = [f["code"] for f in outcome["deficiencies"] + outcome["review_flags"]]
    numbers = [s["number"] for s in outcome["submissions"]]
    reply = outcome["reply"]["type"] if outcome["reply"] else "none"
    log.info("%s from %s: %s, verdict %s, numbers %s, findings %s, reply %s",
             outcome["message_id"] or "(no Message-ID)", outcome["from"], outcome["classification"],
             outcome["verdict"], ",".join(numbers) or "-", ",".join(codes) or "-", reply)

