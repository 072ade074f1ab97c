"""Every attachment → a `Document`: the extract stage of the pipeline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from intake.extractors import extract_document
from intake.base.model import Attachment, Document, DocumentKind, LinkAttachment
from intake.mime.unpack import Problem, expand


@dataclass(frozen=True)
class Extraction:
    documents: tuple[Document, ...]
    # Every file seen, archives unpacked, by content hash: what the archive keeps.
    files: dict[str, Attachment]
    # Files the body offers as links that did not arrive (not fetchable, or fetching is off).
    link_only: tuple[LinkAttachment, ...] = ()


def extract_all(attachments: tuple[Attachment, ...]) -> Extraction:
    """Unpack archives and forwards first, then read each file once; identical files count once.

    An archive that would not open becomes a document with its reason as `error`,
    named by where it is ("材料.zip", or "材料.zip/内层.zip" when nested), so the
    sender is told which file to fix.
    """
    expanded = expand(attachments)
    seen, documents = set(), []
    for attachment in expanded.files:
        if attachment.sha256 in seen:
            continue
        seen.add(attachment.sha256)
        documents.append(extract_document(attachment))
    documents += [_unopened(problem) for problem in expanded.problems]
    files = {a.sha256: a for a in (*attachments, *expanded.files)}
    return Extraction(documents=tuple(documents), files=files)


def _unopened(problem: Problem) -> Document:
    return Document(filename=problem.origin or problem.filename, sha256=problem.sha256, kind=DocumentKind.OTHER,
                    error=problem.reason, source_format=PurePath(problem.filename).suffix.lower().lstrip("."))
