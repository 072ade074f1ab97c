"""Earlier years' reports, loaded into the copy index (`intake past load FOLDER --year 2022`).

They are read by the pipeline's own extractors (LibreOffice for .doc and .wps),
stored with their text and band keys (`store.copies`), and never registered:
a new report that repeats one of them gets a POSSIBLE_COPY flag naming the
file and its year, and so does a report registered before the load: a load
ends by comparing every registered report with the archive. Loading is
idempotent by content hash, one file a transaction, so a folder loaded twice,
or a load cut short and run again, holds each file once and flags each
report once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from intake.base.model import Attachment
from intake.base.text import storable
from intake.extractors.read import extract_document
from intake.review.copies import best_match, flag_registered, normalised, signature
from store import Store
from store.copies import add_source, archived_hashes, candidate_sources, keys_of, registered_sources
from store.models import CopySource, Registration

SUFFIXES = (".docx", ".doc", ".wps", ".pdf")
# Compared characters under which a file holds no report to compare (a cover, a scan).
MIN_CHARS = 200


@dataclass
class PastLoad:
    """What one load did, file by file."""

    loaded: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    compared: int = 0                                              # registered reports rechecked
    flagged: list[str] = field(default_factory=list)               # their numbers, newly flagged

    def summary(self, year: int) -> str:
        """In Chinese, for the administrator."""
        lines = [f"往年成果报告（{year}年）：新载入{len(self.loaded)}份，已载入过{len(self.known)}份（跳过），"
                 f"未能载入{len(self.skipped)}份。"]
        lines += [f"  未载入：{name}（{why}）" for name, why in self.skipped]
        lines.append(f"已将本届已登记的{self.compared}份成果报告与往年报告比对："
                     + (f"{len(self.flagged)}份疑似抄袭，已标记待复核（{'、'.join(self.flagged)}）。"
                        if self.flagged else "未发现大量相同的报告。"))
        return "\n".join(lines)


def load_past(store: Store, folder: Path, year: int) -> PastLoad:
    """Load every .docx/.doc/.wps/.pdf under `folder` as a report of `year`."""
    result = PastLoad()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        name = str(path.relative_to(folder))
        payload = path.read_bytes()
        sha = hashlib.sha256(payload).hexdigest()
        with store.session() as s:
            if archived_hashes(s, [sha]):
                result.known.append(name)
                continue
        doc = extract_document(Attachment(filename=path.name, content_type="application/octet-stream",
                                          payload=payload, sha256=sha))
        text = storable(doc.text or "")
        if doc.error:
            result.skipped.append((name, doc.error))
            continue
        if len(normalised(text)[0]) < MIN_CHARS:
            result.skipped.append((name, "正文文字过少（可能是扫描件或封面），无法比对"))
            continue
        with store.session() as s:
            add_source(s, CopySource(year=year, filename=name, sha256=sha, text=text), signature(text).keys)
        result.loaded.append(name)
    result.compared, result.flagged = recheck_registered(store)
    return result


def recheck_registered(store: Store) -> tuple[int, list[str]]:
    """Every registered report compared with the archive, one a transaction: how many were
    compared, and the numbers of those newly flagged (a flag already there is not repeated)."""
    with store.session() as s:
        ids = registered_sources(s)
    flagged_numbers = []
    for source_id in ids:
        with store.session() as s:
            report = s.get(CopySource, source_id)
            archived = [c for c in candidate_sources(s, keys_of(s, source_id), (report.registration_id,))
                        if c.year is not None]
            best = best_match(report.text, archived)
            if best is not None and flag_registered(s, report, best, None):
                flagged_numbers.append(s.get(Registration, report.registration_id).number)
    return len(ids), flagged_numbers
