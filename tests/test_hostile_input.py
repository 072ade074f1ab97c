"""Hostile and broken mail through the whole pipeline: a finding or a quarantine, never a crash.

Each case goes through `Pipeline.accept` + `Pipeline.process`, the way the
service runs it, and asserts what the secretariat and the sender would see.
The time bounds are sanity guards against a hang, not benchmarks. Zip bombs
are covered in test_unpack.py, and the extractor-level broken files in
test_extract_broken_files.py.
"""
from __future__ import annotations

import base64
import email
import io
import os
import re
import resource
import time
import zipfile
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlmodel import select

from intake.base.config import load_settings
from intake.extractors.docx_reader import read_docx, read_docx_package
from intake.extractors.isolate import ParseLimitExceeded, run_limited
from samples.forms import entry_form_docx, statistics_xlsx
from samples.entries import sample_entry
from intake.mime.parse import file_received_time, parse_mail
from intake.run.pipeline import Pipeline
from store.models import StoredDocument
from tests.configs import write_config
from tests.test_extract_broken_files import encrypted_ooxml

SENDER = "张伟 <zhangwei@example.com>"
LIMIT_SECONDS = 30
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
    + "]>"
)


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path)))
    yield pipe
    pipe.store.close()


def feed(pipeline: Pipeline, raw: bytes, limit: float = LIMIT_SECONDS) -> dict:
    """Accept and process one raw message, within the sanity bound."""
    started = time.monotonic()
    message, _ = pipeline.accept(raw, account="test", folder="INBOX", received_at=file_received_time(raw))
    outcome = pipeline.process(message)
    assert time.monotonic() - started < limit
    return outcome


def submission(*files: tuple[str, bytes], subject: str = "QC小组成果报名材料", sender: str = SENDER) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "qc@sxcia.example", subject
    msg["Message-ID"] = f"<{os.urandom(6).hex()}@example.com>"
    msg["Date"] = "Mon, 27 Feb 2023 10:00:00 +0800"
    msg.set_content("您好，附件是我单位的报名材料，请查收。")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def problems(outcome: dict) -> dict[str, str]:
    """Document (or None) → the detail of its UNREADABLE_DOCUMENT / MANUAL_REVIEW finding."""
    return {f["document"]: f["detail"] for f in outcome["deficiencies"] + outcome["review_flags"]
            if f["code"] in ("UNREADABLE_DOCUMENT", "MANUAL_REVIEW")}


def stored_documents(pipeline: Pipeline) -> list[StoredDocument]:
    with pipeline.store.session() as s:
        return list(s.exec(select(StoredDocument)))


