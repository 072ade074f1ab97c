"""Archives, forwards and winmail.dat as senders really send them, hostile ones included.

Every archive here is built by the test itself: with zipfile and py7zr, or byte
by byte where real senders' tools do what Python's writers will not (GBK
names without the UTF-8 flag, ZipCrypto, overlapping entries, old RAR headers).
"""
from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import docx
import py7zr
import pytest

from intake.fetch.archive import sha256_hex
from intake.extractors.attachments import extract_all
from intake.base.model import Attachment, DocumentKind
from intake.mime.parse import parse_mail
from intake.mime.unpack import (
    BAD_TNEF, BOMB, CORRUPT, EMPTY, ENCRYPTED, MEMBER_TOO_BIG, OVERLAP, TOO_BIG, TOO_DEEP, TOO_DEEP_MAIL, TOO_MANY,
    Expanded, Limits, Problem, expand,
)

MB = 1024 * 1024


# ---- builders ---------------------------------------------------------------

def attachment(name: str, payload: bytes, content_type: str = "application/octet-stream") -> Attachment:
    return Attachment(filename=name, content_type=content_type, payload=payload, sha256=sha256_hex(payload))


def zip_of(files: dict[str, bytes]) -> bytes:
    """What Python (and any modern tool) writes: UTF-8 flag set for non-ASCII names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def seven_zip_of(files: dict[str, bytes], password: str | None = None, encrypt_names: bool = False) -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", password=password, header_encryption=encrypt_names) as archive:
        for name, data in files.items():
            archive.writestr(data, name)
    return buffer.getvalue()


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@dataclass
class Raw:
    """One zip entry written byte by byte: the name's bytes and flags exactly as given."""

    name: bytes
    content: bytes
    flags: int = 0
    stored: bool = False
    packed: bytes | None = None         # the bytes on disk, when not simply deflated content
    declared_size: int | None = None    # a lie about the uncompressed size
    extra: bytes = b""                  # extra fields, as written in the central directory


def raw_zip(entries: list[Raw], central_copies: int = 1) -> bytes:
    """A minimal PKZIP writer (local headers, central directory, end record)."""
    out, central = io.BytesIO(), []
    for entry in entries:
        offset, crc = out.tell(), zlib.crc32(entry.content)
        data = entry.packed if entry.packed is not None else entry.content if entry.stored else deflate(entry.content)
        method = 0 if entry.stored else 8
        size = len(entry.content) if entry.declared_size is None else entry.declared_size
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, entry.flags, method, 0, 0x21, crc, len(data), size,
                              len(entry.name), 0) + entry.name + data)
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, entry.flags, method, 0, 0x21, crc,
                                   len(data), size, len(entry.name), len(entry.extra), 0, 0, 0, 0, offset)
                       + entry.name + entry.extra)
    directory = b"".join(central) * central_copies
    count = len(central) * central_copies
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), out.tell(), 0)
    return out.getvalue() + directory + end


def zipcrypto(plain: bytes, password: bytes) -> bytes:
    """PKWARE traditional encryption (APPNOTE 6.1), as `zip -e` and WinRAR's ZIP write it."""
    table = []
    for n in range(256):
        for _ in range(8):
            n = (n >> 1) ^ 0xEDB88320 if n & 1 else n >> 1
        table.append(n)
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = table[(keys[0] ^ byte) & 0xFF] ^ (keys[0] >> 8)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = table[(keys[2] ^ (keys[1] >> 24)) & 0xFF] ^ (keys[2] >> 8)

    for byte in password:
        update(byte)
    out = bytearray()
    for byte in os.urandom(11) + bytes([zlib.crc32(plain) >> 24]) + plain:
        temp = keys[2] | 2
        out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


def rar3(entries: list[tuple[bytes, bytes, int]]) -> bytes:
    """An old-format (RAR 2.9/4) archive of stored files, as WinRAR's "RAR4" option writes it."""
    def block(kind: int, flags: int, body: bytes, data: bytes = b"") -> bytes:
        head = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head + data

    out = b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\x00" * 6)
    for name, data, flags in entries:
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), 0x56AA0000, 29, 0x30,
                           len(name), 0x20) + name
        out += block(0x74, 0x8000 | flags, body, data)
    return out + block(0x7B, 0x4000, b"")


