"""intake.extractors.sniff: what a file really is, from its bytes; the name only breaks ties."""
from __future__ import annotations

import io
import zipfile

from intake.extractors.sniff import sniff
from samples.forms import statistics_xlsx
from samples.scans import scan_pdf
from tests.readings import entry, entry_form, seal


def test_word_form_renamed_wps_is_still_docx():
    assert sniff(entry_form(entry()), "报名表.wps") == "docx"
    assert sniff(entry_form(entry()), "报名表.doc") == "docx"


def test_sheet_and_pdf_and_picture_are_told_by_their_bytes():
    assert sniff(statistics_xlsx(), "统计表.xls") == "xlsx"
    assert sniff(seal(entry().enterprise), "公章.jpg") == "png"
    assert sniff(scan_pdf([seal(entry().enterprise)]), "报名表扫描件") == "pdf"


def test_empty_and_truncated_files_are_named_as_such():
    assert sniff(b"", "报名表.docx") == "empty"
    form = entry_form(entry())
    assert sniff(form[: len(form) // 3], "报名表.docx") == "broken-zip"
    assert sniff(b"\x00\x01garbage that is no office file", "报名表.docx") == "unknown"


def test_word_web_page_saved_as_doc_is_html_and_rtf_is_rtf():
    assert sniff("<html><body><p>报名表</p></body></html>".encode("gb18030"), "报名表.doc") == "html"
    assert sniff(b"{\\rtf1\\ansi\\ansicpg936 QC}", "报名表.doc") == "rtf"


def test_document_declaring_a_dtd_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(entry_form(entry()))) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY x "QC">]>', 1)
            out.writestr(info, data)
    assert sniff(buf.getvalue(), "报名表.docx") == "xml-dtd"
