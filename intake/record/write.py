"""Write one message's decision down, and queue its reply, in one transaction.

Registration numbers are drawn, documents and findings stored, the reply
rendered into the outbox and the message marked processed together: after
a crash either all of it happened or none of it, so a rerun neither loses
nor repeats anything. The reply's words are the replies floor's (`notifier`):
the caller hands in a `ComposeReply`, called once the numbers are drawn.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from intake.fetch.archive import Archive
from intake.sort.assemble import squash
from intake.base.config import Settings
from intake.base.model import (
    Attachment, Classification, Document, Finding, IncomingMail, Pairing, QueuedReply, ReplyType, Severity,
    Submission, Verdict,
)
from intake.base.text import storable, storable_value
from intake.base.times import utcnow
from intake.review.copies import CopyCheck, flag_registered, index_report, record_match
from intake.validators.names import unit_key
from store import Store
from store.models import Message, MessageStatus, Outbox, Registration, StoredDocument, StoredFinding


# (reply type, the mail answered, its registrations, the deficiencies to name, the files received) → the reply.
ComposeReply = Callable[[ReplyType, IncomingMail, list[Registration], list[Finding], list[str]], QueuedReply]


@dataclass(frozen=True)
class Decision:
    """Everything decided about a message, before anything is written."""

    classification: Classification
    # Why, in words for the secretariat (SPEC §6 `classification_reason`).
    reason: str = ""
    documents: tuple[Document, ...] = ()
    # The files the documents were read from, by sha256, archives unpacked.
    files: dict[str, Attachment] = field(default_factory=dict)
    submission: Submission | None = None
    findings: tuple[Finding, ...] = ()
    verdict: Verdict | None = None
    reply_type: ReplyType | None = None
    corrects: tuple[Registration, ...] = ()
    # Per result of the submission: the registration it repeats without citing it
    # (`intake.record.repeats`), which it updates under the same number; None for a new result.
    same_as: tuple[Registration | None, ...] = ()
    # Each new report's copy check (`intake.review.copies`): indexed under its registration here.
    copies: tuple[CopyCheck, ...] = ()


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _findings_for(pairing: Pairing, all_pairings: tuple[Pairing, ...], findings) -> list[Finding]:
    """A finding belongs to a result when it names one of its files, or no result's file."""
    own = {doc.filename for doc in pairing.documents}
    claimed = {doc.filename for p in all_pairings for doc in p.documents}
    return [f for f in findings if f.document in own or f.document not in claimed]


def _matching(registrations: list[Registration], pairing: Pairing) -> Registration | None:
    topic, group = squash(str(pairing.field("课题名称") or "")), squash(str(pairing.field("QC小组名称") or ""))
    for reg in registrations:
        if (topic and squash(reg.topic) == topic) or (group and squash(reg.group_name) == group):
            return reg
    return None