def tnef(files: list[tuple[bytes, bytes]], long_names: list[str] | None = None) -> bytes:
    """winmail.dat as Outlook on Chinese Windows writes it: OEM code page 936, GBK titles."""
    def attr(level: int, ident: int, data: bytes) -> bytes:
        return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 1)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attr(1, 0x00069007, struct.pack("<II", 936, 0))     # attOemCodepage
    for index, (title, data) in enumerate(files):
        out += attr(2, 0x00069002, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)  # attAttachRendData
        out += attr(2, 0x00018010, title + b"\x00")                          # attAttachTitle
        out += attr(2, 0x0006800F, data)                                     # attAttachData
        if long_names:
            name = long_names[index].encode("utf-16-le") + b"\x00\x00"
            name += b"\x00" * (-len(name) % 4)
            props = struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len(name)) + name  # PR_ATTACH_LONG_FILENAME
            out += attr(2, 0x00069005, props)                                    # attAttachment
    return out


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def mail(subject: str, files: dict[str, bytes] | None = None,
         forwards: tuple[EmailMessage, ...] = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "张三 <zhangsan@example.cn>", "qc@163.com"
    message["Subject"], message["Message-ID"] = subject, f"<{abs(hash(subject))}@example.cn>"
    message.set_content("请查收附件。")
    for name, data in (files or {}).items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    for forward in forwards:
        message.add_attachment(forward)
    return message


def raw(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


def bounded(attachments, limits: Limits = Limits(), seconds: float = 5, megabytes: int = 64):
    """expand(), asserting it finished in bounded time and memory."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = expand(tuple(attachments), limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < seconds
    assert peak < megabytes * MB
    return result


def names(result) -> list[str]:
    return sorted(file.filename for file in result.files)


def origins(result) -> list[str]:
    return sorted(file.origin for file in result.files)


FORM = b"form bytes " * 50
REPORT = b"report bytes " * 50


# ---- zip names --------------------------------------------------------------

def test_zip_from_chinese_windows_keeps_gbk_names():
    payload = raw_zip([Raw("2023QC报名\\附件2 报名表.docx".encode("gbk"), FORM),
                       Raw("2023QC报名/成果报告（终稿）.docx".encode("gbk"), REPORT)])
    result = expand((attachment("报名材料.zip", payload),))
    assert names(result) == ["成果报告（终稿）.docx", "附件2 报名表.docx"]
    assert origins(result) == ["报名材料.zip/2023QC报名/成果报告（终稿）.docx", "报名材料.zip/2023QC报名/附件2 报名表.docx"]
    assert result.problems == ()


def test_zip_with_utf8_flag_keeps_names():
    result = expand((attachment("材料.zip", zip_of({"附件/报名表.docx": FORM, "成果报告.docx": REPORT})),))
    assert names(result) == ["成果报告.docx", "报名表.docx"]
    assert {f.origin for f in result.files} == {"材料.zip/附件/报名表.docx", "材料.zip/成果报告.docx"}


def test_zip_mixing_gbk_and_utf8_flagged_names():
    payload = raw_zip([Raw("报名表.docx".encode("gbk"), FORM),
                       Raw("成果报告.docx".encode("utf-8"), REPORT, flags=0x800)])
    assert names(expand((attachment("材料.zip", payload),))) == ["成果报告.docx", "报名表.docx"]


def test_zip_name_from_the_unicode_path_extra_field():
    legacy = "报名表.docx".encode("gbk")
    utf8 = "附件2 竞赛活动报名表.docx".encode("utf-8")
    extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(legacy)) + utf8
    payload = raw_zip([Raw(legacy, FORM, extra=extra)])
    assert names(expand((attachment("材料.zip", payload),))) == ["附件2 竞赛活动报名表.docx"]


def test_zip_from_macos_utf8_without_flag_and_resource_forks_skipped():
    entries = [Raw("报名材料/".encode(), b"", stored=True),
               Raw("报名材料/报名表.docx".encode(), FORM),
               Raw("报名材料/.DS_Store".encode(), b"\x00\x00\x00\x01Bud1"),
               Raw("__MACOSX/报名材料/._报名表.docx".encode(), b"\x00\x05\x16\x07 mac"),
               Raw("报名材料/Thumbs.db".encode(), b"thumbs"),
               Raw("报名材料/~$报名表.docx".encode(), b"owner lock")]
    result = expand((attachment("报名材料.zip", raw_zip(entries)),))
    assert [(f.filename, f.origin) for f in result.files] == [("报名表.docx", "报名材料.zip/报名材料/报名表.docx")]
    assert result.problems == ()


def test_path_traversal_names_come_out_as_base_names():
    payload = raw_zip([Raw(b"../../etc/passwd", b"root:x:0:0"),
                       Raw(b"/abs/path.docx", FORM),
                       Raw("C:\\x\\报名表.docx".encode("gbk"), REPORT),
                       Raw(b"..\\..\\..\\windows\\win.ini", b"[fonts]")])
    result = expand((attachment("evil.zip", payload),))
    assert names(result) == ["passwd", "path.docx", "win.ini", "报名表.docx"]
    assert all("/" not in f.filename and "\\" not in f.filename for f in result.files)
    assert all(".." not in f.origin.split("/") and ":" not in f.origin for f in result.files)


def test_unpacked_files_carry_hash_and_content_type():
    result = expand((attachment("材料.zip", zip_of({"报名表.docx": FORM, "扫描件.pdf": REPORT})),))
    by_name = {f.filename: f for f in result.files}
    assert by_name["报名表.docx"].sha256 == sha256_hex(FORM)
    assert by_name["报名表.docx"].content_type.endswith("wordprocessingml.document")
    assert by_name["扫描件.pdf"].content_type == "application/pdf"


def test_documents_and_plain_files_pass_through_unchanged():
    form = attachment("报名表.docx", docx_bytes("竞赛活动报名表"))
    photo = attachment("盖章页.jpg", b"\xff\xd8\xff\xe0 jpeg")
    result = expand((form, photo))
    assert result.files == (form, photo) and result.problems == ()


# ---- nesting ----------------------------------------------------------------

def test_zip_inside_zip_is_opened():
    inner = zip_of({"报名表.docx": FORM})
    result = expand((attachment("全部.zip", zip_of({"第一组/材料.zip": inner, "说明.txt": b"readme"})),))
    assert origins(result) == ["全部.zip/第一组/材料.zip/报名表.docx", "全部.zip/说明.txt"]


def test_zip_inside_7z_is_opened():
    payload = seven_zip_of({"材料/内层.zip": zip_of({"成果报告.docx": REPORT}), "材料/报名表.docx": FORM})
    result = expand((attachment("报名.7z", payload),))
    assert origins(result) == sorted(["报名.7z/材料/报名表.docx", "报名.7z/材料/内层.zip/成果报告.docx"])


def test_nesting_deeper_than_three_is_reported_and_the_rest_kept():
    level4 = zip_of({"深处.docx": FORM})
    level3 = zip_of({"第四层.zip": level4, "第三层.docx": REPORT})
    level2 = zip_of({"第三层.zip": level3})
    result = expand((attachment("第一层.zip", zip_of({"第二层.zip": level2})),))
    assert origins(result) == ["第一层.zip/第二层.zip/第三层.zip/第三层.docx"]
    assert result.problems == (Problem("第四层.zip", TOO_DEEP, sha256_hex(level4),
                                       "第一层.zip/第二层.zip/第三层.zip/第四层.zip"),)


# ---- bombs and limits -------------------------------------------------------

def test_nested_zip_bomb_stops_at_once():
    leaf = zip_of({f"{n}.bin": bytes(8 * MB) for n in range(4)})
    middle = zip_of({f"{n}.zip": leaf for n in range(16)})
    bomb = zip_of({f"{n}.zip": middle for n in range(16)})
    result = bounded([attachment("报名表.zip", bomb)])
    assert result.files == ()
    assert [(p.filename, p.reason) for p in result.problems] == [("报名表.zip", BOMB)]


def test_wide_bomb_of_zeros_is_refused_from_declared_sizes():
    bomb = raw_zip([Raw(f"{n}.docx".encode(), bytes(8 * MB)) for n in range(10)])
    result = bounded([attachment("材料.zip", bomb)])
    assert result.files == () and [p.reason for p in result.problems] == [BOMB]


def test_bomb_in_one_attachment_leaves_the_others():
    form = attachment("报名表.docx", b"PK form")
    bomb = attachment("炸弹.zip", raw_zip([Raw(b"zeros.bin", bytes(20 * MB))]))
    good = attachment("材料.zip", zip_of({"成果报告.docx": REPORT}))
    result = bounded([form, bomb, good])
    assert names(result) == ["成果报告.docx", "报名表.docx"]
    assert [p.filename for p in result.problems] == ["炸弹.zip"]


def test_overlapping_entries_bomb_is_refused():
    # Every central-directory entry points at the same compressed data (Fifield's overlap).
    payload = raw_zip([Raw(b"kernel.bin", os.urandom(256 * 1024), stored=True)], central_copies=200)
    result = bounded([attachment("材料.zip", payload)])
    assert result.files == () and [p.reason for p in result.problems] == [OVERLAP]


def test_total_bytes_are_counted_while_reading():
    payload = zip_of({f"{n}.bin": os.urandom(MB) for n in range(12)})
    result = bounded([attachment("材料.zip", payload)], Limits(total_bytes=8 * MB))
    assert result.files == () and [p.reason for p in result.problems] == [TOO_BIG]


def test_total_bytes_span_all_attachments_of_a_mail():
    first = attachment("一.zip", zip_of({"a.bin": os.urandom(3 * MB)}))
    second = attachment("二.zip", zip_of({"b.bin": os.urandom(3 * MB)}))
    result = bounded([first, second], Limits(total_bytes=5 * MB))
    assert [f.origin for f in result.files] == ["一.zip/a.bin"]
    assert [(p.filename, p.reason) for p in result.problems] == [("二.zip", TOO_BIG)]


def test_member_size_and_member_count_limits():
    big = attachment("大.zip", zip_of({"video.mp4": os.urandom(3 * MB)}))
    many = attachment("多.zip", zip_of({f"{n}.txt": b"x" for n in range(20)}))
    result = bounded([big, many], Limits(member_bytes=2 * MB, members=10))
    assert [(p.filename, p.reason) for p in result.problems] == [("大.zip", MEMBER_TOO_BIG), ("多.zip", TOO_MANY)]


def test_lying_declared_size_never_yields_more_than_declared():
    # Declares 1,000 bytes, holds 50 MB of zeros: reading stops at what was declared.
    payload = raw_zip([Raw(b"small.txt", bytes(50 * MB), declared_size=1000)])
    result = bounded([attachment("材料.zip", payload)])
    assert sum(len(f.payload) for f in result.files) <= 1000


def test_seven_zip_bomb_is_refused():
    result = bounded([attachment("材料.7z", seven_zip_of({"zeros.bin": bytes(16 * MB)}))])
    assert result.files == () and [p.reason for p in result.problems] == [BOMB]


# ---- broken and locked ------------------------------------------------------

def test_encrypted_zip_is_reported():
    secret = zipcrypto(FORM, b"123456")
    payload = raw_zip([Raw("报名表.docx".encode("gbk"), FORM, flags=0x1, stored=True, packed=secret)])
    result = expand((attachment("加密材料.zip", payload),))
    assert result.files == ()
    assert result.problems == (Problem("加密材料.zip", ENCRYPTED, sha256_hex(payload), "加密材料.zip"),)


def test_encrypted_7z_is_reported_with_and_without_hidden_names():
    locked = seven_zip_of({"报名表.docx": FORM}, password="123456")
    hidden = seven_zip_of({"报名表.docx": FORM}, password="123456", encrypt_names=True)
    result = expand((attachment("一.7z", locked), attachment("二.7z", hidden)))
    assert result.files == ()
    assert [(p.filename, p.reason) for p in result.problems] == [("一.7z", ENCRYPTED), ("二.7z", ENCRYPTED)]


@pytest.mark.parametrize("name, payload", [
    ("截断.zip", zip_of({"报名表.docx": os.urandom(4096)})[:3000]),
    ("截断.7z", seven_zip_of({"报名表.docx": os.urandom(4096)})[:3000]),
    ("截断.rar", rar3([(b"form.docx", os.urandom(4096), 0)])[:3000]),
    ("假的.zip", b"this is not an archive at all"),
])
def test_corrupt_archives_are_reported(name, payload):
    result = expand((attachment(name, payload),))
    assert result.files == () and [(p.filename, p.reason) for p in result.problems] == [(name, CORRUPT)]


def test_damaged_data_inside_a_zip_is_reported():
    payload = bytearray(zip_of({"报名表.docx": os.urandom(64 * 1024)}))
    payload[100:200] = bytes(100)
    assert [p.reason for p in expand((attachment("材料.zip", bytes(payload)),)).problems] == [CORRUPT]


def test_archive_with_only_folders_and_junk_is_reported_empty():
    payload = zip_of({"报名材料/": b"", "__MACOSX/._报名表.docx": b"fork", "报名材料/.DS_Store": b"ds"})
    assert [p.reason for p in expand((attachment("材料.zip", payload),)).problems] == [EMPTY]


def test_zero_byte_archive_is_left_to_the_extractors():
    empty = attachment("材料.zip", b"")
    assert expand((empty,)) == Expanded((empty,), ())


def test_broken_docx_is_left_to_the_extractors():
    broken = attachment("报名表.docx", zip_of({"word/document.xml": b"<w:document/>"})[:200])
    result = expand((broken,))
    assert result.files == (broken,) and result.problems == ()


# ---- rar --------------------------------------------------------------------

def test_rar_with_gbk_and_unicode_names():
    payload = rar3([("报名材料\\附件2 报名表.docx".encode("gbk"), FORM, 0),
                    ("报名材料\\成果报告.docx".encode("utf-8"), REPORT, 0x200)])
    result = expand((attachment("报名材料.rar", payload),))
    assert origins(result) == ["报名材料.rar/报名材料/成果报告.docx", "报名材料.rar/报名材料/附件2 报名表.docx"]
    assert {f.sha256 for f in result.files} == {sha256_hex(FORM), sha256_hex(REPORT)}


def test_rar_renamed_zip_is_opened_by_content():
    result = expand((attachment("材料.rar", zip_of({"报名表.docx": FORM})),))
    assert names(result) == ["报名表.docx"]


def test_encrypted_rar_is_reported():
    result = expand((attachment("材料.rar", rar3([(b"form.docx", os.urandom(64), 0x04)])),))
    assert result.files == () and [p.reason for p in result.problems] == [ENCRYPTED]


# ---- forwarded mails and winmail.dat ----------------------------------------

def test_forwarded_mail_brings_its_attachments():
    original = mail("QC小组报名材料", {"报名表.docx": FORM})
    forward = parse_mail(raw(mail("转发：QC小组报名材料", forwards=(original,))))
    result = expand(forward.attachments)
    assert [(f.filename, f.origin) for f in result.files] == [("报名表.docx", "转发邮件：QC小组报名材料/报名表.docx")]
    assert result.problems == ()


def test_forward_of_a_forward():
    original = mail("成果报告", {"成果报告.docx": REPORT})
    first = mail("Fw: 成果报告", {"报名表.docx": FORM}, forwards=(original,))
    outer = parse_mail(raw(mail("Fw: Fw: 成果报告", forwards=(first,))))
    result = expand(outer.attachments)
    assert origins(result) == ["转发邮件：Fw: 成果报告/报名表.docx",
                               "转发邮件：Fw: 成果报告/转发邮件：成果报告/成果报告.docx"]


def test_forwards_nested_too_deep_are_reported():
    fifth = raw(mail("第五层", {"报名表.docx": FORM}))
    fourth = raw(mail("第四层", {"第五层.eml": fifth, "说明.txt": b"third level file"}))
    third = raw(mail("第三层", {"第四层.eml": fourth}))
    second = raw(mail("第二层", {"第三层.eml": third}))
    result = expand(parse_mail(raw(mail("第一层", {"第二层.eml": second}))).attachments)
    assert origins(result) == ["转发邮件：第二层/转发邮件：第三层/转发邮件：第四层/说明.txt"]
    assert [(p.origin, p.reason) for p in result.problems] == [
        ("转发邮件：第二层/转发邮件：第三层/转发邮件：第四层/第五层.eml", TOO_DEEP_MAIL)]


def test_eml_file_attached_as_octet_stream():
    saved = raw(mail("报名材料", {"报名表.docx": FORM}))
    outer = parse_mail(raw(mail("补发材料", {"原邮件.eml": saved})))
    result = expand(outer.attachments)
    assert [(f.filename, f.origin) for f in result.files] == [("报名表.docx", "转发邮件：报名材料/报名表.docx")]


def test_zip_inside_a_forwarded_mail():
    original = mail("材料", {"材料.zip": zip_of({"报名表.docx": FORM})})
    outer = parse_mail(raw(mail("Fw: 材料", forwards=(original,))))
    assert origins(expand(outer.attachments)) == ["转发邮件：材料/材料.zip/报名表.docx"]


def test_winmail_dat_with_gbk_titles():
    payload = tnef([("报名表.docx".encode("gbk"), FORM), ("成果报告.docx".encode("gbk"), REPORT)])
    result = expand((attachment("winmail.dat", payload, "application/ms-tnef"),))
    assert [(f.filename, f.origin) for f in result.files] == [
        ("报名表.docx", "winmail.dat/报名表.docx"), ("成果报告.docx", "winmail.dat/成果报告.docx")]
    assert result.files[0].payload == FORM


def test_winmail_dat_prefers_the_long_file_name():
    payload = tnef([(b"BAOMIN~1.DOC", FORM)], long_names=["附件2 竞赛活动报名表.docx"])
    result = expand((attachment("winmail.dat", payload, "application/ms-tnef"),))
    assert names(result) == ["附件2 竞赛活动报名表.docx"]


def test_winmail_dat_made_of_tiny_objects_is_refused_quickly():
    # tnefparse copies the rest of the file for every object: quadratic without a guard.
    payload = tnef([]) + struct.pack("<BIIH", 1, 0x00018004, 0, 0) * 200_000
    result = bounded([attachment("winmail.dat", payload, "application/ms-tnef")])
    assert [p.reason for p in result.problems] == [BAD_TNEF]


# ---- through the extract stage ----------------------------------------------

def test_extract_all_reads_unpacked_files_and_names_the_archives_that_failed():
    form = docx_bytes("QC小组活动成果报告")
    locked_zip = raw_zip([Raw(b"a.docx", FORM, flags=0x1, stored=True, packed=zipcrypto(FORM, b"pw"))])
    good = attachment("材料.zip", zip_of({"成果报告.docx": form, "附件/加密.zip": locked_zip}))
    locked = attachment("加密.zip", locked_zip + b"\x00")  # another copy, attached on its own
    documents = extract_all((good, locked)).documents
    by_name = {doc.filename: doc for doc in documents}
    assert set(by_name) == {"成果报告.docx", "材料.zip/附件/加密.zip", "加密.zip"}
    assert by_name["成果报告.docx"].error is None and by_name["成果报告.docx"].sha256 == sha256_hex(form)
    assert by_name["加密.zip"].kind is DocumentKind.OTHER and by_name["加密.zip"].error == ENCRYPTED
    assert by_name["加密.zip"].sha256 == locked.sha256
    assert by_name["材料.zip/附件/加密.zip"].error == ENCRYPTED
