"""附件3/5/7/8, the results report, scans and presentations are told apart and read."""
from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document as WordDocument

from intake.extractors import extract_document
from samples.forms import (enterprise_nomination_docx, entry_form_lines,
                                   group_registration_docx, qc_report_docx, statistics_xlsx,
                                   summary_docx)
from samples.entries import (enterprise_story, sample_entries, sample_entry,
                                     sample_members)
from samples.seals import scan_of_form_png, scan_pdf, seal_png
from intake.base.model import Attachment, DocumentKind, Stamp


def attachment(filename: str, payload: bytes) -> Attachment:
    return Attachment(filename, "application/octet-stream", payload,
                      hashlib.sha256(payload).hexdigest())


def docx_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_group_registration_reads_member_rows_as_a_list(seed):
    data = sample_entry(seed)
    members = sample_members(data)
    payload = group_registration_docx(data, members, seal=seal_png(data.enterprise))
    doc = extract_document(attachment("QC小组注册登记表.docx", payload))
    assert doc.kind is DocumentKind.GROUP_REGISTRATION
    assert doc.stamp is Stamp.PRESENT
    assert doc.fields["小组名称"] == data.group
    assert doc.fields["课题类型"] == data.topic_type
    assert doc.fields["组长姓名"] == members[0]["姓名"]
    assert doc.rows["成员"] == [
        {"姓名": m["姓名"], "年龄": m["年龄"], "职务或职称": m["职务（或职称）"],
         "分工": m["成员分工情况"]} for m in members]


def test_unstamped_group_registration_is_absent():
    data = sample_entry(3)
    doc = extract_document(attachment("登记表.docx",
                                      group_registration_docx(data, sample_members(data))))
    assert doc.kind is DocumentKind.GROUP_REGISTRATION
    assert doc.stamp is Stamp.ABSENT


def test_enterprise_nomination_fields_and_seal():
    data = sample_entry(4)
    story = enterprise_story(data.enterprise)
    payload = enterprise_nomination_docx(data.enterprise, data.phone, data.address,
                                         data.postcode, story, seal=seal_png(data.enterprise))
    doc = extract_document(attachment("优秀企业.docx", payload))
    assert doc.kind is DocumentKind.ENTERPRISE_NOMINATION
    assert doc.stamp is Stamp.PRESENT
    assert doc.fields["企业名称"] == data.enterprise
    assert doc.fields["电话"] == data.phone
    assert doc.fields["通讯地址"] == data.address
    assert doc.fields["邮编"] == data.postcode
    assert doc.fields["经验事迹简介"] == story


def test_statistics_xlsx_is_activity_statistics_with_numbers():
    doc = extract_document(attachment("统计表.xlsx", statistics_xlsx({"本年度QC小组成果率": 80.5})))
    assert doc.kind is DocumentKind.ACTIVITY_STATISTICS
    assert doc.stamp is None
    assert doc.source_format == "xlsx"
    assert doc.fields["QC小组成果率"] == 80.5
    assert doc.fields["QC小组普及率"] == 12.6
    assert doc.fields["本年度注册QC小组数"] == 268
    assert doc.fields["成果发表会次数"] == 3
    assert doc.fields["培训交流次数与人数"] == "4/236"
    assert doc.fields["电子邮箱"] == "sxqc2023@163.com"


def test_summary_reads_the_four_sections():
    entries = sample_entries(6, seed=2)
    doc = extract_document(attachment("推荐汇总表.docx", summary_docx(entries)))
    assert doc.kind is DocumentKind.NOMINATION_SUMMARY
    results = doc.rows["优秀质量管理小组活动成果"]
    assert [(r["企业名称"], r["小组名称"], r["小组人数"]) for r in results] == [
        (e.enterprise, e.group, e.members) for e in entries]
    assert doc.rows["质量管理小组活动优秀企业"] == []
    assert doc.rows["质量管理小组活动优秀推进者"] == []
    assert doc.rows["质量信得过班组"] == []


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_results_report_is_a_qc_report_with_its_topic(seed):
    data = sample_entry(seed)
    doc = extract_document(attachment("QC成果.docx", qc_report_docx(data)))
    assert doc.kind is DocumentKind.QC_REPORT
    assert doc.stamp is None
    assert doc.fields["课题名称"] == data.topic
    assert "现状调查" in doc.text or "提出方案" in doc.text


def test_report_with_one_step_is_still_a_report_not_a_registration_form():
    data = sample_entry(0)
    doc = extract_document(attachment("成果.docx", qc_report_docx(data, steps=("现状调查",))))
    assert doc.kind is DocumentKind.QC_REPORT


def test_report_marking_stays_in_text_and_out_of_the_topic():
    data = sample_entry(2)
    doc = extract_document(attachment("成果.docx", qc_report_docx(data, marking="秘密★1年")))
    assert doc.fields["课题名称"] == data.topic
    assert "秘密★1年" in doc.text


