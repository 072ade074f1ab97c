"""Plain data that passes between the pipeline's stages.

Every stage takes and returns these frozen dataclasses, never dicts of
anything, so a stage can be read and tested on its own.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Classification(str, enum.Enum):
    """What a message is (SPEC §5): exactly one per message."""

    SUBMISSION = "submission"
    CORRECTION = "correction"
    OBSERVER = "observer"
    INQUIRY = "inquiry"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    DUPLICATE = "duplicate"
    OWN_MAIL = "own_mail"
    UNREADABLE = "unreadable"


REPLYABLE = frozenset(
    {Classification.SUBMISSION, Classification.CORRECTION, Classification.OBSERVER}
)


class DocumentKind(str, enum.Enum):
    """Which official form a document is (SPEC §3)."""

    ENTRY_FORM = "entry_form"
    ENTERPRISE_NOMINATION = "enterprise_nomination"
    PROMOTER_NOMINATION = "promoter_nomination"
    GROUP_REGISTRATION = "group_registration"
    TEAM_NOMINATION = "team_nomination"
    ACTIVITY_STATISTICS = "activity_statistics"
    NOMINATION_SUMMARY = "nomination_summary"
    QC_REPORT = "qc_report"
    PRESENTATION = "presentation"
    SCAN = "scan"
    OTHER = "other"


class Recognition(str, enum.Enum):
    """How a document's kind was told: only its content is evidence that a mail is
    meant for the competition; a file name ("报名表.jpg") is a hint."""

    CONTENT = "content"      # the title or the labels in its text
    OCR = "ocr"              # the words read off a scan
    FILE_NAME = "file_name"  # its file name (or a scan's caption) only


class Stamp(str, enum.Enum):
    """Whether a unit seal (公章) was found on a document."""

    PRESENT = "present"
    ABSENT = "absent"
    UNCERTAIN = "uncertain"


class Severity(str, enum.Enum):
    """A deficiency goes to the sender; a review flag only to the secretariat."""

    DEFICIENCY = "deficiency"
    REVIEW = "review"


class Verdict(str, enum.Enum):
    ACCEPTED = "accepted"
    DEFICIENT = "deficient"


class ReplyType(str, enum.Enum):
    ACKNOWLEDGEMENT = "acknowledgement"
    DEFICIENCY_NOTICE = "deficiency_notice"
    OBSERVER_ACKNOWLEDGEMENT = "observer_acknowledgement"


class Provenance(str, enum.Enum):
    """How a field's value was found on its form, so a rule knows how far to trust it.

    Confident readings (`CONFIDENT`) may support a deficiency sent to the sender:
    the label was found as the form prints it and the value (or its empty cell)
    sits where that label puts it, or a check-box list was read with exactly
    readable ticks. Every other reading can only raise a review flag.
    """

    EXACT = "exact"          # the form's label, value beside it, after its colon or in its own cell
    GRID = "grid"            # under its label in a header row of labels, the next row's cells aligned with it
    CHECKBOX = "checkbox"    # the ticked option(s) of a check-box list (glyphs or Word content controls)
    FUZZY = "fuzzy"          # a label only loosely like the form's (no reader marks a value so yet)
    INFERRED = "inferred"    # placed by layout: a cell below a lone label, paragraphs after a label, a title line
    OCR = "ocr"              # read from a picture


CONFIDENT = frozenset({Provenance.EXACT, Provenance.GRID, Provenance.CHECKBOX})


@dataclass(frozen=True)
class Attachment:
    """One file as the sender attached it (archives already unpacked)."""

    filename: str
    content_type: str
    payload: bytes = field(repr=False)
    sha256: str
    # Where the file came from inside the mail, e.g. "材料.zip/报名表.docx".
    origin: str = ""


@dataclass(frozen=True)
class LinkAttachment:
    """One file the body offers as a download link (超大附件, 网盘分享) instead of attaching it.

    `expires` as the body wrote it ("2023年3月10日 14:30"); `provider` a key of
    `intake.mime.links.PROVIDERS`; `code` the 提取码/访问码 a share needs, if any.
    """

    filename: str
    url: str
    expires: str | None = None
    provider: str = ""
    code: str | None = None


@dataclass(frozen=True)
class IncomingMail:
    """A decoded message: headers we act on, readable body text, attachments."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    received_at: datetime
    body_text: str
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # Lower-cased header name -> list of values, for the classifier.
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    raw_sha256: str = ""
    # The HTML parts as sent: their links (超大附件 download addresses) are lost in body_text.
    body_html: str = field(default="", repr=False)
    # Problems met while decoding, in words a person can act on.
    defects: tuple[str, ...] = ()

    def header(self, name: str) -> str:
        """The first value of a header, or '' when absent."""
        values = self.headers.get(name.lower(), ())
        return values[0] if values else ""


@dataclass(frozen=True)
class Document:
    """What the extractors read from one attachment."""

    filename: str
    sha256: str
    kind: DocumentKind
    stamp: Stamp | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    # Lists read from tables: member rows of 附件5/6, sections of 附件8.
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    # Why the document could not be read (corrupt, encrypted, unsupported).
    error: str | None = None
    # Where the seal was seen, e.g. "word/media/image1.png".
    stamp_evidence: str | None = None
    source_format: str = ""
    # How `kind` was told; None for OTHER and for documents read back from the store.
    recognised_by: Recognition | None = None
    # Field name -> how its value was found. Empty for a document read back from
    # the store (the schema keeps no provenance): such fields count as confident,
    # as they did when the document was first judged.
    provenance: dict[str, Provenance] = field(default_factory=dict, repr=False)

    def confident(self, name: str) -> bool:
        """May a deficiency rest on field `name`? Only on a confident reading of it
        (see `Provenance`); a label never found is not a confident "empty"."""
        if not self.provenance:
            return True
        how = self.provenance.get(name)
        return how in CONFIDENT


@dataclass(frozen=True)
class QueuedReply:
    """A reply composed for the outbox: recording queues it, `notifier` composes it."""

    subject: str
    raw: bytes
    message_id: str


@dataclass(frozen=True)
class Finding:
    """One rule's answer about a submission (SPEC §4)."""

    code: str
    severity: Severity
    detail: str
    document: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class Entry:
    """One QC result as read from a submission: becomes a registration."""

    enterprise: str
    group: str
    topic: str
    topic_type: str
    members: int | None
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pairing:
    """One QC result inside a submission: its 报名表 and the report that goes with it."""

    entry_form: Document | None
    report: Document | None

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(doc for doc in (self.entry_form, self.report) if doc is not None)

    def field(self, name: str) -> Any:
        return self.entry_form.fields.get(name) if self.entry_form else None


@dataclass(frozen=True)
class Submission:
    """What the validators look at: the mail, its documents, its QC results."""

    mail: IncomingMail
    documents: tuple[Document, ...]
    pairings: tuple[Pairing, ...]
    # Files the body offers as download links (超大附件, 网盘) that did not arrive as files.
    link_files: tuple[LinkAttachment, ...] = ()
