"""Planted copies: results reports that take passages from another report.

The usual tricks, as copy checks meet them: a third of the passages taken from
another enterprise's report with the names, the department, the units and the
figures changed; a whole report re-sent under another enterprise's name; the
other report's data tables under new names, in the copier's own prose; last
year's report sent again (that one is the old file itself).
``copied_report_docx`` and ``copied_data_docx`` build them on top of the
ordinary builder (`report.qc_report_docx`), so the copy looks like any other
report around the copied parts.
"""
from __future__ import annotations

import random
import re

from ._report_common import Block
from .entries import EntryFormData
from .report import qc_report_docx, report_sections

# The steps a third-copy takes from its source: about a third of a report's prose.
THIRD = ("现状调查", "对策实施", "效果检查")


def copied_report_docx(own: EntryFormData, source: EntryFormData, *, steps: tuple[str, ...] = THIRD,
                       own_wording: int | None = None, source_wording: int | None = None,
                       change_figures: bool = True, images: int = 1) -> bytes:
    """``own``'s report with the prose of ``steps`` taken from ``source``'s report,
    names, department and (``change_figures``) every figure changed."""
    own_ctx, _ = report_sections(own, own_wording)
    src_ctx, src_sections = report_sections(source, source_wording)
    names = _renames(own, source, own_ctx, src_ctx)
    rng = random.Random(f"copy:{own.enterprise}:{source.enterprise}")

    def edit(step: str, blocks: list[Block]) -> list[Block]:
        if step not in steps or step not in src_sections:
            return blocks
        taken = [_disguised(block, names, rng, change_figures, units=change_figures) for block in src_sections[step]]
        return [block for block in taken if block[0] != "chart"] + [b for b in blocks if b[0] == "chart"]

    return qc_report_docx(own, images=images, wording=own_wording, edit=edit)


def copied_data_docx(own: EntryFormData, source: EntryFormData, *, own_wording: int | None = None,
                     source_wording: int | None = None, images: int = 0) -> bytes:
    """``own``'s report in its own words, but with ``source``'s tables in place of its own:
    the same figures under new names (the enterprise, the group, the people, the department)."""
    own_ctx, _ = report_sections(own, own_wording)
    src_ctx, src_sections = report_sections(source, source_wording)
    names = _renames(own, source, own_ctx, src_ctx)
    rng = random.Random(f"data:{own.enterprise}:{source.enterprise}")

    def edit(step: str, blocks: list[Block]) -> list[Block]:
        theirs = iter(_disguised(b, names, rng, False, units=False) for b in src_sections.get(step, ()) if b[0] == "table")
        return [next(theirs, block) if block[0] == "table" else block for block in blocks]

    return qc_report_docx(own, images=images, wording=own_wording, edit=edit)


def _renames(own: EntryFormData, source: EntryFormData, own_ctx, src_ctx) -> dict[str, str]:
    return {source.enterprise: own.enterprise, source.group: own.group,
            src_ctx.topic.dept: own_ctx.topic.dept + "运维组", **dict(zip(src_ctx.names, own_ctx.names))}


def _disguised(block: Block, names: dict[str, str], rng: random.Random, figures: bool, units: bool = True) -> Block:
    def change(text: str) -> str:
        for old, new in sorted(names.items(), key=lambda item: -len(item[0])):
            text = text.replace(old, new)
        if figures:
            text = _NUMBER.sub(lambda m: _other_figure(m.group(), rng), text)
        return _UNIT.sub(_other_unit, text) if units else text

    if block[0] in ("p", "h"):
        return (block[0], change(block[1]))
    if block[0] == "table":
        _, header, rows, title, plain = block
        return ("table", header, [tuple(change(cell) for cell in row) for row in rows], title, plain)
    return block


_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def _other_figure(figure: str, rng: random.Random) -> str:
    """Another figure of the same look: years and list numbers stay, the rest move by 5–25 %."""
    if "." not in figure and (int(figure) < 10 or figure.startswith("20") and len(figure) == 4):
        return figure
    value = float(figure) * rng.choice((-1, 1)) * rng.uniform(0.05, 0.25) + float(figure)
    decimals = len(figure.partition(".")[2])
    return f"{abs(value):.{decimals}f}" if decimals else str(max(10, round(abs(value))))


_UNIT = re.compile(r"(\d+(?:\.\d+)?)(%|分钟|小时|天)")


def _other_unit(m: re.Match) -> str:
    """The same quantity in another unit a copier might write: 0.42% as 4.2‰, 30分钟 as 30min."""
    figure, unit = m.groups()
    if unit == "%":
        decimals = max(0, len(figure.partition(".")[2]) - 1)
        return f"{float(figure) * 10:.{decimals}f}‰"
    return figure + {"分钟": "min", "小时": "h", "天": "日"}[unit]
