"""Scans and photos of forms matched to their form by OCR, only when nothing else tells.

Tesseract with Debian's tesseract-ocr-chi-sim is a real peer here, like
Dovecot elsewhere: scripts/test.sh installs it, and these tests fail
(not skip) without it.
"""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from intake.fetch.archive import sha256_hex
from intake.extractors import extract_document, ocr
from samples.forms import entry_form_docx, entry_form_lines
from samples.entries import sample_entry
from samples.scans import (oversized_scan_tiff, phone_jpeg, photo_of_page, photo_of_scene, scan_of_form_png,
                           scan_pdf)
from samples.seals import seal_png
from intake.base.model import Attachment, DocumentKind, Stamp

PHOTO_NAME = "IMG_20230227_0931.jpg"
SECONDS_PER_SCAN = 15  # generous: a page takes about half a second, a sideways photo four runs


def attachment(name: str, payload: bytes) -> Attachment:
    return Attachment(filename=name, content_type="", payload=payload, sha256=sha256_hex(payload))


def stamped_scan(seed: int, **kw) -> bytes:
    data = sample_entry(seed)
    return scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise), **kw)


def timed_extract(name: str, payload: bytes):
    started = time.monotonic()
    doc = extract_document(attachment(name, payload))
    assert time.monotonic() - started < SECONDS_PER_SCAN
    return doc


def test_tesseract_with_chinese_is_installed():
    assert ocr.ocr_available(), "install tesseract-ocr and tesseract-ocr-chi-sim (scripts/test.sh does)"


def test_unnamed_photo_of_a_stamped_entry_form_is_that_form():
    doc = timed_extract(PHOTO_NAME, phone_jpeg(stamped_scan(31, skew=1.2)))
    assert doc.kind is DocumentKind.ENTRY_FORM
    assert doc.stamp is Stamp.PRESENT
    assert doc.fields == {}  # the Word version supplies the fields (SPEC §3)


def test_image_only_pdf_of_a_stamped_entry_form_is_that_form():
    doc = timed_extract("scan0001.pdf", scan_pdf([stamped_scan(32, skew=-0.8)]))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.source_format == "pdf"
    assert doc.stamp is Stamp.PRESENT


def test_phone_photo_of_the_page_on_a_desk_is_that_form_with_its_seal():
    doc = timed_extract(PHOTO_NAME, photo_of_page(stamped_scan(39), tilt=-3.5, seed=39))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT


def test_large_phone_photo_is_read_within_bounds():
    doc = timed_extract("微信图片_20230227093112.jpg", phone_jpeg(stamped_scan(33), scale=3.0, quality=80))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT


def test_sideways_photo_is_turned_upright():
    doc = timed_extract(PHOTO_NAME, phone_jpeg(stamped_scan(34), turn=90))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT


def test_unstamped_scan_is_that_form_without_a_seal():
    data = sample_entry(35)
    doc = timed_extract(PHOTO_NAME, scan_of_form_png(entry_form_lines(data), seal=None))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.ABSENT


@pytest.fixture
def no_ocr(monkeypatch):
    def refuse(image):
        raise AssertionError("OCR ran on a document its text layer or file name already identified")

    monkeypatch.setattr(ocr, "read_text", refuse)


def test_photo_that_is_no_page_is_not_read(no_ocr):
    # Tesseract is slowest on texture it cannot read: such photos never reach it.
    doc = extract_document(attachment("IMG_20230301_1530.jpg", photo_of_scene(3)))
    assert doc.kind is DocumentKind.SCAN


def test_ocr_stays_out_of_the_way_of_identified_documents(no_ocr):
    data = sample_entry(36)
    seal = seal_png(data.enterprise)
    named = extract_document(attachment("报名表扫描件.jpg", phone_jpeg(stamped_scan(36))))
    assert named.kind is DocumentKind.ENTRY_FORM and named.stamp is Stamp.PRESENT
    word = extract_document(attachment("IMG_0001.docx", entry_form_docx(data, seal=seal)))
    assert word.kind is DocumentKind.ENTRY_FORM and word.fields["QC小组名称"] == data.group


def test_scanner_app_pdf_with_a_watermark_line_is_read_by_ocr():
    pdf = scan_pdf([stamped_scan(37), stamped_scan(38)], watermark="Scanned with CamScanner")
    doc = timed_extract("CamScanner 02-27-2023 09.31.pdf", pdf)
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT


def test_small_page_on_a_1200_dpi_scan_is_read_at_its_own_size():
    # Scaled whole to LONG_SIDE, the page (a seventh of the 72-megapixel canvas) is 270 px wide.
    doc = timed_extract("scan0002.tif", oversized_scan_tiff(stamped_scan(40)))
    assert doc.kind is DocumentKind.ENTRY_FORM


def test_form_with_its_title_printed_in_red_is_that_form_with_its_seal():
    # The seal filter reads the red channel, where red ink is as light as paper.
    data = sample_entry(41)
    page = scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise), title_color=(205, 25, 35),
                            skew=0.7)
    doc = timed_extract(PHOTO_NAME, phone_jpeg(page))
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT


@pytest.mark.parametrize("tilt", [-4.0, 2.5, 5.5])
def test_the_tilt_of_a_scan_and_of_a_desk_photo_is_found(tilt):
    # A scan fed in crooked and a photo with the desk around the page: the turn levels both.
    scanned = ocr._prepare(scan_of_form_png(entry_form_lines(sample_entry(42)), seal=None, skew=tilt))
    photo = ocr._prepare(photo_of_page(stamped_scan(43), tilt=tilt, seed=43))
    for page in (scanned, photo):
        assert abs(ocr.skew_angle(page) + tilt) <= ocr.SKEW_STEP


def test_a_level_page_is_not_turned():
    page = ocr._prepare(stamped_scan(44))
    assert ocr._deskewed(page) is page


def test_phone_photo_saved_sideways_with_its_exif_orientation_is_read_upright():
    # Phones store the sensor's pixels and say in EXIF how to turn them (6: a quarter clockwise).
    upright = Image.open(io.BytesIO(stamped_scan(45))).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    upright.rotate(90, expand=True).save(buf, "JPEG", quality=85, exif=exif)
    page = ocr._prepare(buf.getvalue())
    assert page.height > page.width  # turned as EXIF says, not left to orientation detection
    doc = timed_extract(PHOTO_NAME, buf.getvalue())
    assert doc.kind is DocumentKind.ENTRY_FORM and doc.stamp is Stamp.PRESENT
