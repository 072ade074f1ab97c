"""Real inputs for the tests of one room: files built by samples/, read by the real
extractors, put together as the pipeline's validate stage puts them (intake/run/pipeline.py `_check`).

Builders are cached: the same form is built once per test session.
"""
from __future__ import annotations

import dataclasses
import functools
import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from intake.fetch.archive import sha256_hex
from intake.sort.assemble import pair_documents
from intake.base.config import CompetitionSettings, load_settings
from intake.extractors.attachments import extract_all
from intake.extractors import extract_document
from samples import mails
from samples.forms import entry_form_docx, qc_report_docx
from samples.entries import EntryFormData, sample_entry
from samples.seals import seal_png
from intake.mime.links import links_in_mail
from intake.base.model import Attachment, Document, Submission
from intake.mime.parse import parse_mail
from intake.validators import History, RuleContext
from intake.validators.writeups import is_write_up

COMPETITION = load_settings(Path(__file__).parents[1] / "config.example.toml").competition
ON_TIME = datetime(2023, 2, 20, 2, 0, tzinfo=timezone.utc)


@functools.lru_cache(maxsize=None)
def entry(seed: int = 7, **overrides) -> EntryFormData:
    return sample_entry(seed, **overrides)


@functools.lru_cache(maxsize=None)
def seal(enterprise: str) -> bytes:
    return seal_png(enterprise)


@functools.lru_cache(maxsize=None)
def entry_form(data: EntryFormData, *, stamped: bool = True, layout: str = "official") -> bytes:
    return entry_form_docx(data, layout=layout, seal=seal(data.enterprise) if stamped else None)


@functools.lru_cache(maxsize=None)
def report(data: EntryFormData) -> bytes:
    return qc_report_docx(data, images=0)


def basic_files(data: EntryFormData, *, stamped: bool = True) -> list[tuple[str, bytes]]:
    """What the notice asks of one QC result: the stamped 报名表 and the report in Word."""
    return [(f"报名表-{data.group}.docx", entry_form(data, stamped=stamped)), (f"{data.topic}.docx", report(data))]


def attachment(name: str, payload: bytes) -> Attachment:
    return Attachment(filename=name, content_type="application/octet-stream", payload=payload,
                      sha256=sha256_hex(payload))


def read(name: str, payload: bytes) -> Document:
    """One file through the extract stage, as if it had been attached under `name`."""
    return extract_document(attachment(name, payload))


def submission_of(raw: bytes, received_at: datetime = ON_TIME) -> Submission:
    """The mail as the validate stage sees it (no earlier mails, downloading links off)."""
    mail = parse_mail(raw, received_at)
    documents = extract_all(mail.attachments).documents
    return Submission(mail=mail, documents=documents, link_files=links_in_mail(mail),
                      pairings=pair_documents(tuple(d for d in documents if not is_write_up(d))))


def submission(files: list[tuple[str, bytes]], data: EntryFormData | None = None, *,
               received_at: datetime = ON_TIME, **mail_options) -> Submission:
    """A registration mail from `data`'s unit carrying `files`, read as the pipeline reads it."""
    return submission_of(mails.submission_mail(data or entry(), files, **mail_options), received_at)


def context(*, received_at: datetime = ON_TIME, history: History | None = None,
            **competition: object) -> RuleContext:
    """The notice's rules (config.example.toml), with `competition` keys changed."""
    settings: CompetitionSettings = dataclasses.replace(COMPETITION, **competition)
    return RuleContext(settings, received_at, history or History())


PRESENTATIONML = "http://schemas.openxmlformats.org/presentationml/2006/main"
DRAWINGML = "http://schemas.openxmlformats.org/drawingml/2006/main"


def pptx(slides: list[list[str]]) -> bytes:
    """A .pptx package as PowerPoint lays it out: one slide part per slide, a text body per shape."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("ppt/presentation.xml", f'<p:presentation xmlns:p="{PRESENTATIONML}"/>')
        for number, paragraphs in enumerate(slides, 1):
            body = "".join(f"<a:p><a:r><a:t>{text[:len(text) // 2]}</a:t></a:r><a:r><a:t>{text[len(text) // 2:]}"
                           "</a:t></a:r></a:p>" for text in paragraphs)
            z.writestr(f"ppt/slides/slide{number}.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="{PRESENTATIONML}" '
                       f'xmlns:a="{DRAWINGML}"><p:cSld><p:spTree>'
                       f"<p:sp><p:txBody>{body}<a:p/></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    return buf.getvalue()


def accepted(pipeline, raw: bytes):
    """Archive and record one mail as the mailbox stage does; (stored message, parsed mail)."""
    mail = parse_mail(raw)
    message, _ = pipeline.accept(raw, account="test", folder="INBOX", received_at=mail.received_at)
    return message, mail
