"""Every attachment → a `Document`: the extract stage of the pipeline."""
from __future__ import annotations

from intake.extractors import extract_document
from intake.model import Attachment, Document


def extract_all(attachments: tuple[Attachment, ...]) -> tuple[Document, ...]:
    """Read each attachment once; identical files attached twice count once."""
    seen, documents = set(), []
    for attachment in attachments:
        if attachment.sha256 in seen:
            continue
        seen.add(attachment.sha256)
        documents.append(extract_document(attachment))
    return tuple(documents)
