"""Seal detection on real drawn seals and on red things that are not seals."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from intake.extractors import detect_stamp
from intake.extractors.layout import Picture
from intake.extractors.stamp import stamp_of_pictures
from samples.forms import entry_form_lines
from samples.entries import sample_entry
from samples.seals import (red_letterhead_png, red_text_png, scan_of_form_png,
                                   seal_png)
from intake.base.model import Stamp

ENTERPRISES = ("太原市某某通信有限公司", "中国移动通信集团山西有限公司太原分公司",
               "中国联合网络通信有限公司晋中市分公司", "山西云时代技术有限公司")


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("enterprise", ENTERPRISES)
@pytest.mark.parametrize("kw", [
    {}, {"style": "oval"}, {"rotation": 23.0}, {"rotation": -40.0}, {"style": "oval", "rotation": 12.0},
    {"faded": True}, {"style": "oval", "faded": True}, {"transparent": True}, {"size": 120},
    {"size": 900}, {"color": (190, 20, 60)},
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "round")
def test_seal_is_present(enterprise, kw):
    stamp, evidence = detect_stamp(seal_png(enterprise, **kw))
    assert stamp is Stamp.PRESENT, evidence


def test_seal_as_jpeg_is_present():
    img = Image.open(io.BytesIO(seal_png(ENTERPRISES[0]))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    assert detect_stamp(buf.getvalue())[0] is Stamp.PRESENT


@pytest.mark.parametrize("title", ["山西省信息业工会联合会文件", "山西省通信行业协会",
                                   "关于开展2023年竞赛活动的通知"])
def test_red_letterhead_is_not_a_seal(title):
    stamp, evidence = detect_stamp(red_letterhead_png(title))
    assert stamp is Stamp.ABSENT, evidence


@pytest.mark.parametrize("text", ["同意推荐", "张三", "公章", "李明 2023.2.20", "国", "回"])
def test_red_handwriting_and_red_text_are_not_seals(text):
    stamp, evidence = detect_stamp(red_text_png(text))
    assert stamp is Stamp.ABSENT, evidence


def test_red_disc_logo_is_not_a_seal():
    img = Image.new("RGB", (300, 300), "white")
    ImageDraw.Draw(img).ellipse((20, 20, 280, 280), fill=(210, 30, 40))
    assert detect_stamp(png(img))[0] is Stamp.ABSENT


def test_empty_red_circle_is_only_uncertain():
    img = Image.new("RGB", (300, 300), "white")
    ImageDraw.Draw(img).ellipse((20, 20, 280, 280), outline=(210, 30, 40), width=6)
    assert detect_stamp(png(img))[0] is Stamp.UNCERTAIN


def test_colour_scan_with_seal_is_present():
    data = sample_entry(1)
    page = scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise), skew=1.5)
    assert detect_stamp(page)[0] is Stamp.PRESENT


def test_colour_scan_without_seal_is_absent():
    page = scan_of_form_png(entry_form_lines(sample_entry(2)), seal=None)
    assert detect_stamp(page)[0] is Stamp.ABSENT


def test_grayscale_scan_of_a_stamped_form_is_uncertain_not_present():
    data = sample_entry(3)
    page = scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise),
                            grayscale=True)
    assert detect_stamp(page)[0] is Stamp.UNCERTAIN


def test_grayscale_scan_without_seal_is_not_present_but_left_to_a_person():
    page = scan_of_form_png(entry_form_lines(sample_entry(3)), seal=None, grayscale=True)
    assert detect_stamp(page)[0] is Stamp.UNCERTAIN


def test_undecodable_picture_is_uncertain():
    assert detect_stamp(b"\x01\x00\x00\x00 not an EMF really")[0] is Stamp.UNCERTAIN


def test_seal_cut_by_the_picture_edge_is_not_absent():
    seal = Image.open(io.BytesIO(seal_png(ENTERPRISES[2])))
    cropped = seal.crop((0, 0, int(seal.width * 0.6), seal.height))
    assert detect_stamp(png(cropped))[0] is Stamp.UNCERTAIN


def test_black_and_white_page_is_uncertain_unless_blank():
    blank = Image.new("L", (600, 800), 255)
    assert detect_stamp(png(blank))[0] is Stamp.ABSENT
    ImageDraw.Draw(blank).text((50, 50), "QC " * 200, fill=0)
    assert detect_stamp(png(blank))[0] is Stamp.UNCERTAIN


def test_document_verdict_present_wins_then_uncertain_then_absent():
    seal = Picture("word/media/image2.png", seal_png(ENTERPRISES[0]), "floating picture")
    letterhead = Picture("word/media/image1.png", red_letterhead_png("山西省通信行业协会"))
    broken = Picture("word/media/image3.emf", b"not a picture")
    assert stamp_of_pictures(()) == (Stamp.ABSENT, "no picture in the document")
    assert stamp_of_pictures((letterhead,))[0] is Stamp.ABSENT
    assert stamp_of_pictures((letterhead, broken))[0] is Stamp.UNCERTAIN
    stamp, evidence = stamp_of_pictures((letterhead, broken, seal))
    assert stamp is Stamp.PRESENT
    assert evidence.startswith("word/media/image2.png (floating picture)")


# ---- hard negatives on whole pages: red that is not a seal, pages without colour ----

def jpeg(data: bytes, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_scanned_page_with_a_red_title_is_not_sealed():
    page = scan_of_form_png(entry_form_lines(sample_entry(4)), seal=None, title_color=(205, 25, 35), skew=0.7)
    stamp, evidence = detect_stamp(page)
    assert stamp is Stamp.ABSENT, evidence


def test_red_signature_on_a_colour_scan_is_not_a_seal():
    page = scan_of_form_png(entry_form_lines(sample_entry(5)), seal=red_text_png("同意推荐"), skew=-1.0)
    stamp, evidence = detect_stamp(page)
    assert stamp is Stamp.ABSENT, evidence


@pytest.mark.parametrize("quality", [60, 90])
def test_photo_of_an_unsealed_colour_page_is_never_present(quality):
    page = jpeg(scan_of_form_png(entry_form_lines(sample_entry(6)), seal=None), quality)
    assert detect_stamp(page)[0] is not Stamp.PRESENT


@pytest.mark.parametrize("seed, sealed", [(7, True), (8, True), (9, False)])
def test_black_and_white_scans_are_never_present_even_as_jpeg(seed, sealed):
    data = sample_entry(seed)
    page = scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise) if sealed else None,
                            grayscale=True, skew=0.5 * seed - 4)
    assert detect_stamp(page)[0] is not Stamp.PRESENT
    assert detect_stamp(jpeg(page, 75))[0] is not Stamp.PRESENT
