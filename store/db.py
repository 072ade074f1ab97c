"""The store: the only module that talks SQL.

SQLite by default (WAL, so the sender and the poller can share it),
PostgreSQL by URL. Every write that belongs to one decision happens in one
transaction, so a crash leaves either all of it or none of it.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine, select

from store.models import (
    Counter, MailboxCheckpoint, Message, MessageStatus, Outbox, OutboxStatus,
    Registration, StoredDocument, StoredFinding, utcnow,
)

MAX_ATTEMPTS = 3


class StoreError(Exception):
    """The database could not be reached or refused a write."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """Repository over the tables of `store.models`."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def close(self) -> None:
        self.engine.dispose()

    # -- mailbox checkpoints -------------------------------------------------

    def checkpoint(self, account: str, folder: str) -> MailboxCheckpoint | None:
        with self.session() as s:
            return s.exec(select(MailboxCheckpoint).where(
                MailboxCheckpoint.account == account, MailboxCheckpoint.folder == folder)).first()

    def save_checkpoint(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        with self.session() as s:
            row = s.exec(select(MailboxCheckpoint).where(
                MailboxCheckpoint.account == account, MailboxCheckpoint.folder == folder)).first()
            row = row or MailboxCheckpoint(account=account, folder=folder, uidvalidity=uidvalidity)
            row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, utcnow()
            s.add(row)

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

    def lock_message(self, s: Session, message_id: int) -> Message:
        """The message row, locked against other workers until the transaction ends."""
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

    def other_message_with_id(self, s: Session, message_id: str, own_id: int) -> Message | None:
        if not message_id:
            return None
        return s.exec(select(Message).where(Message.message_id == message_id,
                                            Message.id != own_id,
                                            Message.status == MessageStatus.PROCESSED)).first()

    # -- registrations and history -----------------------------------------

    def next_sequence(self, s: Session, name: str) -> int:
        """Bump a named counter atomically (safe with several workers)."""
        if s.get(Counter, name) is None:
            s.add(Counter(name=name, value=0))
            s.flush()
        return s.execute(text("UPDATE counter SET value = value + 1 WHERE name = :n RETURNING value"),
                         {"n": name}).scalar_one()

    def registrations_by_numbers(self, s: Session, numbers: list[str]) -> list[Registration]:
        if not numbers:
            return []
        return list(s.exec(select(Registration).where(Registration.number.in_(numbers))
                           .order_by(Registration.id)))

    def registrations_of_message_ids(self, s: Session, header_ids: list[str]) -> list[Registration]:
        """Registrations started or updated by the messages with these Message-IDs,
        or answered by our replies carrying these Message-IDs."""
        if not header_ids:
            return []
        msg_ids = list(s.exec(select(Message.id).where(Message.message_id.in_(header_ids))))
        msg_ids += list(s.exec(select(Outbox.message_id).where(Outbox.reply_message_id.in_(header_ids))))
        if not msg_ids:
            return []
        return list(s.exec(select(Registration).where(
            (Registration.first_message_id.in_(msg_ids)) | (Registration.last_message_id.in_(msg_ids)))
            .order_by(Registration.id)))

    def documents_of(self, s: Session, registration_id: int) -> list[StoredDocument]:
        return list(s.exec(select(StoredDocument).where(StoredDocument.registration_id == registration_id)
                           .order_by(StoredDocument.id)))

    def attachment_hashes_seen(self, s: Session, sender: str, before_id: int) -> set[str]:
        rows = s.exec(select(StoredDocument.sha256).join(Message, Message.id == StoredDocument.message_id)
                      .where(Message.sender == sender, Message.id != before_id,
                             Message.status == MessageStatus.PROCESSED))
        return set(rows)

    def all_registrations(self) -> list[Registration]:
        with self.session() as s:
            return list(s.exec(select(Registration).order_by(Registration.id)))

    def findings_of(self, registration_id: int) -> list[StoredFinding]:
        with self.session() as s:
            return list(s.exec(select(StoredFinding).where(StoredFinding.registration_id == registration_id)))

    # -- outbox -------------------------------------------------------------

    def queued_replies(self, limit: int = 50) -> list[Outbox]:
        with self.session() as s:
            return list(s.exec(select(Outbox).where(Outbox.status == OutboxStatus.QUEUED)
                               .order_by(Outbox.id).limit(limit)))

    def replies_sent_since(self, to_addr: str, since: datetime) -> int:
        with self.session() as s:
            return len(list(s.exec(select(Outbox.id).where(
                Outbox.to_addr == to_addr, Outbox.status == OutboxStatus.SENT, Outbox.sent_at >= since))))

    def mark_reply(self, outbox_id: int, status: str, error: str | None = None) -> None:
        with self.session() as s:
            row = s.get(Outbox, outbox_id)
            row.status, row.attempts = status, row.attempts + 1
            row.last_error = error
            if status == OutboxStatus.SENT:
                row.sent_at = utcnow()
            s.add(row)

    def all_replies(self) -> list[Outbox]:
        with self.session() as s:
            return list(s.exec(select(Outbox).order_by(Outbox.id)))

