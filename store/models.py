"""SQLModel tables: the ledger of messages and everything decided about them.

The `message` table is both the audit log and what prevents reprocessing
(a message is known by its content hash, and by where it was first seen:
account, folder, UIDVALIDITY and UID).
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, JSON, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from intake.base.times import utcnow


class MailboxCheckpoint(SQLModel, table=True):
    """How far a folder has been read: its UIDVALIDITY and the last UID seen."""

    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str
    folder: str
    uidvalidity: int
    last_uid: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class MessageStatus:
    PENDING = "pending"
    PROCESSED = "processed"
    QUARANTINED = "quarantined"


class Message(SQLModel, table=True):
    """One archived raw message and what became of it."""

    __table_args__ = (UniqueConstraint("account", "folder", "uidvalidity", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    raw_sha256: str = Field(unique=True, index=True)
    archive_path: str
    size: int
    account: str
    folder: str
    uidvalidity: int | None = None
    uid: int | None = None
    received_at: datetime
    message_id: str = Field(default="", index=True)
    sender: str = Field(default="", index=True)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=MessageStatus.PENDING, index=True)
    attempts: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text))
    classification: str | None = None
    verdict: str | None = None
    # The line `intake ingest --json` prints for this message.
    outcome: dict | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class Registration(SQLModel, table=True):
    """One QC result and its registration number (总编号)."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)
    enterprise: str
    enterprise_key: str = Field(index=True)
    group_name: str
    topic: str
    topic_type: str
    members: int | None = None
    status: str
    sender: str = Field(index=True)
    first_message_id: int = Field(foreign_key="message.id")
    last_message_id: int = Field(foreign_key="message.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StoredDocument(SQLModel, table=True):
    """A document read from a message, kept with what was read from it."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", index=True)
    filename: str
    sha256: str = Field(index=True)
    kind: str
    stamp: str | None = None
    fields: dict = Field(default_factory=dict, sa_column=Column(JSON))
    # Lists read from tables (member rows, 附件8 sections) and the text, so a
    # correction is checked against the whole registration, not its new files only.
    rows: dict | None = Field(default=None, sa_column=Column(JSON))
    text: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    archive_path: str = ""


class StoredFinding(SQLModel, table=True):
    """A deficiency or review flag, tied to its message and registration."""

    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", index=True)
    code: str = Field(index=True)
    severity: str
    document: str | None = None
    field: str | None = None
    detail: str = Field(sa_column=Column(Text, nullable=False))


class OutboxStatus:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # -- outbox and reminders --
    # Claimed by a sender, committed before SMTP DATA; `sent` is committed right after.
    SENDING = "sending"
    # Left in `sending` by a crash twice: maybe delivered, never sent again; for a person.
    UNCERTAIN = "uncertain"


class Outbox(SQLModel, table=True):
    """A rendered reply waiting to be sent; one per message, sent at most once.

    A reminder answers no single message: its `message_id` is NULL.
    """

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", unique=True)
    reply_type: str
    to_addr: str = Field(index=True)
    # Message-ID of our reply, so a correction answering it finds its registration.
    reply_message_id: str = Field(index=True)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=OutboxStatus.QUEUED, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    # -- outbox and reminders --
    # Not tried again before this moment (backoff after a temporary failure).
    next_attempt_at: datetime | None = Field(default=None, index=True)
    # When a sender marked it `sending`: a claim older than a send can take is a crash's.
    claimed_at: datetime | None = Field(default=None, index=True)
    # Times it went back to the queue after a crash left it in `sending`.
    resends: int = 0
    # When its copy was filed in the mailbox's Sent folder ([smtp] sent_copy = "append").
    filed_at: datetime | None = None


class Reminder(SQLModel, table=True):
    """A reminder queued for one registration at one "days before the deadline"; once each."""

    __table_args__ = (UniqueConstraint("registration_id", "days_before"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    days_before: int
    outbox_id: int = Field(foreign_key="outbox.id")
    created_at: datetime = Field(default_factory=utcnow)


class Counter(SQLModel, table=True):
    """Named sequences (registration numbers), bumped atomically in SQL."""

    name: str = Field(primary_key=True)
    value: int = 0


# -- the secretariat's web console ---------------------------------------------

class ConsoleUser(SQLModel, table=True):
    """A secretariat account for `intake web`; only an Argon2 hash of the password is kept."""

    __tablename__ = "console_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    # "secretariat" (every page and action) or "reviewer" (reads only); console/auth.py says who may open what.
    role: str = Field(default="secretariat", sa_column_kwargs={"server_default": "secretariat"})
    # Raised by a logout, a new password, disabling: every session cookie carrying an older one is refused.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    disabled: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Set for an account made with a temporary password: its first login must choose its own.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class ConsoleDecision(SQLModel, table=True):
    """One thing a person decided in the console: who, when, what, on what, and why.

    `action` is a stable code (console/wording.py has its Chinese); the targets
    that apply are set, the others stay NULL; `detail` keeps what the action
    chose (codes of a notice, the outbox row it queued, the status it replaced).
    """

    __tablename__ = "console_decision"

    id: int | None = Field(default=None, primary_key=True)
    user: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    action: str = Field(index=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    finding_id: int | None = Field(default=None, index=True)
    outbox_id: int | None = Field(default=None, index=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    detail: dict | None = Field(default=None, sa_column=Column(JSON))


# -- copy detection (intake/review/copies.py) --------------------------------

class CopySource(SQLModel, table=True):
    """A results report's text as the copy check compares it: a registered report
    (`registration_id`, replaced when a correction replaces the report) or an earlier
    year's report loaded by `intake past load` (`year`, `filename`; never registered)."""

    __tablename__ = "copy_source"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", index=True)
    year: int | None = None
    filename: str
    # The file's content hash: an archived file loaded twice is one source.
    sha256: str = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class CopyBand(SQLModel, table=True):
    """One LSH band key of a source's MinHash signatures: reports sharing a key are
    the candidates a new report is verified against (the index lives here, not in memory)."""

    __tablename__ = "copy_band"

    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    source_id: int = Field(foreign_key="copy_source.id", primary_key=True, index=True)


class CopyMatch(SQLModel, table=True):
    """What a POSSIBLE_COPY flag found, for a page that shows both texts side by side:
    the source, the shares, and the matched spans as [start, end, source start, source end]
    character offsets in the report's stored text and the source's."""

    __tablename__ = "copy_match"

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    source_id: int = Field(foreign_key="copy_source.id", index=True)
    document: str
    text_share: float
    data_share: float
    spans: list = Field(default_factory=list, sa_column=Column(JSON))


# -- the experts' own scores (console/scores.py) ------------------------------

class ReviewerScore(SQLModel, table=True):
    """An expert's own score (0–100) and comment on a registration's report: one per expert
    and registration, written only by that expert's account; the secretariat reads them all."""

    __tablename__ = "reviewer_score"
    __table_args__ = (UniqueConstraint("registration_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    reviewer: str = Field(index=True)
    score: int | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)