class _Recorder:
    """The writes of one decision, inside one session."""

    def __init__(self, store: Store, session, archive: Archive, settings: Settings, message: Message,
                 mail: IncomingMail):
        self.store, self.s, self.archive = store, session, archive
        self.settings, self.message, self.mail = settings, message, mail

    def registration_for(self, pairing: Pairing, corrects: list[Registration], status: str,
                         repeats: Registration | None = None) -> Registration:
        form, report = pairing.entry_form, pairing.report
        fields = form.fields if form else {}
        values = dict(
            enterprise=str(fields.get("企业名称") or ""), group_name=str(fields.get("QC小组名称") or ""),
            topic=str(fields.get("课题名称") or (report.fields.get("课题名称") if report else "") or ""),
            topic_type=str(fields.get("课题类型") or ""), members=_as_int(fields.get("人数")), status=status,
        )
        reg = (self.s.get(Registration, repeats.id) if repeats is not None
               else _matching(corrects, pairing) or (corrects[0] if len(corrects) == 1 else None))
        if reg is None:
            competition = self.settings.competition
            seq = self.store.next_sequence(f"registration:{competition.code_prefix}")
            reg = Registration(number=f"{competition.code_prefix}{seq:0{competition.code_digits}d}",
                               sender=self.mail.sender, first_message_id=self.message.id,
                               last_message_id=self.message.id, **values)
        else:
            if reg in corrects:
                corrects.remove(reg)
            for key, value in values.items():
                if value not in ("", None) or key == "status":
                    setattr(reg, key, value)
            reg.last_message_id, reg.updated_at = self.message.id, utcnow()
        reg.enterprise_key = unit_key(reg.enterprise)
        self.s.add(reg)
        self.s.flush()
        return reg

    def registrations(self, decision: Decision) -> list[tuple[Registration, Pairing, list[Finding]]]:
        if decision.submission is None:
            return []
        pairings, corrects, result = decision.submission.pairings, list(decision.corrects), []
        same_as = decision.same_as or (None,) * len(pairings)
        for pairing, repeats in zip(pairings, same_as):
            own = _findings_for(pairing, pairings, decision.findings)
            status = "deficient" if any(f.severity is Severity.DEFICIENCY for f in own) else "accepted"
            result.append((self.registration_for(pairing, corrects, status, repeats), pairing, own))
        return result

    def documents(self, documents, owners: dict[str, int | None], fallback: int | None) -> None:
        for doc, attachment in documents:
            path = (self.archive.store_attachment(self.message.raw_sha256, doc.filename, attachment.payload)
                    if attachment else "")
            self.s.add(StoredDocument(
                message_id=self.message.id, registration_id=owners.get(doc.filename, fallback),
                filename=doc.filename, sha256=doc.sha256, kind=doc.kind.value,
                stamp=doc.stamp.value if doc.stamp else None, fields=_jsonable(doc.fields),
                rows={name: [_jsonable(row) for row in rows] for name, rows in doc.rows.items()},
                text=storable(doc.text), error=doc.error and storable(doc.error), archive_path=path))

    def findings(self, assigned, decision: Decision) -> list[tuple[Finding, StoredFinding]]:
        stored = []
        for reg, _, findings in assigned or [(None, None, list(decision.findings))]:
            for f in findings:
                row = StoredFinding(message_id=self.message.id, registration_id=reg.id if reg else None,
                                    code=f.code, severity=f.severity.value, document=f.document,
                                    field=f.field, detail=f.detail)
                self.s.add(row)
                stored.append((f, row))
        return stored

    def copies(self, assigned, decision: Decision, stored: list[tuple[Finding, StoredFinding]]) -> None:
        """Each new report into the copy index under its registration; each copy flag's match."""
        if not decision.copies:
            return
        self.s.flush()
        for check in decision.copies:
            for reg, pairing, _ in assigned:
                if pairing.report is not None and pairing.report.filename == check.document:
                    indexed = index_report(self.s, check, reg.id, pairing.report.sha256)
                    if check.reverse is not None:  # the earlier report of the pair, flagged too
                        flag_registered(self.s, check.match.source, replace(check.reverse, source=indexed), reg)
            if check.finding is not None:
                for row in (row for f, row in stored if f is check.finding):
                    record_match(self.s, check.match, check.document, row.id)

    def reply(self, decision: Decision, registrations: list[Registration], files: list[str],
              compose: ComposeReply) -> dict | None:
        if decision.reply_type is None or not self.mail.sender:
            return None
        deficiencies = [f for f in decision.findings if f.severity is Severity.DEFICIENCY]
        reply = compose(decision.reply_type, self.mail, registrations, deficiencies, files)
        self.s.add(Outbox(message_id=self.message.id, reply_type=decision.reply_type.value, to_addr=self.mail.sender,
                          reply_message_id=reply.message_id, subject=reply.subject, raw=reply.raw,
                          created_at=utcnow()))
        return {"type": decision.reply_type.value, "to": self.mail.sender, "subject": reply.subject}