def test_report_without_a_topic_table_takes_its_title_paragraph():
    doc = WordDocument()
    doc.add_paragraph("降低基站退服时长")
    doc.add_paragraph("某某通信有限公司")
    doc.add_paragraph("网络维护QC小组")
    for step in ("选择课题", "现状调查", "原因分析", "要因确认", "对策实施", "效果检查"):
        doc.add_paragraph(step)
        doc.add_paragraph("小组成员对数据进行了统计分析。" * 10)
    result = extract_document(attachment("成果.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.QC_REPORT
    assert result.fields["课题名称"] == "降低基站退服时长"


def test_image_named_as_entry_form_scan_is_that_form_with_its_stamp():
    data = sample_entry(5)
    png = scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise))
    doc = extract_document(attachment("报名表扫描件.png", png))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.stamp is Stamp.PRESENT
    assert doc.fields == {}


def stamped_letter(data) -> list[str]:
    """A stamped page that is none of the forms (OCR reads it, matches nothing)."""
    return ["情况说明", f"兹证明{data.group}为我单位正式注册的QC小组，特此说明。", "",
            f"{'　' * 17}单位（章）　　2023年2月20日"]


def test_unnamed_photo_is_a_scan():
    # An unnamed photo of a form is matched by OCR (tests/test_ocr.py); of anything else, a scan.
    data = sample_entry(5)
    png = scan_of_form_png(stamped_letter(data), seal=seal_png(data.enterprise))
    doc = extract_document(attachment("IMG_20230220_1012.png", png))
    assert doc.kind is DocumentKind.SCAN
    assert doc.stamp is Stamp.PRESENT


def test_scanned_pdf_without_text_is_a_scan_with_its_stamp():
    data = sample_entry(6)
    pdf = scan_pdf([scan_of_form_png(stamped_letter(data), seal=seal_png(data.enterprise))])
    doc = extract_document(attachment("扫描件.pdf", pdf))
    assert doc.kind is DocumentKind.SCAN
    assert doc.stamp is Stamp.PRESENT
    assert doc.source_format == "pdf"


def test_scanned_pdf_named_as_entry_form_is_the_entry_form():
    data = sample_entry(6)
    pdf = scan_pdf([scan_of_form_png(entry_form_lines(data), seal=None)])
    doc = extract_document(attachment("2023竞赛活动报名表（盖章）.pdf", pdf))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.stamp is not Stamp.PRESENT


def test_word_file_holding_only_a_scanned_picture_is_judged_by_its_picture():
    data = sample_entry(7)
    doc = WordDocument()
    doc.add_picture(io.BytesIO(scan_of_form_png(entry_form_lines(data),
                                                seal=seal_png(data.enterprise))))
    result = extract_document(attachment("报名表.docx", docx_bytes(doc)))
    assert result.kind is DocumentKind.ENTRY_FORM
    assert result.stamp is Stamp.PRESENT


def test_presentation_by_format():
    result = extract_document(attachment("发表材料.pptx", _pptx_bytes()))
    assert result.kind is DocumentKind.PRESENTATION
    assert result.error is None
    assert "降低基站退服时长" in result.text


def _pptx_bytes() -> bytes:
    """A minimal real .pptx package: one slide with one title."""
    import zipfile
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("ppt/presentation.xml", f'<p:presentation xmlns:p="{p}"/>')
        z.writestr("ppt/slides/slide1.xml",
                   f'<p:sld xmlns:p="{p}" xmlns:a="{a}"><p:cSld><p:spTree><p:sp><p:txBody>'
                   f'<a:p><a:r><a:t>降低基站退服时长</a:t></a:r></a:p></p:txBody></p:sp>'
                   f'</p:spTree></p:cSld></p:sld>')
    return buf.getvalue()


def _html_form(data) -> str:
    return ("<html><head><meta charset='gb2312'><style>td {}</style></head><body>"
            "<p>2023年全省全面质量管理成果竞赛活动报名表</p><table>"
            f"<tr><td>QC小组名称</td><td>{data.group}</td><td>人&nbsp;数</td><td>{data.members}</td></tr>"
            f"<tr><td>课题名称</td><td>{data.topic}</td><td>课题类型</td><td>{data.topic_type}</td></tr>"
            f"<tr><td>企业名称（以公章为准）</td><td>{data.enterprise}</td><td>邮编</td>"
            f"<td>{data.postcode}</td></tr></table><img src='image001.png'></body></html>")


def test_word_web_page_renamed_doc_is_read_without_libreoffice():
    data = sample_entry(3)
    doc = extract_document(attachment("报名表.doc", _html_form(data).encode("gb18030")))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.source_format == "html"
    assert doc.fields["QC小组名称"] == data.group
    assert doc.fields["人数"] == data.members
    assert doc.fields["企业名称"] == data.enterprise


def test_single_file_web_page_carries_its_seal():
    from email.message import EmailMessage
    data = sample_entry(4)
    message = EmailMessage()
    message.set_content(_html_form(data), subtype="html", charset="utf-8")
    message.make_related()
    message.add_attachment(seal_png(data.enterprise), maintype="image", subtype="png",
                           filename="image001.png")
    doc = extract_document(attachment("报名表.doc", message.as_bytes()))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.source_format == "mhtml"
    assert doc.fields["课题名称"] == data.topic
    assert doc.stamp is Stamp.PRESENT
