"""Broken, locked and unsupported files give a Document with an error, never an exception."""
from __future__ import annotations

import hashlib
import os
import struct

import pytest

from intake.extractors import extract_document
from samples.forms import entry_form_docx, statistics_xlsx
from samples.entries import sample_entry
from intake.base.model import Attachment, DocumentKind

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def attachment(filename: str, payload: bytes) -> Attachment:
    return Attachment(filename, "application/octet-stream", payload,
                      hashlib.sha256(payload).hexdigest())


def encrypted_ooxml() -> bytes:
    """The container Word writes for a password-protected .docx: an OLE compound
    file holding EncryptionInfo and EncryptedPackage streams (here random bytes,
    since only the container matters to the reader)."""
    streams = [("EncryptionInfo", os.urandom(4096)), ("EncryptedPackage", os.urandom(8192))]
    fat, body, start = [FATSECT, ENDOFCHAIN], b"", 2
    entries = [_dir_entry("Root Entry", 5, ENDOFCHAIN, 0, child=1)]
    for i, (name, data) in enumerate(streams, 1):
        n = len(data) // 512
        fat += [start + k + 1 for k in range(n - 1)] + [ENDOFCHAIN]
        right = i + 1 if i < len(streams) else NOSTREAM
        entries.append(_dir_entry(name, 2, start, len(data), right=right))
        body, start = body + data, start + n
    entries.append(b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
                   + b"\0" * 48)
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096,
                            ENDOFCHAIN, 0, ENDOFCHAIN, 0)
              + struct.pack("<109I", 0, *[FREESECT] * 108))
    fat_sector = struct.pack("<128I", *(fat + [FREESECT] * (128 - len(fat))))
    return header + fat_sector + b"".join(entries) + body


def _dir_entry(name: str, kind: int, start: int, size: int, *, child: int = NOSTREAM,
               right: int = NOSTREAM) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, NOSTREAM, right, child)
            + b"\0" * 36 + struct.pack("<IQ", start, size))


def test_password_protected_docx_says_so_in_chinese():
    doc = extract_document(attachment("报名表.docx", encrypted_ooxml()))
    assert doc.error == "文件已加密，无法打开，请去除密码后重新发送"
    assert doc.kind is DocumentKind.ENTRY_FORM  # guessed from the file name


def test_truncated_docx_is_corrupt():
    payload = entry_form_docx(sample_entry(1))
    doc = extract_document(attachment("报名表.docx", payload[: len(payload) // 2]))
    assert doc.error and "损坏" in doc.error
    assert doc.fields == {}


@pytest.mark.parametrize("name", ["报名表.docx", "统计表.xlsx", "成果.pdf", "扫描件.jpg", "x.doc"])
def test_random_bytes_under_a_document_name_are_corrupt(name):
    doc = extract_document(attachment(name, os.urandom(3000)))
    assert doc.error and "损坏" in doc.error


def test_empty_file_says_it_is_empty():
    doc = extract_document(attachment("报名表.docx", b""))
    assert doc.error and "为空" in doc.error


def test_damaged_pdf_and_image_are_errors():
    assert extract_document(attachment("a.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n")).error
    png = extract_document(attachment("a.png", b"\x89PNG\r\n\x1a\n" + os.urandom(200)))
    assert png.error and png.kind is DocumentKind.SCAN


def test_truncated_xlsx_is_corrupt():
    payload = statistics_xlsx()
    assert "损坏" in extract_document(attachment("统计表.xlsx", payload[:2000])).error


def test_unsupported_type_names_its_extension():
    doc = extract_document(attachment("材料.rar", b"Rar!\x1a\x07\x00" + os.urandom(100)))
    assert doc.error and ".rar" in doc.error
    assert doc.kind is DocumentKind.OTHER


def test_zip_that_is_no_office_file_is_unsupported_not_a_crash():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    doc = extract_document(attachment("材料.zip", buf.getvalue()))
    assert doc.error


def test_zip_bomb_disguised_as_docx_is_refused_without_unpacking():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as member:
            chunk = b"\0" * (16 << 20)
            for _ in range(20):  # 320 MB of zeros, a few hundred KB zipped
                member.write(chunk)
    doc = extract_document(attachment("报名表.docx", buf.getvalue()))
    assert doc.error and "过大" in doc.error
