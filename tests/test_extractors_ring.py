"""intake.extractors.ring: is a set of pixels a seal's ring? Geometry only."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from intake.extractors.ring import ring_of
from samples.seals import red_letterhead_png, red_text_png, seal_png
from tests.readings import entry


def ink(png: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates of the picture's red ink."""
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)
    r, g, b, a = rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3]
    return np.nonzero((a > 60) & (r - np.maximum(g, b) > 60))


def test_round_seal_is_a_ring():
    ring = ring_of(ink(seal_png(entry().enterprise)))
    assert ring is not None and ring.is_seal
    assert ring.coverage > 0.85 and abs(ring.width - ring.height) < ring.width * 0.1


def test_oval_seal_is_a_ring_too():
    ring = ring_of(ink(seal_png(entry().enterprise, style="oval")))
    assert ring is not None and ring.is_seal and ring.width > ring.height * 1.2


def test_red_title_and_letterhead_are_no_seal():
    for png in (red_text_png("关于开展2023年QC成果竞赛的通知"), red_letterhead_png("山西省通信行业协会文件")):
        ring = ring_of(ink(png))
        assert ring is None or not ring.is_seal


def test_speck_is_too_small_to_judge():
    ys, xs = np.nonzero(np.ones((10, 10), dtype=bool))
    assert ring_of((ys, xs)) is None
