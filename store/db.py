"""The store: the only module that talks SQL.

SQLite by default (WAL, so the sender and the poller can share it),
PostgreSQL by URL. Every write that belongs to one decision happens in one
transaction, so a crash leaves either all of it or none of it.
"""
from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, func, inspect, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session, create_engine, select

from store.migrate import SchemaError, upgrade
from store.models import (
    MailboxCheckpoint, Message, MessageStatus, Outbox, OutboxStatus,
    Registration, Reminder, StoredDocument, StoredFinding, utcnow,
)

MAX_ATTEMPTS = 3
# First key of the advisory locks that claim messages (PostgreSQL); the second is the id.
CLAIM_SPACE = 0x51C0
# 0x51C1 is the schema lock (store/migrate.py): workers starting together upgrade in turn.
# First key of the advisory locks that serialise one enterprise's cross-mail rules; the
# second is a 32-bit hash of its unit key (a collision only makes two units wait in turn).
UNIT_SPACE = 0x51C2


def _unit_hash(key: str) -> int:
    """A unit key as the signed 32-bit second key of an advisory lock."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


class StoreError(Exception):
    """The database could not be reached or refused a write."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # Switching a new file to WAL does not wait on the busy timeout: stores opening one
    # new file at once find it locked while the first builds the schema. Wait here.
    for attempt in range(600):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or attempt == 599:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for an in-memory one or another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if (file := _sqlite_file(url)) is not None:
            file.parent.mkdir(parents=True, exist_ok=True)  # a fresh configuration's folder
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def is_set_up(url: str) -> bool:
    """Whether the database holds this program's tables: a report from a store that was never
    set up (a wrong [store] url) would be empty, not true. Nothing is created to find out."""
    file = _sqlite_file(url)
    if file is not None and not file.is_file():
        return False
    engine = make_engine(url)
    try:
        return inspect(engine).has_table(Message.__table__.name)
    finally:
        engine.dispose()


