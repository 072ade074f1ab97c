"""intake.base.fonts: a font that really draws Chinese, for the digest chart and fixture seals."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from intake.base.fonts import any_font, cjk_font_path, font


def _ink(text: str, drawing_font) -> np.ndarray:
    page = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(page).text((4, 4), text, font=drawing_font, fill=0)
    return np.asarray(page) < 128


def test_an_installed_cjk_font_is_found_and_draws_distinct_hanzi():
    assert cjk_font_path() is not None  # fonts-wqy-zenhei or Noto CJK are installed here
    seal, form = _ink("公章", font(32)), _ink("报名", font(32))
    assert seal.sum() > 100 and form.sum() > 100
    assert (seal != form).sum() > 50  # real glyphs, not the same missing-glyph box twice


def test_font_sizes_are_what_was_asked():
    small, large = font(16), font(48)
    assert small.size == 16 and large.size == 48
    assert any_font(20).size == 20
