"""intake.extractors.read: one attachment in, one Document out; a file that cannot be read says why."""
from __future__ import annotations

from intake.extractors.read import CORRUPT, EMPTY, UNSUPPORTED
from samples.forms import statistics_xlsx
from intake.base.model import DocumentKind, Provenance, Recognition, Stamp
from tests.readings import entry, entry_form, pptx, read, report, seal


def test_stamped_word_entry_form_becomes_a_typed_document():
    data = entry()
    doc = read("报名表.docx", entry_form(data))
    assert (doc.kind, doc.stamp, doc.source_format, doc.error) == (DocumentKind.ENTRY_FORM, Stamp.PRESENT, "docx", None)
    assert doc.fields["人数"] == data.members  # a number, not text
    assert doc.fields["课题名称"] == data.topic
    assert doc.provenance["课题名称"] is Provenance.EXACT and doc.confident("课题名称")
    assert doc.recognised_by is not None and doc.stamp_evidence


def test_unstamped_form_and_report_are_told_apart():
    data = entry()
    assert read("a.docx", entry_form(data, stamped=False)).stamp is Stamp.ABSENT
    doc = read("成果.docx", report(data))
    assert doc.kind is DocumentKind.QC_REPORT and data.topic in doc.text


def test_sheet_and_slides_are_read_by_their_own_readers():
    assert read("附件7.xlsx", statistics_xlsx()).kind is DocumentKind.ACTIVITY_STATISTICS
    slides = read("发表.pptx", pptx([["绿色机房QC小组"]]))
    assert (slides.kind, slides.text) == (DocumentKind.PRESENTATION, "绿色机房QC小组")


def test_photo_of_a_seal_named_as_the_form_is_a_stamped_scan():
    doc = read("报名表盖章页.png", seal(entry().enterprise))
    assert (doc.kind, doc.stamp, doc.recognised_by) == (DocumentKind.ENTRY_FORM, Stamp.PRESENT, Recognition.FILE_NAME)
    assert not doc.fields


def test_files_that_cannot_be_read_say_what_the_sender_can_do():
    form = entry_form(entry())
    assert read("报名表.docx", b"").error == EMPTY
    assert read("报名表.docx", form[:4000]).error == CORRUPT
    odd = read("报名.exe", b"MZ\x90\x00 not a document")
    assert odd.error == UNSUPPORTED.format(ext=".exe")
    assert "不支持的文件类型（.exe）" in odd.error