class Store:
    """Repository over the tables of `store.models`."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._claim_connection = None
        self._open = threading.local()  # the transaction this thread has open, if any
        try:
            upgrade(self.engine)  # an empty store is built, an older one upgraded, in one transaction
        except SchemaError as err:
            self.engine.dispose()
            raise StoreError(str(err)) from err

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error.

        Opened while this thread already has one open, it is that one: every
        method opens `session()`, so a caller makes several calls one
        transaction (all or nothing) by calling them inside its own
        `with store.session():` block. The console's re-run undoes a message's
        processing, records the new decision and who asked for it that way.
        """
        current = getattr(self._open, "session", None)
        if current is not None:  # part of the caller's transaction, which commits or rolls back
            yield current
            return
        with Session(self.engine, expire_on_commit=False) as session:
            self._open.session = session
            try:
                with session.begin():
                    yield session
            finally:
                self._open.session = None

    def close(self) -> None:
        if self._claim_connection is not None:
            self._claim_connection.close()
        self.engine.dispose()

    # -- mailbox checkpoints -------------------------------------------------

    def checkpoint(self, account: str, folder: str) -> MailboxCheckpoint | None:
        with self.session() as s:
            return s.exec(select(MailboxCheckpoint).where(
                MailboxCheckpoint.account == account, MailboxCheckpoint.folder == folder)).first()

    def save_checkpoint(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Move the checkpoint forward (never back: another worker may be further on)."""
        for attempt in (1, 2):
            try:
                with self.session() as s:
                    row = s.exec(select(MailboxCheckpoint).where(
                        MailboxCheckpoint.account == account, MailboxCheckpoint.folder == folder)
                        .with_for_update()).first()
                    row = row or MailboxCheckpoint(account=account, folder=folder, uidvalidity=uidvalidity)
                    same = row.uidvalidity == uidvalidity
                    row.uidvalidity, row.last_uid = uidvalidity, max(row.last_uid, last_uid) if same else last_uid
                    row.updated_at = utcnow()
                    s.add(row)
                return
            except IntegrityError:  # another worker wrote the first checkpoint at the same moment
                if attempt == 2:
                    raise

    # -- messages -----------------------------------------------------------

    def record_message(self, message: Message) -> tuple[Message, bool]:
        """Record an archived message unless its content is already known.

        Returns the stored row and whether it is new. The same bytes seen
        again (a UIDVALIDITY reset, a re-run of `ingest`) are one message.
        """
        existing = self.message_by_hash(message.raw_sha256)
        if existing:
            return existing, False
        try:
            with self.session() as s:
                s.add(message)
            return message, True
        except IntegrityError:
            return self.message_by_hash(message.raw_sha256), False

    def message_by_hash(self, raw_sha256: str) -> Message | None:
        with self.session() as s:
            return s.exec(select(Message).where(Message.raw_sha256 == raw_sha256)).first()

    def pending_messages(self, limit: int = 100, exclude: set[int] = frozenset()) -> list[Message]:
        """Messages archived but not yet processed, oldest first (minus those given)."""
        query = select(Message).where(Message.status == MessageStatus.PENDING)
        if exclude:
            query = query.where(Message.id.not_in(exclude))
        with self.session() as s:
            return list(s.exec(query.order_by(Message.received_at, Message.id).limit(limit)))

    def requeue_quarantined(self, keys: list[str]) -> list[Message]:
        """Put quarantined messages back in the queue (all, or those whose content hash
        starts with, or whose Message-ID equals, one of `keys`); processed ones stay as they are."""
        with self.session() as s:
            rows = list(s.exec(select(Message).where(Message.status == MessageStatus.QUARANTINED)))
            chosen = [row for row in rows if not keys or any(
                row.raw_sha256.startswith(key.lower()) or row.message_id == key for key in keys)]
            for row in chosen:
                row.status, row.attempts = MessageStatus.PENDING, 0
                s.add(row)
            return chosen

    def claim(self, message_id: int) -> bool:
        """Take a pending message for this process, so that two workers sharing the store
        never process it both. On PostgreSQL a session advisory lock on a connection of
        its own: the server drops it the moment this process dies, so a crash leaves no
        stale claim. SQLite serves one process; its claim only checks the status."""
        if not self.hold(message_id):
            return False
        with self.session() as s:
            pending = s.exec(select(Message.status).where(Message.id == message_id)).one() == MessageStatus.PENDING
        if not pending:  # another worker finished it between our look and our claim
            self.release(message_id)
        return pending

    def hold(self, message_id: int) -> bool:
        """Take the claim on a message whatever its status; False when another process has it.

        `claim` for a pending message; the console holds a processed one it runs again,
        so that no worker starts on it meanwhile. SQLite serves one process: always True.
        """
        if self.engine.dialect.name == "postgresql":
            return self._advisory("pg_try_advisory_lock", message_id)
        return True

    def release(self, message_id: int) -> None:
        """Give up the claim on a message (done, or failed this time)."""
        if self.engine.dialect.name == "postgresql" and self._claim_connection is not None:
            self._advisory("pg_advisory_unlock", message_id)

    @contextmanager
    def units_locked(self, unit_keys: Iterable[str]) -> Iterator[None]:
        """Hold the enterprises with these unit keys (`names.unit_key`) for the block, so
        that no other worker reads their history or records a decision about them meanwhile.

        Cross-mail rules (quota, nomination limits, repeats) read what is stored, decide,
        and write: two workers doing that for one enterprise at once would each miss the
        other's mail. On PostgreSQL this is a session advisory lock per unit, taken in
        sorted order (no deadlock between two mails naming the same units), on the claims
        connection: held across the separate read and record transactions, released only
        after the record committed, so the next holder reads it; a killed worker's locks
        vanish with its connection. A transaction-level lock would end with the first
        transaction, before the decision is recorded.

        SQLite needs no lock: one process decides and records, one message after the
        other (worker processes only parse), and two `intake` processes on one SQLite
        store are not supported (README: PostgreSQL when several workers share the work).
        """
        keys = sorted({key for key in unit_keys if key})
        if self.engine.dialect.name != "postgresql" or not keys:
            yield
            return
        held: list[int] = []
        try:
            for key in keys:
                self._advisory("pg_advisory_lock", _unit_hash(key), space=UNIT_SPACE)
                held.append(_unit_hash(key))
            yield
        finally:
            for hashed in reversed(held):
                if self._claim_connection is not None:
                    self._advisory("pg_advisory_unlock", hashed, space=UNIT_SPACE)

    def _advisory(self, function: str, message_id: int, *, space: int = CLAIM_SPACE) -> bool:
        """Call an advisory-lock function on the claims connection, opening it again once
        if the server dropped it (a restart drops the claims with it)."""
        for attempt in (1, 2):
            if self._claim_connection is None:
                self._claim_connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                return bool(self._claim_connection.execute(
                    text(f"SELECT {function}(:space, :id)"), {"space": space, "id": message_id}).scalar())
            except DBAPIError:
                self._claim_connection.invalidate()
                self._claim_connection = None
                if attempt == 2:
                    raise
        return False

    def lock_message(self, message_id: int) -> Message:
        """The message row, locked against other workers until the caller's transaction
        (`with store.session():` around this call) ends."""
        with self.session() as s:
            return s.exec(select(Message).where(Message.id == message_id).with_for_update()).one()

    def note_failure(self, message_id: int, error: str) -> Message:
        """Count a failed attempt; after MAX_ATTEMPTS the message is quarantined."""
        with self.session() as s:
            row = s.get(Message, message_id)
            row.attempts += 1
            row.error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = MessageStatus.QUARANTINED
            s.add(row)
            return row

    def other_message_with_id(self, message_id: str, own_id: int) -> Message | None:
        if not message_id:
            return None
        with self.session() as s:
            return s.exec(select(Message).where(Message.message_id == message_id,
                                                Message.id != own_id,
                                                Message.status == MessageStatus.PROCESSED)).first()

    # -- registrations and history -----------------------------------------

    def next_sequence(self, name: str) -> int:
        """Bump a named counter atomically (safe with several workers)."""
        with self.session() as s:
            # Two workers may create the counter at the same moment: neither may fail for it.
            s.execute(text("INSERT INTO counter (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"), {"n": name})
            return s.execute(text("UPDATE counter SET value = value + 1 WHERE name = :n RETURNING value"),
                             {"n": name}).scalar_one()

    def registrations_by_numbers(self, numbers: list[str]) -> list[Registration]:
        if not numbers:
            return []
        with self.session() as s:
            return list(s.exec(select(Registration).where(Registration.number.in_(numbers))
                               .order_by(Registration.id)))

    def registrations_of_message_ids(self, header_ids: list[str]) -> list[Registration]:
        """Registrations started or updated by the messages with these Message-IDs,
        or answered by our replies carrying these Message-IDs."""
        if not header_ids:
            return []
        with self.session() as s:
            msg_ids = list(s.exec(select(Message.id).where(Message.message_id.in_(header_ids))))
            msg_ids += list(s.exec(select(Outbox.message_id).where(Outbox.reply_message_id.in_(header_ids))))
            if not msg_ids:
                return []
            return list(s.exec(select(Registration).where(
                (Registration.first_message_id.in_(msg_ids)) | (Registration.last_message_id.in_(msg_ids)))
                .order_by(Registration.id)))

    def documents_of(self, registration_id: int) -> list[StoredDocument]:
        with self.session() as s:
            return list(s.exec(select(StoredDocument).where(StoredDocument.registration_id == registration_id)
                               .order_by(StoredDocument.id)))

    def files_registered(self, hashes: Iterable[str], own_id: int,
                         classifications: Iterable[str]) -> list[tuple[str, int, int | None]]:
        """Where files with these content hashes were stored before: (sha256, message id,
        registration id) for processed messages of these classes other than `own_id`,
        oldest first."""
        hashes = sorted(set(hashes))
        if not hashes:
            return []
        with self.session() as s:
            return [tuple(row) for row in s.exec(
                select(StoredDocument.sha256, StoredDocument.message_id, StoredDocument.registration_id)
                .join(Message, Message.id == StoredDocument.message_id)
                .where(StoredDocument.sha256.in_(hashes), Message.id != own_id,
                       Message.status == MessageStatus.PROCESSED, Message.classification.in_(list(classifications)))
                .order_by(Message.received_at, Message.id, StoredDocument.id))]

    def registrations_by_ids(self, ids: Iterable[int]) -> list[Registration]:
        ids = sorted(set(ids))
        if not ids:
            return []
        with self.session() as s:
            return list(s.exec(select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)))

    def registrations_of_messages(self, message_ids: Iterable[int]) -> list[Registration]:
        """Registrations these messages started or last updated."""
        ids = sorted(set(message_ids))
        if not ids:
            return []
        with self.session() as s:
            return list(s.exec(select(Registration).where(
                Registration.first_message_id.in_(ids) | Registration.last_message_id.in_(ids))
                .order_by(Registration.id)))

    def all_registrations(self) -> list[Registration]:
        with self.session() as s:
            return list(s.exec(select(Registration).order_by(Registration.id)))

    def registration_reports(self, registration_id: int | None = None) -> dict[int, StoredDocument]:
        """Registration id → its results report: the newest readable one its processed mails brought
        (one registration's only, when given)."""
        query = (select(StoredDocument).join(Message, Message.id == StoredDocument.message_id)
                 .where(StoredDocument.kind == "qc_report", StoredDocument.registration_id.is_not(None),
                        StoredDocument.error.is_(None), Message.status == MessageStatus.PROCESSED)
                 .order_by(Message.received_at, Message.id, StoredDocument.id))
        if registration_id is not None:
            query = query.where(StoredDocument.registration_id == registration_id)
        with self.session() as s:
            return {doc.registration_id: doc for doc in s.exec(query)}

    def findings_of(self, registration_id: int) -> list[StoredFinding]:
        with self.session() as s:
            return list(s.exec(select(StoredFinding).where(StoredFinding.registration_id == registration_id)))

    # -- rules (history the validators need) -------------------------------

    def registrations_of_units(self, unit_keys: list[str]) -> list[Registration]:
        """Registrations of the units with these keys (`Registration.enterprise_key`)."""
        if not unit_keys:
            return []
        with self.session() as s:
            return list(s.exec(select(Registration).where(Registration.enterprise_key.in_(unit_keys))
                               .order_by(Registration.id)))

    def documents_of_kinds(self, kinds: list[str], own_id: int) -> list[tuple[StoredDocument, datetime]]:
        """Readable documents of these kinds from other processed messages, with when they arrived
        (their text and rows are not loaded)."""
        if not kinds:
            return []
        with self.session() as s:
            return [(doc, received) for doc, received in s.exec(
                select(StoredDocument, Message.received_at).join(Message, Message.id == StoredDocument.message_id)
                .options(defer(StoredDocument.text), defer(StoredDocument.rows))
                .where(StoredDocument.kind.in_(kinds), StoredDocument.error.is_(None), Message.id != own_id,
                       Message.status == MessageStatus.PROCESSED)
                .order_by(Message.received_at, StoredDocument.id))]

    def received_times(self, message_ids: list[int]) -> dict[int, datetime]:
        """When each of these messages was received."""
        if not message_ids:
            return {}
        with self.session() as s:
            return dict(s.exec(select(Message.id, Message.received_at).where(Message.id.in_(message_ids))).all())

    # -- outbox -------------------------------------------------------------

    def queued_replies(self, limit: int = 50) -> list[Outbox]:
        with self.session() as s:
            return list(s.exec(select(Outbox).where(Outbox.status == OutboxStatus.QUEUED)
                               .order_by(Outbox.id).limit(limit)))

    def all_replies(self) -> list[Outbox]:
        with self.session() as s:
            return list(s.exec(select(Outbox).order_by(Outbox.id)))

    # -- digest and registry queries ----------------------------------------
    # Read-only: the secretariat's daily digest and the Excel registry.

    def classification_reasons(self, message_ids: list[int]) -> dict[int, str]:
        """Why each message was classified so, from its outcome line ('' for mails processed
        before reasons were kept); for lists whose rows leave the bulky outcome unloaded."""
        with self.session() as s:
            rows = s.exec(select(Message.id, Message.outcome).where(Message.id.in_(message_ids)))
            return {mid: str((outcome or {}).get("classification_reason") or "") for mid, outcome in rows}

    def message_ledger(self, until: datetime | None = None) -> list[Message]:
        """Every message received up to `until` (all when None), oldest first.

        The bulky `outcome` JSON is not loaded; do not read it from these rows.
        """
        query = select(Message).options(defer(Message.outcome)).order_by(Message.received_at, Message.id)
        if until is not None:
            query = query.where(Message.received_at <= until)
        with self.session() as s:
            return list(s.exec(query))

    def registrations_with_times(self) -> list[tuple[Registration, datetime, datetime]]:
        """Each registration with the received times of its first and last message, by number."""
        first, last = aliased(Message), aliased(Message)
        query = (select(Registration, first.received_at, last.received_at)
                 .join(first, first.id == Registration.first_message_id)
                 .join(last, last.id == Registration.last_message_id)
                 .order_by(Registration.id))
        with self.session() as s:
            return [tuple(row) for row in s.exec(query)]

    def standing_findings(self) -> list[StoredFinding]:
        """Findings that still stand, oldest first.

        For a registration, the findings of the last message that touched it
        (a correction replaces what an earlier mail lacked); for a message
        that got no registration (registration_id NULL), all of its findings.
        """
        of_registrations = (select(StoredFinding)
                            .join(Registration, (Registration.id == StoredFinding.registration_id)
                                  & (Registration.last_message_id == StoredFinding.message_id)))
        unregistered = select(StoredFinding).where(StoredFinding.registration_id.is_(None))
        with self.session() as s:
            rows = list(s.exec(of_registrations)) + list(s.exec(unregistered))
        return sorted(rows, key=lambda f: f.id)

    def documents_with_messages(self, kinds: list[str],
                                classifications: list[str]) -> list[tuple[StoredDocument, Message]]:
        """Stored documents of these kinds from processed messages of these classes, oldest first.

        Neither the documents' `text` nor the messages' `outcome` is loaded.
        """
        query = (select(StoredDocument, Message).join(Message, Message.id == StoredDocument.message_id)
                 .options(defer(StoredDocument.text), defer(Message.outcome))
                 .where(StoredDocument.kind.in_(kinds), Message.classification.in_(classifications),
                        Message.status == MessageStatus.PROCESSED)
                 .order_by(Message.received_at, Message.id, StoredDocument.id))
        with self.session() as s:
            return [tuple(row) for row in s.exec(query)]

    def replies_in_trouble(self) -> list[Outbox]:
        """Replies that failed for good, may or may not have gone out (a crash
        mid-send), or wait for a retry after an error; oldest first.

        The rendered `raw` bytes are not loaded; do not read them from these rows.
        """
        query = (select(Outbox).options(defer(Outbox.raw))
                 .where(Outbox.status.in_([OutboxStatus.FAILED, OutboxStatus.UNCERTAIN])
                        | ((Outbox.status == OutboxStatus.QUEUED) & Outbox.last_error.is_not(None)))
                 .order_by(Outbox.id))
        with self.session() as s:
            return list(s.exec(query))

    # -- outbox and reminders ------------------------------------------------
    # The sender's ledger (notifier/send.py explains the states): a reply is
    # claimed as `sending` in its own committed transaction before SMTP DATA
    # and marked `sent` right after. Times are stored in UTC.

    def due_replies(self, now: datetime, limit: int = 50) -> list[Outbox]:
        """Queued replies whose backoff has run out, oldest first."""
        with self.session() as s:
            return list(s.exec(select(Outbox).where(
                Outbox.status == OutboxStatus.QUEUED,
                Outbox.next_attempt_at.is_(None) | (Outbox.next_attempt_at <= now))
                .order_by(Outbox.id).limit(limit)))

    def claim_reply(self, outbox_id: int, now: datetime) -> bool:
        """queued → sending, committed; False when another sender got it first."""
        with self.session() as s:
            result = s.execute(update(Outbox)
                               .where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.QUEUED)
                               .values(status=OutboxStatus.SENDING, claimed_at=now))
            return result.rowcount == 1

    def settle_reply(self, outbox_id: int, status: str, *, now: datetime, error: str | None = None,
                     next_attempt_at: datetime | None = None, attempt: bool = True,
                     resend: bool = False) -> None:
        """Record how a claimed (or stuck) reply ended: sent, failed, uncertain, or queued again."""
        with self.session() as s:
            row = s.get(Outbox, outbox_id)
            row.status, row.last_error, row.next_attempt_at = status, error, next_attempt_at
            row.attempts += int(attempt)
            row.resends += int(resend)
            if status == OutboxStatus.SENT:
                row.sent_at = now
            s.add(row)

    def replies_claimed_since(self, since: datetime) -> int:
        """SMTP attempts begun since then, to any address (the rate limit)."""
        with self.session() as s:
            return s.exec(select(func.count(Outbox.id)).where(Outbox.claimed_at >= since)).one()

    def replies_to_since(self, to_addr: str, since: datetime) -> int:
        """Replies sent, or perhaps sent, to one address since then (the daily cap)."""
        with self.session() as s:
            return s.exec(select(func.count(Outbox.id)).where(
                Outbox.to_addr == to_addr, Outbox.claimed_at >= since,
                Outbox.status.in_([OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.UNCERTAIN]))).one()

    def stale_claims(self, before: datetime) -> list[Outbox]:
        """Replies claimed before then and never settled: a crash's leftovers."""
        with self.session() as s:
            return list(s.exec(select(Outbox).where(Outbox.status == OutboxStatus.SENDING,
                                                    Outbox.claimed_at < before).order_by(Outbox.id)))

    def unfiled_replies(self, since: datetime, limit: int = 50) -> list[Outbox]:
        """Sent replies whose copy is not yet in the Sent folder."""
        with self.session() as s:
            return list(s.exec(select(Outbox).where(
                Outbox.status == OutboxStatus.SENT, Outbox.filed_at.is_(None), Outbox.sent_at >= since)
                .order_by(Outbox.id).limit(limit)))

    def mark_filed(self, outbox_id: int, now: datetime) -> None:
        with self.session() as s:
            s.execute(update(Outbox).where(Outbox.id == outbox_id).values(filed_at=now))

    def reminder_candidates(self, days_before: int) -> list[Registration]:
        """Deficient registrations without a reminder for this many days before the deadline."""
        reminded = select(Reminder.registration_id).where(Reminder.days_before == days_before)
        with self.session() as s:
            return list(s.exec(select(Registration).where(
                Registration.status == "deficient", Registration.id.not_in(reminded))
                .order_by(Registration.id)))

    def standing_deficiencies(self, registration: Registration) -> list[StoredFinding]:
        """The deficiencies of the last message that touched the registration."""
        with self.session() as s:
            return list(s.exec(select(StoredFinding).where(
                StoredFinding.registration_id == registration.id,
                StoredFinding.message_id == registration.last_message_id,
                StoredFinding.severity == "deficiency").order_by(StoredFinding.id)))

    def message_and_reply(self, message_id: int) -> tuple[Message | None, Outbox | None]:
        """A stored message and the reply queued for it, if any."""
        with self.session() as s:
            return (s.get(Message, message_id),
                    s.exec(select(Outbox).where(Outbox.message_id == message_id)).first())

    def queue_reminder(self, registration_id: int, days_before: int, reply: Outbox) -> bool:
        """Queue a reminder and note it, together; False when it was queued before."""
        try:
            with self.session() as s:
                s.add(reply)
                s.flush()
                s.add(Reminder(registration_id=registration_id, days_before=days_before, outbox_id=reply.id))
            return True
        except IntegrityError:
            return False
