"""intake.extractors.slides: the text of a .pptx, slides in order, for the confidentiality check."""
from __future__ import annotations

from intake.extractors.slides import read_pptx
from tests.readings import pptx


def test_paragraphs_of_every_slide_in_slide_order():
    slides = [[f"第{n}页：降低基站退服时长", f"要因确认{n}"] for n in range(1, 12)]
    content = read_pptx(pptx(slides))
    assert content.source_format == "pptx"
    # slide10 and slide11 come after slide9, not after slide1; runs join into their paragraph
    assert list(content.blocks) == [text for slide in slides for text in slide]


def test_marking_on_a_slide_is_in_the_text():
    content = read_pptx(pptx([["绿色机房QC小组成果发表"], ["内部资料 注意保密"]]))
    assert "内部资料 注意保密" in content.text()
