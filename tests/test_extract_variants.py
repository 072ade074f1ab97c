"""Real forms as senders change them: header rows, check boxes, percent cells, marked margins.

Each reading also says how it was found (`Document.provenance`), which is
what lets a rule tell an empty field from one it could not find.
"""
from __future__ import annotations

import hashlib

import pytest

from intake.extractors import extract_document
from intake.extractors.build import to_number
from intake.extractors.checkbox import read_choice
from intake.extractors.pdf_reader import MAX_PAGES
from samples.forms_variants import (CHECKBOX_STYLES, MARGINS, entry_form_checkbox_docx,
                                            entry_form_header_rows_docx, group_registration_header_rows_docx,
                                            pdf_marked_on_last_page, report_marked_in_margin_docx,
                                            statistics_percent_xlsx)
from samples.entries import sample_entry, sample_members
from intake.base.model import Attachment, DocumentKind, Provenance


def read(filename: str, payload: bytes):
    return extract_document(Attachment(filename, "application/octet-stream", payload,
                                       hashlib.sha256(payload).hexdigest()))


# -- header rows ---------------------------------------------------------------------

@pytest.mark.parametrize("seed", [3, 11])
def test_entry_form_in_header_rows_reads_every_field_under_its_label(seed):
    data = sample_entry(seed)
    doc = read("报名表.docx", entry_form_header_rows_docx(data))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.fields["QC小组名称"] == data.group
    assert doc.fields["人数"] == data.members  # written "６人": full-width digits and a unit
    assert (doc.fields["企业名称"], doc.fields["联系人"], doc.fields["电话"]) == (data.enterprise, data.contact,
                                                                            data.phone)
    assert doc.provenance["联系人"] is Provenance.GRID and doc.confident("联系人")
    assert doc.provenance["QC小组简介"] is Provenance.EXACT


def test_blank_cell_under_an_aligned_label_is_a_confident_empty_and_a_renamed_label_is_unknown():
    data = sample_entry(4)
    doc = read("报名表.docx", entry_form_header_rows_docx(data, blank=("电话",), relabel=(("联系人", "经办人"),)))
    assert doc.fields["电话"] == "" and doc.confident("电话")
    assert "联系人" not in doc.fields and not doc.confident("联系人")


def test_group_registration_leader_row_reads_values_beneath_even_a_label_word():
    data = sample_entry(5)
    members = sample_members(data)
    doc = read("登记表.docx", group_registration_header_rows_docx(data, members))
    assert doc.kind is DocumentKind.GROUP_REGISTRATION
    assert (doc.fields["组长姓名"], doc.fields["性别"], doc.fields["职务"]) == (
        members[0]["姓名"], members[0]["性别"], "组长")
    assert doc.fields["小组名称"] == data.group
    assert all(doc.provenance[k] is Provenance.GRID for k in ("组长姓名", "性别", "职务", "小组名称"))
    assert [row["姓名"] for row in doc.rows["成员"]] == [m["姓名"] for m in members]


# -- check boxes ---------------------------------------------------------------------

@pytest.mark.parametrize("style", [s for s in CHECKBOX_STYLES if s not in ("none_ticked", "both_ticked")])
@pytest.mark.parametrize("topic_type", ["问题解决型", "创新型"])
def test_topic_type_check_boxes_read_as_the_ticked_type(style, topic_type):
    data = sample_entry(6, topic_type=topic_type)
    doc = read("报名表.docx", entry_form_checkbox_docx(data, style))
    assert doc.fields["课题类型"] == topic_type
    assert doc.provenance["课题类型"] is Provenance.CHECKBOX


def test_no_tick_reads_empty_and_two_ticks_read_both():
    data = sample_entry(6)
    assert read("a.docx", entry_form_checkbox_docx(data, "none_ticked")).fields["课题类型"] == ""
    assert read("b.docx", entry_form_checkbox_docx(data, "both_ticked")).fields["课题类型"] == "问题解决型、创新型"


@pytest.mark.parametrize("text, ticked, sure", [
    ("☑问题解决型 □创新型", ("问题解决型",), True),
    ("□ 问题解决型　☒ 创新型", ("创新型",), True),
    ("问题解决型✔ 创新型□", ("问题解决型",), True),
    ("问题解决型 创新型√", ("创新型",), True),
    ("√ 问题解决型、创新型", ("问题解决型",), True),
    ("(√)现场型 ( )创新型", ("现场型",), True),
    ("□问题解决型 □创新型", (), True),
    ("■发表评审 □现场评审 ■与QC小组合开", ("发表评审", "与QC小组合开"), True),
    ("√问题解决型创新型", ("问题解决型创新型",), False),   # one word: may be two options run together
    ("问题☑解决型 □创新", (), False),                      # glyphs do not alternate with options
])
def test_check_box_lists_in_the_glyphs_people_type(text, ticked, sure):
    choice = read_choice(text)
    assert choice.sure is sure
    if sure or ticked:
        assert choice.ticked == ticked


def test_text_without_check_boxes_is_not_a_choice():
    assert read_choice("问题解决型") is None and read_choice("创新型（新产品研制）") is None


@pytest.mark.parametrize("text, number", [("6", 6), ("６人", 6), ("12个", 12), ("67.4%", 67.4), ("１２．５万元", 12.5),
                                          ("1,200", 1200), ("6 名", 6)])
def test_numbers_with_units_and_full_width_digits(text, number):
    assert to_number(text) == number


# -- percent cells ---------------------------------------------------------------------

def test_percent_formatted_rates_read_as_the_sheet_shows_them():
    doc = read("统计表.xlsx", statistics_percent_xlsx(0.625, 8, popularity=0.385))
    assert doc.kind is DocumentKind.ACTIVITY_STATISTICS
    assert (doc.fields["QC小组成果率"], doc.fields["QC小组普及率"]) == (62.5, 38.5)
    assert doc.fields["本年度注册QC小组数"] == 8


# -- markings outside the body ----------------------------------------------------------

@pytest.mark.parametrize("where", MARGINS)
def test_marking_in_any_margin_part_reaches_the_document_text_once(where):
    data = sample_entry(8)
    doc = read("成果报告.docx", report_marked_in_margin_docx(data, where, marking="秘密★1年"))
    assert doc.kind is DocumentKind.QC_REPORT
    assert doc.text.count("秘密★1年") == 1
    assert "秘密★1年" in doc.text.splitlines()  # a line of its own, as the confidentiality rule reads lines


def test_pdf_marking_on_a_page_past_the_field_pages_is_read():
    pages = [f"第{n}页 小组活动记录" for n in range(1, MAX_PAGES + 6)]
    doc = read("成果报告.pdf", pdf_marked_on_last_page(pages, marking="绝密★"))
    assert "绝密★" in doc.text.splitlines()
    assert f"第{MAX_PAGES + 5}页 小组活动记录" in doc.text
