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
    html, mhtml, odt, txt, encrypted, broken-zip, zip-bomb, empty; for bytes we do not know,
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
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken-zip"
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        return "zip-bomb"
    names = {i.filename for i in infos}
    for member, kind in _ZIP_KINDS:
        if member in names:
            return kind
    if "mimetype" in names:
        return _ODF.get(zipfile.ZipFile(io.BytesIO(data)).read("mimetype")[:80].strip(), "odt")
    return None


def _ole_kind(data: bytes) -> str | None:
    """OLE directory entries are UTF-16 names; finding them is enough here."""
    for stream, kind in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return kind
    return None
