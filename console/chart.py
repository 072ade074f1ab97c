"""Arrivals per day as inline SVG, drawn on the server: no script, no chart library."""
from __future__ import annotations

from datetime import date, timedelta, tzinfo

from markupsafe import Markup, escape

from notifier import statistics
from notifier.statistics import DayCount

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 36, 28, 16
FORMS, OTHER, TODAY = "#2f6db5", "#aaaaaa", "#c00000"


def arrivals(messages, tz: tzinfo, today: date, days: int = 30) -> tuple[DayCount, ...]:
    """Mail per local day over the last `days` days up to today."""
    return statistics.arrivals(messages, tz, today - timedelta(days=days - 1), today)


def arrivals_svg(counts: list[DayCount], today: date) -> Markup:
    """A stacked bar per day (报名/补正 blue, other mail grey), with a readable title for screen readers."""
    top = max([c.total for c in counts] + [1])
    step = 1 if top <= 5 else 2 if top <= 10 else 5 if top <= 25 else 10 * ((top + 49) // 50)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(counts), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="chart-title">每日来信数量</title>']
    for value in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * value / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e1e1e1"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">{value}</text>')
    for i, c in enumerate(counts):
        x = LEFT + i * slot + slot * 0.15
        w = slot * 0.7
        h_forms, h_other = plot_h * c.forms / top, plot_h * c.other / top
        base = TOP + plot_h
        label = f"{c.day.month}月{c.day.day}日：报名和补正{c.forms}封，其他{c.other}封"
        parts.append(f'<g><title>{escape(label)}</title>'
                     f'<rect x="{x:.1f}" y="{base - h_forms:.1f}" width="{w:.1f}" height="{h_forms:.1f}" fill="{FORMS}"/>'
                     f'<rect x="{x:.1f}" y="{base - h_forms - h_other:.1f}" width="{w:.1f}" height="{h_other:.1f}" '
                     f'fill="{OTHER}"/></g>')
        if c.total:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{base - h_forms - h_other - 3:.1f}" text-anchor="middle" '
                         f'font-size="10" fill="#333">{c.total}</text>')
        if i % 5 == 0 or c.day == today:
            colour = TODAY if c.day == today else "#555"
            parts.append(f'<text x="{x + w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="11" '
                         f'fill="{colour}">{c.day.month}/{c.day.day}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
