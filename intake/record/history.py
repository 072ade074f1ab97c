"""What the store already knows about a new message: is it a repeat, what does it correct?

A correction is recognised by a registration number it cites (subject or
body) or by In-Reply-To/References pointing at an earlier submission or at
one of our replies; its earlier documents are brought back so the rules see
the registration whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from intake.base.model import Document, DocumentKind, IncomingMail, Stamp, Submission
from intake.base.times import aware
from intake.validators.context import EarlierNomination, History, RegisteredResult
from intake.validators.names import group_key, result_key, unit_key
from intake.validators.nominations import NOMINATIONS, nominee_of, unit_of
from store import Store
from store.models import Registration, StoredDocument


@dataclass(frozen=True)
class Lookups:
    duplicate: bool
    cited: tuple[Registration, ...]
    earlier_documents: tuple[Document, ...]
    # The mail quotes the numbers of `cited` (else it replies to their mail or to our reply).
    quoted: bool = False


def cited_numbers(mail: IncomingMail, code_prefix: str) -> list[str]:
    pattern = re.compile(re.escape(code_prefix) + r"\d+", re.I)
    found = pattern.findall(f"{mail.subject}\n{mail.body_text}")
    return list(dict.fromkeys(number.upper() for number in found))


def as_document(row: StoredDocument) -> Document:
    """A stored document as the rules see it. The schema keeps no provenance, so
    `Document.confident` treats its fields as they were judged when first read."""
    return Document(filename=row.filename, sha256=row.sha256, kind=DocumentKind(row.kind),
                    stamp=Stamp(row.stamp) if row.stamp else None, fields=dict(row.fields or {}),
                    rows=dict(row.rows or {}), text=row.text or "",
                    error=row.error, source_format=row.filename.rpartition(".")[2].lower())


def document_key(doc: Document) -> tuple[DocumentKind, bool]:
    """Documents that stand in for each other: same kind, and both read or both scans."""
    return doc.kind, bool(doc.fields)


def latest_per_kind(documents) -> tuple[Document, ...]:
    """The newest document of each key; older ones were superseded by a correction."""
    latest: dict[tuple, Document] = {}
    for doc in documents:
        latest[document_key(doc)] = doc
    return tuple(latest.values())


def look_up(store: Store, mail: IncomingMail, own_id: int, code_prefix: str) -> Lookups:
    """The same Message-ID again is a duplicate here; the same files again are one by
    content, once they are read (`intake.record.repeats`)."""
    with store.session() as s:
        same_id = store.other_message_with_id(mail.message_id, own_id) is not None
        cited = store.registrations_by_numbers(cited_numbers(mail, code_prefix))
        quoted = bool(cited)
        if not cited:
            refs = [r for r in (mail.in_reply_to, *mail.references) if r]
            cited = store.registrations_of_message_ids(list(dict.fromkeys(refs)))
    return Lookups(duplicate=same_id, cited=tuple(cited), earlier_documents=earlier_documents(store, cited),
                   quoted=quoted)


def earlier_documents(store: Store, registrations) -> tuple[Document, ...]:
    """The current documents of these registrations, to see a correction's registration whole."""
    with store.session() as s:
        return latest_per_kind(as_document(row) for reg in registrations for row in store.documents_of(reg.id))


# -- what the rules need to know about earlier mails ---------------------------

def units_named(documents) -> set[str]:
    """The unit keys a mail's forms name (报名表 and nominations): whose history it reads."""
    units = {unit_key(doc.fields.get("企业名称")) for doc in documents if doc.fields}
    units |= {unit_of(doc) for doc in documents if doc.fields and doc.kind in NOMINATIONS}
    return {unit for unit in units if unit}


def rule_history(store: Store, sub: Submission, cited: tuple[Registration, ...], own_id: int) -> History:
    """The unit's registered results and nominations before this mail, for quota and nomination rules.

    Nominations this mail corrects are left out: they are in the submission
    itself (merged by the pipeline) and must not count twice. Registrations
    being corrected stay, marked: a corrected result keeps its place in line.
    """
    units = sorted({key for p in sub.pairings if (key := unit_key(p.field("企业名称")))})
    corrected = {reg.id for reg in cited}
    corrected_messages = {m for reg in cited for m in (reg.first_message_id, reg.last_message_id)}
    with store.session() as s:
        registrations = [reg for reg in store.registrations_of_units(units) if reg.first_message_id != own_id]
        kinds = [kind.value for kind in NOMINATIONS]
        stored = [(row, received) for row, received in store.documents_of_kinds(kinds, own_id)
                  if row.registration_id not in corrected and row.message_id not in corrected_messages]
        first = store.received_times(sorted({reg.first_message_id for reg in cited}))
    return History(results=_results(registrations), corrected=frozenset(corrected),
                   nominations=_nominations(stored, sub),
                   first_received=min((aware(t) for t in first.values()), default=None))


def _results(registrations: list[Registration]) -> dict[str, tuple[RegisteredResult, ...]]:
    """Each unit's registrations in the order they were made (by id)."""
    results: dict[str, list[RegisteredResult]] = {}
    for reg in registrations:
        if key := result_key(reg.topic, reg.group_name):
            results.setdefault(reg.enterprise_key, []).append(RegisteredResult(reg.id, key, group_key(reg.group_name)))
    return {unit: tuple(items) for unit, items in results.items()}


def _nominations(stored: list[tuple[StoredDocument, datetime]], sub: Submission
                 ) -> dict[tuple[DocumentKind, str], tuple[EarlierNomination, ...]]:
    """Earlier nominations by (kind, unit), the latest form per nominee (a revised form
    sent again replaces its predecessor); a file sent again unchanged is not a second one."""
    here = {doc.sha256 for doc in sub.documents}
    found: dict[tuple[DocumentKind, str], dict[str, EarlierNomination]] = {}
    for row, received in stored:  # oldest first
        doc = Document(filename=row.filename, sha256=row.sha256, kind=DocumentKind(row.kind), fields=row.fields or {})
        if row.sha256 in here or not doc.fields or not (unit := unit_of(doc)):
            continue
        nominee = nominee_of(doc)
        found.setdefault((doc.kind, unit), {})[unit_key(nominee)] = EarlierNomination(row.filename, nominee,
                                                                                     aware(received))
    return {key: tuple(by_nominee.values()) for key, by_nominee in found.items()}
