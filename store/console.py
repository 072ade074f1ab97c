"""Reads and writes of the secretariat's web console, apart from the pipeline's own.

Each decision is written in one transaction together with its record in
`console_decision`, so the store never shows an effect without who caused it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.orm import defer
from sqlmodel import select

from store.db import Store
from store.models import (
    ConsoleDecision, ConsoleUser, CopyMatch, Message, MessageStatus, Outbox, OutboxStatus, Registration, Reminder,
    StoredDocument, StoredFinding, utcnow,
)

# Decision actions (their Chinese is in console/wording.py).
ACCEPT = "accept"
WAIVE = "waive"
CONFIRM = "confirm"
NOTICE = "notice"
RESEND = "resend"
RERUN = "rerun"
ANSWERED = "answered"
# Replies a person may put back in the queue: never one on its way out.
RESENDABLE = (OutboxStatus.FAILED, OutboxStatus.UNCERTAIN, OutboxStatus.SENT, OutboxStatus.QUEUED)

# The largest id an INTEGER primary key holds on PostgreSQL (SQLite's is larger).
MAX_ID = 2**31 - 1


class ConsoleRefused(Exception):
    """A decision that cannot be taken as asked; the text says why, in Chinese."""


# -- accounts -----------------------------------------------------------------

SECRETARIAT, REVIEWER = "secretariat", "reviewer"
ROLES = (SECRETARIAT, REVIEWER)


def save_user(store: Store, name: str, password_hash: str, *, role: str | None = None,
              temporary: bool = False, keep_sessions: bool = False) -> bool:
    """Create the account, or give it a new password; True when it is new.

    A new password ends every session of the account (unless `keep_sessions`:
    the same password re-hashed); `temporary` makes its next login choose its
    own; `role` None keeps an existing account's role (new ones: secretariat).
    """
    if role is not None and role not in ROLES:
        raise ValueError(role)
    with store.session() as s:
        user = s.exec(select(ConsoleUser).where(ConsoleUser.name == name)).first()
        created = user is None
        user = user or ConsoleUser(name=name, password_hash=password_hash, role=role or SECRETARIAT)
        user.password_hash, user.must_change_password = password_hash, temporary
        if role is not None:
            user.role = role
        if not created and not keep_sessions:
            user.session_version += 1
        s.add(user)
    return created


def user_by_name(store: Store, name: str) -> ConsoleUser | None:
    with store.session() as s:
        return s.exec(select(ConsoleUser).where(ConsoleUser.name == name)).first()


def users(store: Store) -> list[ConsoleUser]:
    with store.session() as s:
        return list(s.exec(select(ConsoleUser).order_by(ConsoleUser.name)))


def end_sessions(store: Store, name: str, *, disabled: bool | None = None) -> bool:
    """End every session of the account (and disable or enable it when told); False if there is none."""
    with store.session() as s:
        user = s.exec(select(ConsoleUser).where(ConsoleUser.name == name).with_for_update()).first()
        if user is None:
            return False
        user.session_version += 1
        if disabled is not None:
            user.disabled = disabled
        s.add(user)
    return True


def remove_user(store: Store, name: str) -> bool:
    """Delete the account; its decisions keep its name (`console_decision.user` is text, no key)."""
    with store.session() as s:
        user = s.exec(select(ConsoleUser).where(ConsoleUser.name == name)).first()
        if user is not None:
            s.delete(user)
    return user is not None


# -- reading --------------------------------------------------------------------

def registration_by_number(store: Store, number: str) -> Registration | None:
    with store.session() as s:
        return s.exec(select(Registration).where(Registration.number == number)).first()


def decisions(store: Store, *, registration_id: int | None = None, since: datetime | None = None,
              limit: int | None = None) -> list[ConsoleDecision]:
    """Decisions, newest first: all, one registration's, or those since a moment."""
    query = select(ConsoleDecision).order_by(ConsoleDecision.created_at.desc(), ConsoleDecision.id.desc())
    if registration_id is not None:
        query = query.where(ConsoleDecision.registration_id == registration_id)
    if since is not None:
        query = query.where(ConsoleDecision.created_at >= since)
    if limit:
        query = query.limit(limit)
    with store.session() as s:
        return list(s.exec(query))


def settled_findings(store: Store) -> dict[int, ConsoleDecision]:
    """Findings a person has settled (waived, confirmed, or accepted with their registration)."""
    settled: dict[int, ConsoleDecision] = {}
    for decision in reversed(decisions(store)):  # oldest first: the latest word wins
        if decision.finding_id is not None:
            settled[decision.finding_id] = decision
        for finding_id in (decision.detail or {}).get("settles", []):
            settled[finding_id] = decision
    return settled


def answered_messages(store: Store) -> dict[int, ConsoleDecision]:
    """Inquiries marked answered, by message id."""
    with store.session() as s:
        rows = s.exec(select(ConsoleDecision).where(ConsoleDecision.action == ANSWERED)
                      .order_by(ConsoleDecision.id))
        return {row.message_id: row for row in rows}


