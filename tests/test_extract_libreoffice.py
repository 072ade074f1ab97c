"""Legacy formats through LibreOffice headless: .doc, .wps in disguise, .xls, PDF; and
the office each process keeps running for them (intake/extractors/convert.py).

Slower (a LibreOffice start costs about a second), so marked `slow`; they
still run by default.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from intake.extractors import convert as convert_module, extract_document
from intake.extractors.convert import ConversionError, convert
from samples.forms import entry_form_docx, statistics_xlsx
from samples.entries import sample_entry
from samples.seals import seal_png
from intake.base.model import Attachment, DocumentKind, Stamp

# scripts/test.sh installs LibreOffice: a missing soffice must fail, not skip.
pytestmark = pytest.mark.slow


def attachment(filename: str, payload: bytes) -> Attachment:
    return Attachment(filename, "application/octet-stream", payload,
                      hashlib.sha256(payload).hexdigest())


def expected(data) -> dict:
    return {"QC小组名称": data.group, "人数": data.members, "课题名称": data.topic,
            "课题类型": data.topic_type, "企业名称": data.enterprise, "邮编": data.postcode,
            "通讯地址": data.address, "联系人": data.contact, "电话": data.phone,
            "小组活动指导者": data.advisor, "QC小组简介": data.intro,
            "主要活动过程与效果": data.process}


@pytest.fixture(scope="module")
def stamped_doc():
    """A fixture 报名表 saved by LibreOffice as Word 97 (.doc)."""
    data = sample_entry(11)
    docx = entry_form_docx(data, seal=seal_png(data.enterprise))
    return data, convert(docx, "docx", "doc")


def test_doc_reads_back_its_fields_and_seal(stamped_doc):
    data, payload = stamped_doc
    doc = extract_document(attachment("报名表.doc", payload))
    assert doc.error is None
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.source_format == "doc"
    assert {k: doc.fields.get(k) for k in expected(data)} == expected(data)
    assert doc.stamp is Stamp.PRESENT


def test_wps_that_is_a_doc_inside_reads_like_the_doc(stamped_doc):
    data, payload = stamped_doc
    doc = extract_document(attachment("报名表.wps", payload))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.fields["企业名称"] == data.enterprise


def test_wps_that_is_a_docx_inside_reads_directly():
    data = sample_entry(12)
    doc = extract_document(attachment("报名表.wps", entry_form_docx(data, layout="wps_style")))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.source_format == "docx"
    assert doc.fields["QC小组名称"] == data.group


def test_xls_statistics_table_reads_through_xlrd():
    payload = convert(statistics_xlsx({"本年度QC小组成果率": 66.7}), "xlsx", "xls")
    doc = extract_document(attachment("统计表.xls", payload))
    assert doc.kind is DocumentKind.ACTIVITY_STATISTICS
    assert doc.source_format == "xls"
    assert doc.fields["QC小组成果率"] == 66.7
    assert doc.fields["本年度注册QC小组数"] == 268


def test_pdf_printed_from_word_reads_fields_and_finds_the_seal():
    data = sample_entry(13)
    pdf = convert(entry_form_docx(data, seal=seal_png(data.enterprise)), "docx", "pdf")
    doc = extract_document(attachment("报名表.pdf", pdf))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.stamp is Stamp.PRESENT
    assert doc.fields["企业名称"] == data.enterprise
    assert doc.fields["课题名称"] == data.topic
    assert doc.fields["人数"] == data.members


def test_rtf_saved_as_doc_goes_through_libreoffice():
    data = sample_entry(14)
    rtf = convert(entry_form_docx(data), "docx", "rtf")
    doc = extract_document(attachment("报名表.doc", rtf))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.source_format == "rtf"
    assert doc.fields["联系人"] == data.contact


def test_conversion_that_cannot_finish_in_time_is_killed():
    with pytest.raises(ConversionError):
        convert(entry_form_docx(sample_entry(1)), "docx", "doc", timeout=0.01)



def office_pid() -> int:
    office = convert_module._office()
    assert office is not None and office.process is not None, "install python3-uno (scripts/test.sh does)"
    return office.process.pid


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def read_back(payload: bytes) -> dict:
    return extract_document(attachment("报名表.doc", payload)).fields


def test_conversions_go_through_one_running_office(stamped_doc):
    data, payload = stamped_doc
    assert read_back(payload)["企业名称"] == data.enterprise
    first = office_pid()
    assert read_back(payload)["联系人"] == data.contact
    assert office_pid() == first and alive(first)


def test_an_office_that_died_is_replaced(stamped_doc):
    data, payload = stamped_doc
    read_back(payload)
    dead = office_pid()
    os.killpg(dead, signal.SIGKILL)
    assert read_back(payload)["企业名称"] == data.enterprise  # one-shot, this time
    assert read_back(payload)["企业名称"] == data.enterprise  # a new office
    assert office_pid() != dead and not alive(dead)


def test_a_long_running_office_is_started_afresh(stamped_doc, monkeypatch):
    data, payload = stamped_doc
    monkeypatch.setattr(convert_module, "MAX_CONVERSIONS", 2)
    convert_module._office().stop()
    read_back(payload)
    first = office_pid()
    read_back(payload)
    assert office_pid() == first
    assert read_back(payload)["企业名称"] == data.enterprise
    assert office_pid() != first and not alive(first)


def test_after_a_timeout_the_next_conversion_works(stamped_doc):
    data, payload = stamped_doc
    with pytest.raises(ConversionError):
        convert(payload, "doc", "docx", timeout=0.01)
    assert read_back(payload)["企业名称"] == data.enterprise


def converting_worker(payload: bytes) -> tuple[int, int]:
    """In a pool worker: convert once, then tell the worker's and its office's pids."""
    convert(payload, "doc", "docx")
    return os.getpid(), office_pid()


@pytest.mark.parametrize("ending", ["shut down", "killed"])
def test_an_office_ends_with_its_worker(stamped_doc, ending):
    _, payload = stamped_doc
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    worker, office = pool.submit(converting_worker, payload).result(timeout=120)
    assert alive(office)
    if ending == "killed":  # as the pipeline kills a stuck worker (intake/run/prepare.py)
        os.kill(worker, signal.SIGKILL)
    pool.shutdown(wait=True)
    deadline = time.monotonic() + 10
    while alive(office) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(office)
