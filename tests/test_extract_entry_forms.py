"""附件2 报名表 as enterprises send it: every layout reads back exactly."""
from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document as WordDocument

from intake.extractors import extract_document
from samples.forms import ENTRY_LAYOUTS, entry_form_docx
from samples.entries import EntryFormData, sample_entry
from samples.seals import red_letterhead_png, seal_png
from intake.base.model import Attachment, DocumentKind, Stamp


def attachment(filename: str, payload: bytes) -> Attachment:
    return Attachment(filename, "application/octet-stream", payload,
                      hashlib.sha256(payload).hexdigest())


def expected_fields(data: EntryFormData) -> dict:
    return {"QC小组名称": data.group, "人数": data.members, "课题名称": data.topic,
            "课题类型": data.topic_type, "企业名称": data.enterprise, "邮编": data.postcode,
            "通讯地址": data.address, "联系人": data.contact, "企业内主管部门": data.department,
            "电话": data.phone, "小组活动指导者": data.advisor, "传真": data.fax,
            "QC小组简介": data.intro, "主要活动过程与效果": data.process}


def docx_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
@pytest.mark.parametrize("layout", ENTRY_LAYOUTS)
def test_every_entry_layout_reads_all_fields_exactly(layout, seed):
    data = sample_entry(seed)
    doc = extract_document(attachment("报名表.docx", entry_form_docx(data, layout=layout)))
    assert doc.error is None
    assert doc.kind is DocumentKind.ENTRY_FORM
    got = {k: doc.fields.get(k) for k in expected_fields(data)}
    assert got == expected_fields(data)
    assert isinstance(doc.fields["人数"], int)
    assert doc.source_format == "docx"


@pytest.mark.parametrize("layout", ENTRY_LAYOUTS)
def test_stamped_entry_form_has_seal_present_with_evidence(layout):
    data = sample_entry(3)
    payload = entry_form_docx(data, layout=layout, seal=seal_png(data.enterprise))
    doc = extract_document(attachment("报名表.docx", payload))
    assert doc.stamp is Stamp.PRESENT
    assert doc.stamp_evidence.startswith("word/media/")


@pytest.mark.parametrize("layout", ENTRY_LAYOUTS)
def test_unstamped_entry_form_has_seal_absent(layout):
    doc = extract_document(attachment("报名表.docx", entry_form_docx(sample_entry(4), layout=layout)))
    assert doc.stamp is Stamp.ABSENT


def test_entry_form_with_only_a_red_letterhead_picture_is_not_stamped():
    doc = WordDocument()
    doc.add_picture(io.BytesIO(red_letterhead_png("山西省通信行业协会")))
    doc.add_paragraph("2023年全省全面质量管理成果竞赛活动报名表")
    _official_table(doc, sample_entry(5))
    result = extract_document(attachment("报名表.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.ENTRY_FORM
    assert result.stamp is Stamp.ABSENT


def test_recognised_by_labels_even_when_title_and_file_name_say_nothing():
    data = sample_entry(6)
    doc = WordDocument()
    _official_table(doc, data)
    result = extract_document(attachment("新建 Microsoft Word 文档.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.ENTRY_FORM
    assert result.fields["企业名称"] == data.enterprise


def test_several_label_value_pairs_on_one_line_and_half_width_brackets():
    data = sample_entry(8)
    doc = WordDocument()
    doc.add_paragraph("竞赛活动报名表")
    doc.add_paragraph(f"QC小组名称：{data.group}  人数：{data.members}人")
    doc.add_paragraph(f"课题名称:{data.topic}\u3000课题类型：{data.topic_type}")
    doc.add_paragraph(f"企业名称(以公章为准)：{data.enterprise}  邮政编码：{data.postcode}")
    doc.add_paragraph(f"联 系 人：{data.contact}  联系电话：{data.phone}")
    result = extract_document(attachment("x.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.ENTRY_FORM
    assert result.fields["QC小组名称"] == data.group
    assert result.fields["人数"] == data.members
    assert result.fields["课题名称"] == data.topic
    assert result.fields["课题类型"] == data.topic_type
    assert result.fields["企业名称"] == data.enterprise
    assert result.fields["邮编"] == data.postcode
    assert result.fields["联系人"] == data.contact
    assert result.fields["电话"] == data.phone


def test_merged_value_cells_are_read_once():
    data = sample_entry(9)
    doc = WordDocument()
    doc.add_paragraph("2023年全省全面质量管理成果竞赛活动报名表")
    table = doc.add_table(rows=2, cols=4)
    table.cell(0, 0).text = "QC小组名称"
    table.cell(0, 1).merge(table.cell(0, 3)).text = data.group
    table.cell(1, 0).text = "课题名称"
    table.cell(1, 1).merge(table.cell(1, 3)).text = data.topic
    result = extract_document(attachment("报名表.docx", docx_bytes(doc)))
    assert result.fields["QC小组名称"] == data.group
    assert result.fields["课题名称"] == data.topic


def test_empty_official_form_reads_labels_with_empty_values():
    doc = WordDocument()
    doc.add_paragraph("2023年全省全面质量管理成果竞赛活动报名表")
    _official_table(doc, None)
    result = extract_document(attachment("报名表.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.ENTRY_FORM
    assert result.fields["QC小组名称"] == ""
    assert result.fields["人数"] == ""
    assert result.fields["QC小组简介"] == ""


def test_document_text_keeps_table_and_paragraph_text():
    data = sample_entry(10)
    doc = extract_document(attachment("报名表.docx", entry_form_docx(data)))
    assert data.enterprise in doc.text
    assert "竞赛活动报名表" in doc.text.replace(" ", "")


def _official_table(doc, data: EntryFormData | None) -> None:
    """The notice's 附件2 table built by hand; None leaves every value empty."""
    rows = [("QC小组名称", "人数"), ("课题名称", "课题类型"), ("企业名称（以公章为准）", "邮编"),
            ("通讯地址", "联系人"), ("企业内主管部门", "电话"), ("小组活动指导者", "传真")]
    values = list(expected_fields(data).values()) if data else [""] * 14
    table = doc.add_table(rows=8, cols=4)
    for i, (left, right) in enumerate(rows):
        table.cell(i, 0).text, table.cell(i, 2).text = left, right
        table.cell(i, 1).text, table.cell(i, 3).text = str(values[2 * i]), str(values[2 * i + 1])
    table.cell(6, 0).merge(table.cell(6, 3)).text = f"QC小组简介：{values[12]}"
    table.cell(7, 0).merge(table.cell(7, 3)).text = f"主要活动过程与效果：{values[13]}"


def _without_main_content_type(payload: bytes) -> bytes:
    """As some WPS versions save: no Override for word/document.xml, which
    both python-docx and LibreOffice refuse."""
    import re
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = re.sub(rb'<Override PartName="/word/document.xml"[^>]*/>', b"", data)
            dst.writestr(info, data)
    return out.getvalue()


def test_docx_python_docx_refuses_is_read_from_the_package():
    data = sample_entry(15)
    payload = _without_main_content_type(entry_form_docx(data, seal=seal_png(data.enterprise)))
    doc = extract_document(attachment("报名表.docx", payload))
    assert doc.error is None
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert {k: doc.fields.get(k) for k in expected_fields(data)} == expected_fields(data)
    assert doc.stamp is Stamp.PRESENT