def messages_of_class(store: Store, classification: str) -> list[Message]:
    """Processed messages of one class, newest first (without the bulky outcome)."""
    with store.session() as s:
        return list(s.exec(select(Message).options(defer(Message.outcome))
                           .where(Message.classification == classification)
                           .order_by(Message.received_at.desc(), Message.id.desc())))


def unhandled_messages(store: Store) -> list[Message]:
    """Mail the pipeline could not decide about: unreadable or quarantined; newest first."""
    with store.session() as s:
        return list(s.exec(select(Message).options(defer(Message.outcome))
                           .where((Message.classification == "unreadable")
                                  | (Message.status == MessageStatus.QUARANTINED))
                           .order_by(Message.received_at.desc())))


def _get(store: Store, table, row_id: int):
    """The row, or None, for any id a URL may carry: one no column can hold is no row
    (asking would be an overflow error on SQLite and PostgreSQL alike)."""
    if not 0 < row_id <= MAX_ID:
        return None
    with store.session() as s:
        return s.get(table, row_id)


def message(store: Store, message_id: int) -> Message | None:
    return _get(store, Message, message_id)


def reply(store: Store, outbox_id: int) -> Outbox | None:
    return _get(store, Outbox, outbox_id)


def document(store: Store, document_id: int) -> StoredDocument | None:
    return _get(store, StoredDocument, document_id)


def finding(store: Store, finding_id: int) -> StoredFinding | None:
    return _get(store, StoredFinding, finding_id)


@dataclass(frozen=True)
class RegistrationFile:
    """Everything the detail page of one registration shows."""

    registration: Registration
    messages: list[Message]
    documents: list[StoredDocument]
    findings: list[StoredFinding]
    replies: list[Outbox]
    decisions: list[ConsoleDecision]


def registration_file(store: Store, registration: Registration) -> RegistrationFile:
    """The registration with its mails, documents, findings, replies and decisions."""
    rid = registration.id
    with store.session() as s:
        documents = list(s.exec(select(StoredDocument).options(defer(StoredDocument.rows))
                                .where(StoredDocument.registration_id == rid).order_by(StoredDocument.id)))
        findings = list(s.exec(select(StoredFinding).where(StoredFinding.registration_id == rid)
                               .order_by(StoredFinding.id)))
        message_ids = ({registration.first_message_id, registration.last_message_id}
                       | {d.message_id for d in documents} | {f.message_id for f in findings})
        messages = list(s.exec(select(Message).options(defer(Message.outcome)).where(Message.id.in_(message_ids))
                               .order_by(Message.received_at, Message.id)))
        chosen = list(s.exec(select(ConsoleDecision).where(ConsoleDecision.registration_id == rid)
                             .order_by(ConsoleDecision.created_at.desc(), ConsoleDecision.id.desc())))
        reminded = select(Reminder.outbox_id).where(Reminder.registration_id == rid)
        queued_here = [d.outbox_id for d in chosen if d.outbox_id is not None]
        replies = list(s.exec(select(Outbox).options(defer(Outbox.raw)).where(
            Outbox.message_id.in_(message_ids) | Outbox.id.in_(reminded) | Outbox.id.in_(queued_here))
            .order_by(Outbox.created_at, Outbox.id)))
    return RegistrationFile(registration, messages, documents, findings, replies, chosen)


def status_counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return dict(s.exec(select(Registration.status, func.count(Registration.id)).group_by(Registration.status)).all())


# -- deciding -------------------------------------------------------------------

def _decide(s, user: str, action: str, note: str, **targets) -> ConsoleDecision:
    detail = targets.pop("detail", None)
    row = ConsoleDecision(user=user, action=action, note=note.strip(), detail=detail, **targets)
    s.add(row)
    s.flush()
    return row


def _standing(s, registration: Registration) -> list[StoredFinding]:
    return list(s.exec(select(StoredFinding).where(StoredFinding.registration_id == registration.id,
                                                   StoredFinding.message_id == registration.last_message_id)
                       .order_by(StoredFinding.id)))


def accept(store: Store, user: str, registration_id: int, note: str, acknowledgement: Outbox | None = None
           ) -> ConsoleDecision:
    """Accept a registration despite its flags (or its deficiencies): it counts as 已受理,
    its standing findings are settled, and an acknowledgement is queued when given."""
    with store.session() as s:
        reg = s.get(Registration, registration_id)
        previous = reg.status
        reg.status, reg.updated_at = "accepted", utcnow()
        s.add(reg)
        settles = [f.id for f in _standing(s, reg)]
        outbox_id = None
        if acknowledgement is not None:
            s.add(acknowledgement)
            s.flush()
            outbox_id = acknowledgement.id
        return _decide(s, user, ACCEPT, note, registration_id=reg.id, outbox_id=outbox_id,
                       detail={"previous_status": previous, "settles": settles})


