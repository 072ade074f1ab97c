"""What every reader produces: paragraphs, tables and pictures in reading order.

Readers of .docx, .xlsx, .xls and .pdf all reduce a file to this shape so
that field reading and recognition are written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """One table cell, merged cells counted once; `col` is its grid column."""

    text: str
    col: int
    span: int = 1

    def covers(self, col: int) -> bool:
        return self.col <= col < self.col + self.span


Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Picture:
    """An embedded image: `name` is its part, `where` how it sits in the page."""

    name: str
    data: bytes = field(repr=False)
    where: str = ""


# A block is a paragraph (str) or a table, in reading order.
Block = str | Table


@dataclass(frozen=True)
class Content:
    blocks: tuple[Block, ...]
    pictures: tuple[Picture, ...] = ()
    source_format: str = ""
    # Pages that are images only (scanned PDF pages).
    scanned_pages: int = 0
    # Text outside the body (a .docx's headers, footers, footnotes, comments):
    # not read for fields, but a classification marking printed there counts.
    margins: tuple[str, ...] = ()
    # Blocks (by index) that hold a picture, chart or drawing (.docx), and the
    # block each page starts with (.pdf): where a report's figures and pages are.
    figures: tuple[int, ...] = ()
    page_starts: tuple[int, ...] = ()

    def text(self) -> str:
        """Plain text: paragraphs as lines, table rows as tab-separated lines."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Table):
                lines.extend("\t".join(c.text for c in row) for row in block.rows)
            else:
                lines.append(block)
        return "\n".join(lines)

    def full_text(self) -> str:
        """The body's text, then the margins' (what `Document.text` holds)."""
        return "\n".join((self.text(), *self.margins)) if self.margins else self.text()


# Keys of a results report's `rows`: its tables, figures and pages by line of its text.
TABLES, FIGURES, PAGES = "表格", "插图", "页"


def report_layout(content: Content) -> dict[str, list[dict]]:
    """Where a report's tables, figures and pages are, by line of `Content.text()`.

    The text keeps a table's rows as tab-separated lines but not where the
    table starts or ends, nor where a picture stands; a reviewer of the report
    needs both (`intake.review.sheet`). Each table keeps its cells.
    """
    layout: dict[str, list[dict]] = {TABLES: [], FIGURES: [], PAGES: []}
    # A blank page starts where the next one does: the later page number wins.
    pages = {index: number for number, index in enumerate(content.page_starts, 1)}
    figures, line = set(content.figures), 0
    for index, block in enumerate(content.blocks):
        if index in pages:
            layout[PAGES].append({"行": line, "页": pages[index]})
        if index in figures:
            layout[FIGURES].append({"行": line})
        if isinstance(block, Table):
            cells = [[c.text for c in row] for row in block.rows]
            layout[TABLES].append({"行": line, "单元格": cells})
            line += sum("\t".join(row).count("\n") + 1 for row in cells)
        else:
            line += block.count("\n") + 1
    return layout  # an empty list says "none", which a missing key (an older report) does not


def grid_row(texts: list[str | None]) -> Row:
    """A row from a plain grid; None marks a merged or never-written cell."""
    return tuple(Cell(t.strip(), i) for i, t in enumerate(texts) if t is not None)
