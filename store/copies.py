"""The copy check's index in the store: reports' texts and their LSH band keys.

Several workers on PostgreSQL share it, and memory does not grow with the
archive: a check asks SQL which sources share band keys with the new report
and loads only those candidates' texts (`intake.review.copies` verifies them).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from store.models import CopyBand, CopyMatch, CopySource, Registration, StoredDocument, StoredFinding

# At most this many candidates are verified, the ones sharing the most band keys first.
CANDIDATES = 100


def candidate_sources(s: Session, keys: Iterable[int], exclude_registrations: Iterable[int] = (),
                      min_shared: int = 1, limit: int = CANDIDATES) -> list[CopySource]:
    """Sources sharing at least `min_shared` band keys, most shared first, minus the given
    registrations' own."""
    keys = sorted(set(keys))
    if not keys:
        return []
    shared = func.count(CopyBand.key).label("shared")
    query = (select(CopyBand.source_id, shared).where(CopyBand.key.in_(keys))
             .group_by(CopyBand.source_id).having(shared >= min_shared).order_by(shared.desc(), CopyBand.source_id).limit(limit))
    ids = [source_id for source_id, _ in s.exec(query)]
    if not ids:
        return []
    excluded = sorted(set(exclude_registrations))
    rows = s.exec(select(CopySource).where(CopySource.id.in_(ids)))
    by_id = {row.id: row for row in rows if row.registration_id is None or row.registration_id not in excluded}
    return [by_id[i] for i in ids if i in by_id]


def add_source(s: Session, source: CopySource, keys: Iterable[int]) -> CopySource:
    """Store a source with its band keys (in the caller's transaction)."""
    s.add(source)
    s.flush()
    rows = [{"key": key, "source_id": source.id} for key in sorted(set(keys))]
    if rows:
        s.execute(insert(CopyBand), rows)
    return source


def drop_sources_of(s: Session, registration_id: int) -> None:
    """Forget a registration's report (its correction replaces it); its past matches stay."""
    ids = list(s.exec(select(CopySource.id).where(CopySource.registration_id == registration_id)))
    if ids:
        s.execute(delete(CopyBand).where(CopyBand.source_id.in_(ids)))
        # A source an earlier flag points to stays, without bands, so that flag can still be shown.
        matched = set(s.exec(select(CopyMatch.source_id).where(CopyMatch.source_id.in_(ids))))
        s.execute(delete(CopySource).where(CopySource.id.in_([i for i in ids if i not in matched])))


def archived_hashes(s: Session, hashes: Iterable[str]) -> set[str]:
    """Which of these file hashes are loaded already as earlier years' reports."""
    hashes = sorted(set(hashes))
    if not hashes:
        return set()
    return set(s.exec(select(CopySource.sha256).where(CopySource.sha256.in_(hashes),
                                                     CopySource.year.is_not(None))))


def registrations_of(s: Session, sources: Iterable[CopySource]) -> dict[int, Registration]:
    """The registrations of these sources, by id."""
    ids = sorted({source.registration_id for source in sources if source.registration_id is not None})
    if not ids:
        return {}
    return {reg.id: reg for reg in s.exec(select(Registration).where(Registration.id.in_(ids)))}


def already_flagged(s: Session, registration: Registration, source: CopySource) -> bool:
    """The registration has a standing POSSIBLE_COPY flag naming this source, or any report of
    the source's registration (its report may have been replaced since)."""
    named = (CopySource.registration_id == source.registration_id if source.registration_id is not None
             else CopySource.id == source.id)
    query = (select(CopyMatch.id).join(StoredFinding, StoredFinding.id == CopyMatch.finding_id)
             .join(CopySource, CopySource.id == CopyMatch.source_id)
             .where(StoredFinding.registration_id == registration.id,
                    StoredFinding.message_id == registration.last_message_id, named))
    return s.exec(query).first() is not None


def registered_sources(s: Session) -> list[int]:
    """The ids of the registered reports the index compares with (each registration's current one)."""
    return list(s.exec(select(CopySource.id).where(CopySource.registration_id.is_not(None),
                                                  CopySource.id.in_(select(CopyBand.source_id)))
                       .order_by(CopySource.id)))


def keys_of(s: Session, source_id: int) -> list[int]:
    return list(s.exec(select(CopyBand.key).where(CopyBand.source_id == source_id)))


def count_sources(s: Session) -> int:
    return s.exec(select(func.count(CopySource.id))).one()


def flagged_copy(s: Session, finding_id: int) -> tuple[CopyMatch, CopySource, str] | None:
    """What a POSSIBLE_COPY finding matched: its CopyMatch, the source, and the report's text
    the spans' offsets are into (the document the finding names, as stored with it)."""
    match = s.exec(select(CopyMatch).where(CopyMatch.finding_id == finding_id)).first()
    if match is None:
        return None
    source = s.get(CopySource, match.source_id)
    finding = s.get(StoredFinding, finding_id)
    text = s.exec(select(StoredDocument.text).where(StoredDocument.message_id == finding.message_id,
                                                    StoredDocument.filename == match.document)
                  .order_by(StoredDocument.id)).first()
    if text is None and finding.registration_id is not None:  # the report as the index kept it
        text = s.exec(select(CopySource.text).where(CopySource.registration_id == finding.registration_id)).first()
    return match, source, text or ""
