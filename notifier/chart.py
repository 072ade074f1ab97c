"""The digest's bar chart of arrivals per day, drawn with Pillow as a PNG.

Labels are digits (2/27, counts) so the chart reads on any machine; the
title and legend are Chinese and are drawn only when a CJK font is
installed (`intake.base.fonts`), since Pillow's own font has no hanzi.
"""
from __future__ import annotations

import io
import math
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from intake.base import fonts
from notifier.statistics import DayCount

# Drawn at twice the size it is shown at, so it stays sharp on high-DPI screens.
WIDTH, HEIGHT = 1280, 560
LEFT, RIGHT, TOP, BOTTOM = 84, 36, 96, 64
FORMS, OTHER, INK, GRID, TODAY = (47, 109, 181), (170, 170, 170), (51, 51, 51), (225, 225, 225), (192, 0, 0)


def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A font at `size` pixels and whether it can draw Chinese."""
    cjk = fonts.font(size)
    return (cjk, True) if cjk is not None else (ImageFont.load_default(size), False)


def _step(top: int) -> int:
    """A round grid step giving at most five lines up to `top`."""
    raw = max(1, math.ceil(top / 5))
    magnitude = 10 ** (len(str(raw)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def arrivals_png(days: tuple[DayCount, ...], today: date) -> bytes:
    """Stacked bars per day: 报名/补正 below, other mail above, the total on top."""
    img = Image.new("RGB", (WIDTH, HEIGHT), "white")
    d = ImageDraw.Draw(img)
    small, cjk = _font(22)
    plot_w, plot_h, base = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM, HEIGHT - BOTTOM
    highest = max((day.total for day in days), default=0)
    step = _step(highest)
    top = step * (highest // step + 1)  # headroom above the highest bar for its number
    for value in range(0, top + 1, step):
        y = base - plot_h * value / top
        d.line((LEFT, y, WIDTH - RIGHT, y), fill=GRID, width=2)
        d.text((LEFT - 12, y), str(value), font=small, fill=INK, anchor="rm")
    slot = plot_w / max(len(days), 1)
    every = max(1, math.ceil(len(days) / 16))
    for i, day in enumerate(days):
        x0, x1 = LEFT + i * slot + slot * 0.18, LEFT + (i + 1) * slot - slot * 0.18
        y_forms = base - plot_h * day.forms / top
        y_all = base - plot_h * day.total / top
        if day.forms:
            d.rectangle((x0, y_forms, x1, base), fill=FORMS)
        if day.other:
            d.rectangle((x0, y_all, x1, y_forms), fill=OTHER)
        if day.total:
            d.text(((x0 + x1) / 2, y_all - 6), str(day.total), font=small, fill=INK, anchor="md")
        colour = TODAY if day.day == today else INK
        if i % every == 0 or day.day == today:
            d.text(((x0 + x1) / 2, base + 12), f"{day.day.month}/{day.day.day}", font=small, fill=colour,
                   anchor="ma")
    d.line((LEFT, base, WIDTH - RIGHT, base), fill=INK, width=2)
    if cjk:
        _title_and_legend(d)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _title_and_legend(d: ImageDraw.ImageDraw) -> None:
    title, _ = _font(30)
    label, _ = _font(22)
    d.text((LEFT, 28), "每日来信（封）", font=title, fill=INK)
    x = WIDTH - RIGHT
    for text, colour in (("其他来信", OTHER), ("报名及补正", FORMS)):
        x -= d.textlength(text, font=label)
        d.text((x, 36), text, font=label, fill=INK)
        x -= 34
        d.rectangle((x, 38, x + 24, 60), fill=colour)
        x -= 28
