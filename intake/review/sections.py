"""A stored results report read back as its steps: paragraphs, tables and figures, each with where it is.

The store keeps a report's text (paragraphs as lines, table rows as
tab-separated lines) and, in its rows, where its tables, figures and pages
are (`extractors.layout.report_layout`). A report stored before those rows
were kept still reads: its tab-separated lines make its tables, and figures
are known by their 图N captions only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.extractors.layout import FIGURES, PAGES, TABLES
from intake.extractors.steps import STEPS, heading, step_of

PARAGRAPH, TABLE, FIGURE = "段", "表", "图"
# What the 初审表 answers for each thing an expert looks for.
YES, NO, UNCLEAR = "有", "无", "不明确"
# "表3　问题类型统计表", "图 2 排列图", "表三：对策表": a caption names its table or figure.
CAPTION = re.compile(r"^\s*([表图])\s*([0-9一二三四五六七八九十]+(?:[-.．][0-9]+)?)\s*[:：、.．]?\s*(\S.{0,40})?$")


@dataclass(frozen=True)
class Part:
    """A paragraph, a table or a figure of a report, with where a reader finds it."""

    kind: str                  # PARAGRAPH, TABLE or FIGURE
    text: str                  # a paragraph's text; a table's rows, one a line; a figure's caption
    where: str                 # "现状调查第2段", "表2 问题类型统计表", "图1 问题类型排列图"
    line: int                  # its first line in the stored text
    cells: tuple[tuple[str, ...], ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return self.cells[0] if self.cells else ()


@dataclass(frozen=True)
class Section:
    """One step of the report: the heading as written and what stands under it."""

    step: str
    heading: str
    where: str
    parts: tuple[Part, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.parts)

    def of(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]


@dataclass(frozen=True)
class Report:
    """A report as its steps; `figures_known` is False for one stored before its figures were."""

    topic_type: str
    sections: dict[str, Section]
    parts: tuple[Part, ...]
    figures_known: bool = False
    captions: dict[int, str] = field(default_factory=dict)   # line → "图N 标题"


def read_report(text: str, rows: dict | None, topic_type: str) -> Report:
    """The report's parts and its steps (each step from the first heading that names it)."""
    lines = text.split("\n")
    rows = rows or {}
    tables = _tables(rows, lines)
    pictures = {f["行"] for f in rows.get(FIGURES, [])}
    pages = sorted((p["行"], p["页"]) for p in rows.get(PAGES, []))
    captions = {n: _caption_name(m) for n, line in enumerate(lines) if (m := CAPTION.match(line))}
    steps = STEPS[topic_type]
    sections: dict[str, Section] = {}
    current: list = []   # [step, heading, where, parts]
    parts: list[Part] = []
    counts: dict[str, int] = {}
    n = 0
    while n < len(lines):
        line = lines[n]
        page = _page(pages, n)
        if n in tables:
            cells, size = tables[n]
            parts.append(Part(TABLE, "\n".join("\t".join(r) for r in cells),
                              _table_name(captions, n, size, current, counts) + page, n, cells))
            n += max(size, 1)
            continue
        bare = heading(line.strip()) if n not in captions else None  # "表7 对策表" is no heading
        step = step_of(bare, steps) if bare else None
        if step and step not in sections and not (current and current[0] == step):
            _close(sections, current, parts)
            current, parts = [step, line.strip(), f"{step}（标题{page.strip('，')}）" if page else step, []], []
        elif n in pictures or line.strip():
            if n in pictures:
                parts.append(Part(FIGURE, captions.get(n + 1) or captions.get(n - 1) or "", _figure_name(
                    captions, n) + page, n))
            if line.strip():
                where = current[0] if current else "正文开头"
                counts[where] = counts.get(where, 0) + 1
                parts.append(Part(PARAGRAPH, line.strip(), f"{where}第{counts[where]}段{page}", n))
        n += 1
    _close(sections, current, parts)
    every = tuple(p for s in sections.values() for p in s.parts)
    return Report(topic_type, sections, every, figures_known=FIGURES in rows, captions=captions)


def _close(sections: dict[str, Section], current: list, parts: list[Part]) -> None:
    if current:
        step, head, where, _ = current
        sections[step] = Section(step, head, where, tuple(parts))


def _tables(rows: dict, lines: list[str]) -> dict[int, tuple[tuple[tuple[str, ...], ...], int]]:
    """First line → (cells, lines it takes): from the stored layout, else runs of tab-separated lines."""
    if TABLES in rows:
        found = {}
        for t in rows[TABLES]:
            cells = tuple(tuple(str(c) for c in row) for row in t["单元格"])
            found[t["行"]] = (cells, sum("\t".join(r).count("\n") + 1 for r in cells))
        return found
    found, start = {}, None
    for n, line in enumerate(lines + [""]):
        if "\t" in line and start is None:
            start = n
        elif "\t" not in line and start is not None:
            found[start] = (tuple(tuple(line.split("\t")) for line in lines[start:n]), n - start)
            start = None
    return found


def _page(pages: list[tuple[int, int]], line: int) -> str:
    number = next((page for start, page in reversed(pages) if start <= line), None)
    return f"，第{number}页" if number else ""


def _caption_name(match: re.Match) -> str:
    kind, number, title = match.groups()
    return f"{kind}{number} {title.strip()}" if title else f"{kind}{number}"


def _table_name(captions: dict[int, str], line: int, size: int, current: list, counts: dict[str, int]) -> str:
    """A table is named by its caption (above it, or below it as some write), else by its place."""
    for near in (line - 1, line - 2, line + size):
        if captions.get(near, "").startswith("表"):
            return captions[near]
    where = current[0] if current else "正文开头"
    key = f"{where}·表"
    counts[key] = counts.get(key, 0) + 1
    return f"{where}第{counts[key]}个表格"


def _figure_name(captions: dict[int, str], line: int) -> str:
    for near in (line + 1, line - 1, line + 2):
        if captions.get(near, "").startswith("图"):
            return captions[near]
    return "未编号的图"