def settle_finding(store: Store, user: str, finding_id: int, action: str, note: str) -> ConsoleDecision:
    """Waive or confirm one finding. Waiving the last standing deficiency of a
    registration makes it 已受理 (recorded in the decision)."""
    if action not in (WAIVE, CONFIRM):
        raise ValueError(action)
    with store.session() as s:
        row = s.get(StoredFinding, finding_id)
        detail = {"code": row.code, "severity": row.severity, "document": row.document, "detail": row.detail}
        reg = s.get(Registration, row.registration_id) if row.registration_id else None
        decision = _decide(s, user, action, note, registration_id=reg.id if reg else None,
                           message_id=row.message_id, finding_id=row.id, detail=detail)
        if action == WAIVE and reg is not None and reg.status == "deficient":
            waived = {d.finding_id for d in s.exec(select(ConsoleDecision).where(
                ConsoleDecision.registration_id == reg.id, ConsoleDecision.action == WAIVE))}
            if all(f.id in waived for f in _standing(s, reg) if f.severity == "deficiency"):
                reg.status, reg.updated_at = "accepted", utcnow()
                s.add(reg)
                decision.detail = {**detail, "status": "accepted"}
                s.add(decision)
        return decision


def queue_notice(store: Store, user: str, registration_id: int, notice: Outbox, codes: list[str],
                 note: str) -> ConsoleDecision:
    """Queue a deficiency notice the secretariat composed; the registration is 待补正 until corrected."""
    with store.session() as s:
        reg = s.get(Registration, registration_id)
        previous = reg.status
        reg.status, reg.updated_at = "deficient", utcnow()
        s.add(reg)
        s.add(notice)
        s.flush()
        return _decide(s, user, NOTICE, note, registration_id=reg.id, outbox_id=notice.id,
                       detail={"codes": codes, "previous_status": previous, "subject": notice.subject})


def requeue_reply(store: Store, user: str, outbox_id: int, note: str,
                  registration_id: int | None = None) -> ConsoleDecision:
    """Put a reply back in the queue, same bytes and same Message-ID; the sender sends it next."""
    with store.session() as s:
        row = s.exec(select(Outbox).where(Outbox.id == outbox_id).with_for_update()).one()
        if row.status not in RESENDABLE or (row.status == OutboxStatus.QUEUED and not row.last_error):
            raise ConsoleRefused("这封回复正在等待发送或正在发送，无需重发。")
        previous = row.status
        row.status, row.attempts, row.last_error = OutboxStatus.QUEUED, 0, None
        row.next_attempt_at = row.claimed_at = None
        s.add(row)
        return _decide(s, user, RESEND, note, outbox_id=row.id, message_id=row.message_id,
                       registration_id=registration_id,
                       detail={"previous_status": previous, "to": row.to_addr, "subject": row.subject})


def mark_answered(store: Store, user: str, message_id: int, note: str) -> ConsoleDecision:
    with store.session() as s:
        return _decide(s, user, ANSWERED, note, message_id=message_id)


def registrations_of_message(store: Store, message_id: int) -> list[Registration]:
    """Registrations this message started or last updated."""
    with store.session() as s:
        return list(s.exec(select(Registration).where(
            (Registration.first_message_id == message_id) | (Registration.last_message_id == message_id))
            .order_by(Registration.id)))


def reset_for_rerun(store: Store, message_id: int) -> dict:
    """Undo what processing wrote for a message and set it back to pending, in one transaction.

    Its documents and findings go; a reply not yet sent is withdrawn, one sent
    (or perhaps sent) is kept in the history, detached from the message so the
    rerun can queue the new one. Registrations stay, so the rerun keeps their numbers.
    """
    with store.session() as s:
        row = store.lock_message(message_id)
        later = list(s.exec(select(Registration.number).where(Registration.first_message_id == message_id,
                                                              Registration.last_message_id != message_id)))
        if later:
            raise ConsoleRefused(f"{'、'.join(later)} 已有更新的来信，请重新处理最新的一封。")
        old = s.exec(select(Outbox).options(defer(Outbox.raw)).where(Outbox.message_id == message_id)).first()
        if old is not None and old.status == OutboxStatus.SENDING:
            raise ConsoleRefused("这封邮件的回复正在发送，请稍后再试。")
        kept = None
        if old is not None and old.status in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
            s.delete(old)
        elif old is not None:
            old.message_id, kept = None, old.id
            s.add(old)
        findings = select(StoredFinding.id).where(StoredFinding.message_id == message_id)
        s.execute(delete(CopyMatch).where(CopyMatch.finding_id.in_(findings)))
        s.execute(delete(StoredFinding).where(StoredFinding.message_id == message_id))
        s.execute(delete(StoredDocument).where(StoredDocument.message_id == message_id))
        before = {"classification": row.classification, "verdict": row.verdict, "status": row.status,
                  "kept_reply": kept}
        row.status, row.attempts, row.error = MessageStatus.PENDING, 0, None
        s.add(row)
    return before


def record_rerun(store: Store, user: str, message_id: int, note: str, detail: dict,
                 registration_ids: list[int]) -> ConsoleDecision:
    """One decision per registration the rerun touched (or one for the message alone)."""
    with store.session() as s:
        first = None
        for rid in registration_ids or [None]:
            row = _decide(s, user, RERUN, note, message_id=message_id, registration_id=rid, detail=detail)
            first = first or row
        return first