def _jsonable(fields: dict) -> dict:
    """Values a JSON column takes on every store (last guard: no lone surrogates, no NUL)."""
    return storable_value({key: value if isinstance(value, (str, int, float, bool, type(None), list, dict))
                           else str(value) for key, value in fields.items()})


def record_decision(store: Store, archive: Archive, settings: Settings, message: Message,
                    mail: IncomingMail, decision: Decision, compose: ComposeReply) -> dict:
    """Store the decision and queue the reply; return the `ingest --json` line."""
    with store.session() as s:
        row = store.lock_message(message.id)
        if row.status == MessageStatus.PROCESSED:
            return row.outcome  # another worker finished it first
        rec = _Recorder(store, s, archive, settings, row, mail)
        assigned = rec.registrations(decision)
        owners = {doc.filename: reg.id for reg, pairing, _ in assigned for doc in pairing.documents}
        fallback = assigned[0][0].id if len(assigned) == 1 else None
        rec.documents([(d, decision.files.get(d.sha256)) for d in decision.documents], owners, fallback)
        rec.copies(assigned, decision, rec.findings(assigned, decision))
        registrations = [reg for reg, _, _ in assigned]
        reply = rec.reply(decision, registrations, [d.filename for d in decision.documents], compose)
        outcome = build_outcome(settings, mail, decision, registrations, reply)
        _mark_processed(row, mail, decision, outcome)
        s.add(row)
    return outcome


def record_unreadable(store: Store, message: Message, reason: str) -> dict:
    """A message that cannot even be parsed is handled: recorded with its reason."""
    reason = storable(reason)
    outcome = {"message_id": "", "from": "", "subject": "", "received_at": message.received_at.isoformat(),
               "classification": Classification.UNREADABLE.value,
               "classification_reason": "邮件无法解析", "verdict": None, "deficiencies": [],
               "review_flags": [{"code": "MANUAL_REVIEW", "document": None, "detail": reason}],
               "submissions": [], "documents": [], "reply": None}
    with store.session() as s:
        row = store.lock_message(message.id)
        row.status, row.classification, row.error = MessageStatus.PROCESSED, outcome["classification"], reason
        row.outcome, row.processed_at = outcome, utcnow()
        s.add(row)
    return outcome


def _mark_processed(row: Message, mail: IncomingMail, decision: Decision, outcome: dict) -> None:
    row.status, row.processed_at = MessageStatus.PROCESSED, utcnow()
    row.classification = decision.classification.value
    row.verdict = decision.verdict.value if decision.verdict else None
    row.message_id, row.sender, row.subject = mail.message_id, mail.sender, mail.subject
    row.outcome, row.error = outcome, None


def build_outcome(settings: Settings, mail: IncomingMail, decision: Decision,
                  registrations: list[Registration], reply: dict | None) -> dict:
    """The JSON-lines contract of SPEC §6: every key present."""
    tz = settings.competition.timezone
    return {
        "message_id": mail.message_id,
        "from": mail.sender,
        "subject": mail.subject,
        "received_at": mail.received_at.astimezone(tz).isoformat(),
        "classification": decision.classification.value,
        "classification_reason": decision.reason,
        "verdict": decision.verdict.value if decision.verdict else None,
        "deficiencies": [{"code": f.code, "document": f.document, "field": f.field, "detail": f.detail}
                         for f in decision.findings if f.severity is Severity.DEFICIENCY],
        "review_flags": [{"code": f.code, "document": f.document, "detail": f.detail}
                         for f in decision.findings if f.severity is Severity.REVIEW],
        "submissions": [{"number": r.number, "enterprise": r.enterprise, "group": r.group_name,
                         "topic": r.topic, "topic_type": r.topic_type, "members": r.members,
                         "status": r.status} for r in registrations],
        "documents": [{"filename": d.filename, "kind": d.kind.value, "sha256": d.sha256,
                       "stamp": d.stamp.value if d.stamp else None, "fields": _jsonable(d.fields)}
                      for d in decision.documents],
        "reply": reply,
    }
