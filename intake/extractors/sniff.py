"""What a file really is, from its first bytes; the file name only breaks ties.

Senders rename freely: a .wps is often a .doc or a .docx, a .doc may be
RTF or HTML saved by Word, and an encrypted .docx is an OLE file.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A form or report unzips to a few MB (pictures included); far more is a bomb.
MAX_UNZIPPED = 300 * 1024 * 1024
# One XML part of a form is well under a few MB; lxml and LibreOffice hold a part
# whole in memory (and more, parsed), so a bigger one is refused before parsing.
MAX_XML_PART = 32 * 1024 * 1024
# How far into an XML part a DOCTYPE is looked for (it can only sit in the prolog).
_PROLOG = 64 * 1024
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"),
    (b"BM", "bmp"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
)
# Extensions whose files we read: unknown bytes under these names are damaged.
CLAIMED = {"doc", "docx", "wps", "xls", "xlsx", "et", "ppt", "pptx", "dps", "pdf",
           "png", "jpg", "jpeg", "bmp", "tif", "tiff", "gif"}
_ZIP_KINDS = (
    ("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
)
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OLE_STREAMS = (
    ("EncryptedPackage", "encrypted"), ("WordDocument", "doc"),
    ("Workbook", "xls"), ("Book", "xls"), ("PowerPoint Document", "ppt"),
)


def sniff(data: bytes, filename: str) -> str:
    """A format name: docx, doc, xlsx, xls, pptx, ppt, pdf, png, jpeg, rtf,
    html, mhtml, odt, txt, encrypted, broken-zip, zip-bomb, xml-dtd, empty; for bytes we do not know,
    "unknown" when the name claims an office or PDF file, else the extension."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    if not data:
        return "empty"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data) or ext or "zip"
    if data.startswith(OLE):
        return _ole_kind(data) or "unknown"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    for magic, name in _IMAGES:
        if data.startswith(magic):
            return name
    head = data[:512].lstrip().lower()
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"mime-version"):
        return "mhtml"
    if head.startswith((b"<html", b"<!doctype html")) or b"<html" in head:
        return "html"
    if ext == "txt":
        return "txt"
    return "unknown" if ext in CLAIMED else ext


def _zip_kind(data: bytes) -> str | None:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken-zip"
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        return "zip-bomb"
    kind = _package_kind(package, {i.filename for i in infos})
    if kind is None:
        return None  # a plain archive: unpack's limits apply to it
    xml_parts = [i for i in infos if i.filename.lower().endswith((".xml", ".rels"))]
    if any(i.file_size > MAX_XML_PART for i in xml_parts):
        return "zip-bomb"
    if any(_declares_dtd(package, info) for info in xml_parts):
        return "xml-dtd"
    return kind


def _package_kind(package: zipfile.ZipFile, names: set[str]) -> str | None:
    for member, kind in _ZIP_KINDS:
        if member in names:
            return kind
    if "mimetype" in names:
        with package.open("mimetype") as mimetype:
            return _ODF.get(mimetype.read(80).strip(), "odt")
    return None


def _declares_dtd(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """An OOXML or ODF part never has a DTD (OPC M1.17); one that does carries
    entities (billion laughs, external files) for whichever parser reads it."""
    try:
        with package.open(info) as part:
            head = part.read(_PROLOG)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return False  # a damaged part is the reader's to report
    return any(mark in head for mark in (b"<!DOCTYPE", b"<!ENTITY", "<!DOC".encode("utf-16-le"),
                                         "<!DOC".encode("utf-16-be")))


def _ole_kind(data: bytes) -> str | None:
    """OLE directory entries are UTF-16 names; finding them is enough here."""
    for stream, kind in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return kind
    return None