def with_part(package: bytes, member: str, xml: bytes) -> bytes:
    """The same zip package with one member's content replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == member else src.read(info.filename))
    return out.getvalue()


def docx_body(text_xml: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body><w:p><w:r><w:t>附件2 报名表 {text_xml}</w:t></w:r></w:p></w:body></w:document>').encode()


# -- libraries ------------------------------------------------------------

def test_installed_parsers_have_their_known_holes_closed():
    import importlib.metadata

    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # openpyxl refuses entities only with defusedxml installed
    assert int(importlib.metadata.version("pdfminer.six")) >= 20251107  # CVE-2025-64512


# -- XML inside Office files ------------------------------------------------

def test_entity_bomb_in_docx_is_never_expanded(pipeline):
    bomb = with_part(entry_form_docx(sample_entry(1)), "word/document.xml", docx_body("&lol9;", BILLION_LAUGHS))
    outcome = feed(pipeline, submission(("报名表.docx", bomb)))
    assert outcome["classification"] == "submission"
    assert "不允许的 XML 声明" in problems(outcome)["报名表.docx"]
    [doc] = stored_documents(pipeline)
    assert "lollollol" not in doc.text


def test_entity_bomb_in_xlsx_sheet_is_refused_not_expanded(pipeline):
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS
             + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    bomb = with_part(statistics_xlsx(), "xl/worksheets/sheet1.xml", sheet.encode())
    outcome = feed(pipeline, submission(("活动统计表.xlsx", bomb)))
    [doc] = stored_documents(pipeline)
    assert doc.error and "lollollol" not in doc.text
    assert problems(outcome)["活动统计表.xlsx"] == doc.error


def test_external_entity_in_docx_never_reads_local_files(pipeline):
    xxe = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    evil = with_part(entry_form_docx(sample_entry(2)), "word/document.xml", docx_body("&xxe;", xxe))
    outcome = feed(pipeline, submission(("报名表.docx", evil)))
    assert "root:" not in repr(outcome)
    assert all("root:" not in (doc.text or "") for doc in stored_documents(pipeline))
    # Behind the refusal, the readers themselves never resolve an entity either.
    for read in (read_docx, read_docx_package):
        assert "root:" not in repr(read(evil).blocks)


def test_docx_whose_body_unzips_to_hundreds_of_mb_is_refused_before_parsing(pipeline):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w") as member:
            for _ in range(12):  # 192 MB of spaces: under the whole-file limit, far over any form's body
                member.write(b" " * (16 << 20))
    outcome = feed(pipeline, submission(("报名表.docx", out.getvalue())))
    assert "过大" in problems(outcome)["报名表.docx"]


# -- sizes ------------------------------------------------------------------

def test_hundred_mb_attachment_is_archived_and_reported_within_bounded_memory(pipeline):
    payload = os.urandom(1 << 20) * 100  # 100 MB, random-looking, no known format
    raw = submission(("成果报告.pdf", payload))
    del payload
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    outcome = feed(pipeline, raw, limit=90)  # ~20 s here: the standard library parses 135 MB of MIME
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert "损坏" in problems(outcome)["成果报告.pdf"]
    [doc] = stored_documents(pipeline)
    assert (pipeline.archive.root / doc.archive_path).stat().st_size == 100 << 20
    assert grown_mb < 1536, f"peak RSS grew by {grown_mb:.0f} MB"


# -- PDFs -------------------------------------------------------------------

def pdf(*objects: bytes, root: int = 1) -> bytes:
    """A PDF with a correct xref table, so the reader follows the objects as written."""
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    body += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return body


def test_pdf_whose_page_tree_points_at_itself_is_reported(pipeline):
    cyclic = pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>")
    outcome = feed(pipeline, submission(("成果报告.pdf", cyclic)))
    assert outcome["classification"] in ("submission", "inquiry")
    assert "成果报告.pdf" in problems(outcome)


def test_pdf_declaring_a_huge_stream_is_reported(pipeline):
    huge = pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length 99999999999 /Filter /FlateDecode >>\nstream\n"
               + zipfile._get_compressor(zipfile.ZIP_DEFLATED).compress(b"") + b"\nendstream")
    outcome = feed(pipeline, submission(("成果报告.pdf", huge)))
    assert outcome["classification"] in ("submission", "inquiry")


# -- locked files -------------------------------------------------------------

def test_password_protected_docx_and_xlsx_are_named_in_the_notice(pipeline):
    outcome = feed(pipeline, submission(("报名表.docx", encrypted_ooxml()), ("活动统计表.xlsx", encrypted_ooxml())))
    found = problems(outcome)
    assert "加密" in found["报名表.docx"] and "加密" in found["活动统计表.xlsx"]
    assert outcome["verdict"] == "deficient"


# -- names and headers ------------------------------------------------------

def raw_mail(headers: list[bytes], parts: list[tuple[bytes, bytes]], body: str = "附件是报名材料。") -> bytes:
    """A multipart mail written byte by byte: (Content-Disposition filename bytes, payload) per part."""
    boundary = b"----=_b0undary"
    out = [*headers, b"MIME-Version: 1.0",
           b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"", b"--" + boundary,
           b"Content-Type: text/plain; charset=utf-8", b"", body.encode(), b""]
    for name, payload in parts:
        out += [b"--" + boundary, b"Content-Type: application/octet-stream",
                b'Content-Disposition: attachment; filename="' + name + b'"',
                b"Content-Transfer-Encoding: base64", b"", base64.encodebytes(payload), b""]
    out.append(b"--" + boundary + b"--")
    return b"\r\n".join(out) + b"\r\n"


ENVELOPE = [b"From: =?utf-8?b?5byg5Lyf?= <zhangwei@example.com>", b"To: qc@sxcia.example",
            b"Subject: QC\xe5\xb0\x8f\xe7\xbb\x84\xe6\x8a\xa5\xe5\x90\x8d", b"Message-ID: <names@example.com>",
            b"Date: Mon, 27 Feb 2023 10:00:00 +0800"]
HOSTILE_NAMES = [b"../../../../etc/cron.d/x.docx", b"/etc/passwd", b"C:\\\\Windows\\\\x.docx",
                 b"\xe6\x8a\xa5\xe5\x90\x8d\x00\x01\x1b[31m.docx",
                 b"=?utf-8?b?" + base64.b64encode("报名表\r\nBcc: a@evil.example\x07.docx".encode()) + b"?="]


def test_hostile_attachment_names_stay_inside_the_archive_and_lose_control_characters(pipeline):
    form = entry_form_docx(sample_entry(3))
    parts = [(name, form + bytes([i])) for i, name in enumerate(HOSTILE_NAMES)]
    outcome = feed(pipeline, raw_mail(ENVELOPE, parts))
    root = pipeline.archive.root.resolve()
    stored = stored_documents(pipeline)
    assert len(stored) == len(HOSTILE_NAMES)
    for doc in stored:
        path = (root / doc.archive_path).resolve()
        assert path.is_relative_to(root) and path.is_file()
        assert not CONTROL.search(doc.filename)
    assert all(not CONTROL.search(d["filename"]) for d in outcome["documents"])
    assert not Path("/etc/cron.d/x.docx").exists()


def test_control_characters_and_line_breaks_in_headers_add_no_header_to_the_reply(pipeline):
    injected = base64.b64encode("李\r\nBcc: victim@evil.example\r\nX-Injected: yes".encode()).decode()
    subject = base64.b64encode("QC报名\r\nBcc: victim@evil.example\x00\x1b".encode()).decode()
    headers = [f"From: =?utf-8?b?{injected}?= <zhangwei@example.com>".encode(), b"To: qc@sxcia.example",
               f"Subject: =?utf-8?b?{subject}?= \x00\x01".encode(),
               b"Message-ID: <hdr@example.com>\x00", b"In-Reply-To: <x@y>\x0bX-Injected: yes",
               b"Date: Mon, 27 Feb 2023 10:00:00 +0800"]
    outcome = feed(pipeline, raw_mail(headers, [("报名表.docx".encode(), entry_form_docx(sample_entry(4)))]))
    assert outcome["classification"] == "submission"
    [reply] = pipeline.store.all_replies()
    sent = email.message_from_bytes(reply.raw, policy=default_policy)
    assert "Bcc" not in sent and "X-Injected" not in sent
    assert set(sent.keys()) <= {"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                                "Auto-Submitted", "X-Auto-Response-Suppress", "MIME-Version", "Content-Type"}
    assert [a.addr_spec for a in sent["To"].addresses] == ["zhangwei@example.com"]
    assert not CONTROL.search(str(sent["Subject"])) and not CONTROL.search(str(sent["To"]))


def test_encoded_display_name_cannot_change_the_reply_address():
    smuggled = base64.b64encode(b"victim@evil.example, ").decode()
    raw = (f"From: =?utf-8?b?{smuggled}?= <zhangwei@example.com>\r\nSubject: x\r\n\r\nbody\r\n").encode()
    mail = parse_mail(raw)
    assert mail.sender == "zhangwei@example.com"
    assert mail.sender_name == "victim@evil.example,"


# -- structure ----------------------------------------------------------------

def test_mail_with_five_thousand_parts_is_bounded_and_sent_to_a_person(pipeline):
    parts = [(f"file{i}.txt".encode(), b"x%d" % i) for i in range(5000)]
    outcome = feed(pipeline, raw_mail(ENVELOPE, parts))
    detail = " ".join(problems(outcome).values())
    assert outcome["classification"] == "unreadable" and "5002 个部分" in detail


def test_forwards_nested_thirty_deep_are_bounded(pipeline):
    inner = submission(("报名表.docx", entry_form_docx(sample_entry(5))))
    for level in range(30):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = SENDER, "qc@sxcia.example", f"Fw: 报名 {level}"
        msg.set_content("转发")
        msg.add_attachment(email.message_from_bytes(inner))
        inner = msg.as_bytes()
    outcome = feed(pipeline, inner)
    assert outcome["classification"] in ("submission", "inquiry", "unreadable")


# -- parsing in a child process ---------------------------------------------

def test_parse_that_hangs_is_stopped_at_its_time_limit():
    started = time.monotonic()
    with pytest.raises(ParseLimitExceeded):
        run_limited(time.sleep, 30, seconds=1, memory=256 << 20)
    assert time.monotonic() - started < 5


def test_parse_that_balloons_is_stopped_at_its_memory_limit():
    with pytest.raises(MemoryError):
        run_limited(bytearray, 4 << 30, seconds=20, memory=256 << 20)


def test_parse_result_and_errors_come_back_from_the_child():
    assert run_limited(sum, [1, 2, 3], seconds=10, memory=256 << 20) == 6
    with pytest.raises(ZeroDivisionError):
        run_limited(divmod, 1, 0, seconds=10, memory=256 << 20)


# -- bytes no codec reads whole -------------------------------------------------------------

def test_cut_utf8_in_subject_sender_and_file_names_is_read_and_stored_on_every_store(tmp_path, store_url):
    from samples.forms import qc_report_docx
    from samples.mails_raw import odd_mail
    from samples.seals import seal_png
    from store.models import Message

    data = sample_entry(230)
    files = [("附件2报名表.docx", entry_form_docx(data, seal=seal_png(data.enterprise))),
             (f"{data.topic}成果报告.docx", qc_report_docx(data, images=0))]
    # A client that shortens raw UTF-8 headers and names by bytes: each ends in half a character.
    raw = odd_mail(sender=data.sender, sender_name="王志强", subject=f"{data.enterprise}报名材料",
                   text="附件是报名表和成果报告，请查收。", header_style="raw", header_codec="utf-8",
                   body_label="utf-8", body_codec="utf-8", name_style="raw", name_codec="utf-8", cut=1,
                   attachments=files)
    pipeline = Pipeline.open(load_settings(write_config(tmp_path, store_url=store_url)))
    try:
        outcome = feed(pipeline, raw)

        assert outcome["classification"] == "submission" and outcome["submissions"]
        assert outcome["subject"] == f"{data.enterprise}报名材\ufffd"
        assert [d["filename"] for d in outcome["documents"]] == ["附件2报名\ufffd.docx", f"{data.topic}成果报\ufffd.docx"]
        assert outcome["reply"]["to"] == data.sender
        assert parse_mail(raw).sender_name == "王志\ufffd"
        with pipeline.store.session() as s:
            [message] = s.exec(select(Message)).all()
        assert message.subject == outcome["subject"] and message.outcome["subject"] == outcome["subject"]
        assert sorted(d.filename for d in stored_documents(pipeline)) == sorted(
            d["filename"] for d in outcome["documents"])
    finally:
        pipeline.store.close()


def test_header_bytes_kept_as_lone_surrogates_never_reach_the_product():
    from intake.mime.parse import decode_header_value

    cut = "报名".encode() + b"\xe6\x9d"  # 报名 and half of 材
    assert decode_header_value(cut.decode("utf-8", "surrogateescape") + ".docx") == "报名\ufffd.docx"
    gbk = "报名表".encode("gbk").decode("utf-8", "surrogateescape")
    assert decode_header_value(gbk) == "报名表"
    # An encoded word beside raw bytes is decoded too, never shown as =?utf-8?…?= or \\u escapes.
    assert decode_header_value("=?utf-8?b?5oql5ZCN?= " + "材料".encode().decode("utf-8", "surrogateescape")) \
        == "报名 材料"
