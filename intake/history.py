"""What the store already knows about a new message: is it a repeat, what does it correct?

A correction is recognised by a registration number it cites (subject or
body) or by In-Reply-To/References pointing at an earlier submission or at
one of our replies; its earlier documents are brought back so the rules see
the registration whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from intake.model import Document, DocumentKind, IncomingMail, Stamp
from store import Store
from store.models import Registration, StoredDocument


@dataclass(frozen=True)
class Lookups:
    duplicate: bool
    cited: tuple[Registration, ...]
    earlier_documents: tuple[Document, ...]


def cited_numbers(mail: IncomingMail, code_prefix: str) -> list[str]:
    pattern = re.compile(re.escape(code_prefix) + r"\d+", re.I)
    found = pattern.findall(f"{mail.subject}\n{mail.body_text}")
    return list(dict.fromkeys(number.upper() for number in found))


def as_document(row: StoredDocument) -> Document:
    return Document(filename=row.filename, sha256=row.sha256, kind=DocumentKind(row.kind),
                    stamp=Stamp(row.stamp) if row.stamp else None, fields=dict(row.fields or {}),
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
    with store.session() as s:
        same_id = store.other_message_with_id(s, mail.message_id, own_id) is not None
        hashes = {a.sha256 for a in mail.attachments}
        same_files = bool(hashes) and hashes <= store.attachment_hashes_seen(s, mail.sender, own_id)
        cited = store.registrations_by_numbers(s, cited_numbers(mail, code_prefix))
        if not cited:
            refs = [r for r in (mail.in_reply_to, *mail.references) if r]
            cited = store.registrations_of_message_ids(s, list(dict.fromkeys(refs)))
        earlier = latest_per_kind(as_document(row) for reg in cited for row in store.documents_of(s, reg.id))
    return Lookups(duplicate=same_id or (same_files and not cited), cited=tuple(cited),
                   earlier_documents=earlier)
