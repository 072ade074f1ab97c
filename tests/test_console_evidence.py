"""console/evidence.py on files the fixture builder makes: previews of seals, scans and forms,
the seal found and cropped, and the text a finding is about marked (and escaped)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from console import evidence
from samples import entry_form_docx, entry_form_lines, sample_entry, scan_of_form_png, scan_pdf, seal_png

DATA = sample_entry(81)


@pytest.fixture(scope="module")
def seal() -> bytes:
    return seal_png(DATA.enterprise)


@pytest.fixture(scope="module")
def scan(seal) -> bytes:
    return scan_of_form_png(entry_form_lines(DATA), seal=seal)


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_preview_kind_by_file_name():
    assert evidence.preview_kind("报名表盖章扫描件.JPG") == "image"
    assert evidence.preview_kind(f"{DATA.topic}成果报告.pdf") == "pdf"
    assert evidence.preview_kind(f"报名表-{DATA.group}.docx") == "docx"
    assert evidence.preview_kind("报名表.wps") is None and evidence.preview_kind("活动统计表.xlsx") is None


def test_images_go_out_as_they_are_or_re_encoded(seal, scan):
    assert evidence.image_for_browser(seal) == (seal, "image/png")
    tiff = io.BytesIO()
    Image.open(io.BytesIO(scan)).save(tiff, format="TIFF")
    body, media_type = evidence.image_for_browser(tiff.getvalue())
    assert media_type == "image/png" and body.startswith(b"\x89PNG") and _size(body) == _size(scan)
    with pytest.raises(evidence.PreviewUnavailable, match="图片无法显示"):
        evidence.image_for_browser(entry_form_docx(DATA))  # a Word file named .jpg


def test_pdf_pages_render_and_count(scan):
    pdf = scan_pdf([scan, scan_of_form_png(entry_form_lines(DATA), seal=None)])
    assert evidence.pdf_page_count(pdf) == 2
    page, count = evidence.pdf_page(pdf, 1)
    assert count == 2 and page.startswith(b"\x89PNG")
    assert evidence.pdf_page(pdf, 2) == (None, 2)
    assert evidence.pdf_page_count(pdf[: len(pdf) // 3]) == 0
    with pytest.raises(evidence.PreviewUnavailable, match="PDF 无法显示"):
        evidence.pdf_page(b"%PDF-1.7\n" + b"\x00 not a page tree " * 64, 0)


def test_the_seal_pasted_in_a_word_form_is_found_and_cropped(seal, scan):
    stamped = evidence.docx_media(entry_form_docx(DATA, seal=seal))
    assert len(stamped) == 1 and stamped[0][1] == seal
    assert evidence.docx_media(entry_form_docx(DATA, seal=None)) == []
    grey = scan_of_form_png(entry_form_lines(DATA), seal=seal, grayscale=True)
    assert evidence.red_share(scan) > 0.001 > evidence.red_share(grey)
    crop = evidence.seal_crop(scan)
    width, height = _size(crop)
    assert width < _size(scan)[0] / 2 and height < _size(scan)[1] / 2  # the seal, not the page
    assert _size(evidence.seal_crop(grey)) == _size(grey)  # nothing red: the whole picture


def test_excerpts_mark_what_the_finding_quotes_and_escape_the_rest():
    text = f"课题名称：{DATA.topic}<script>alert(1)</script>。本报告所附网管数据仅供内部使用。" + "活动过程。" * 40
    terms = evidence.terms_of("POSSIBLE_CONFIDENTIAL", "报告中出现“仅供内部使用”字样", None)
    assert "仅供内部使用" in terms and "内部" in terms
    [excerpt] = evidence.marked_excerpts(text, terms)
    html = str(excerpt.html)
    assert "<mark>仅供内部使用</mark>" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert html.endswith("……")
    assert evidence.terms_of("MISSING_FIELD", "“发表人”栏未填写", "发表人") == ["发表人"]
    assert evidence.marked_excerpts(text, []) == []
