"""Earlier years' reports, loaded into the copy index (`intake past load FOLDER --year 2022`).

They are read by the pipeline's own extractors (LibreOffice for .doc and .wps),
stored with their text and band keys (`store.copies`), and never registered:
a new report that repeats one of them gets a POSSIBLE_COPY flag naming the
file and its year. Loading is idempotent by content hash, one file a
transaction, so a folder loaded twice, or a load cut short and run again,
holds each file once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from intake.base.model import Attachment
from intake.base.text import storable
from intake.extractors.read import extract_document
from intake.review.copies import normalised, signature
from store import Store
from store.copies import add_source, archived_hashes
from store.models import CopySource

SUFFIXES = (".docx", ".doc", ".wps", ".pdf")
# Compared characters under which a file holds no report to compare (a cover, a scan).
MIN_CHARS = 200


@dataclass
class PastLoad:
    """What one load did, file by file."""

    loaded: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)

    def summary(self, year: int) -> str:
        """In Chinese, for the administrator."""
        lines = [f"往年成果报告（{year}年）：新载入{len(self.loaded)}份，已载入过{len(self.known)}份（跳过），"
                 f"未能载入{len(self.skipped)}份。"]
        lines += [f"  未载入：{name}（{why}）" for name, why in self.skipped]
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
    return result
