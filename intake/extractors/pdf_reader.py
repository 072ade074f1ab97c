"""Read a PDF with pdfplumber: text, tables, and rendered pages for the seal.

Pages are rendered (not their image streams decoded) so a seal placed as
an image, drawn as vectors or scanned with the page is found the same way.
"""
from __future__ import annotations

import io
from collections.abc import Iterator

import pdfplumber

from intake.extractors.layout import Content, Picture, Table, grid_row

MAX_PAGES = 30         # tables and lines of longer PDFs (reports) are read this far
# Past MAX_PAGES only plain text is taken, for markings on a last page ("机密★" on the
# back cover); this far at most, well inside PARSE_SECONDS (about 40 ms a page).
TEXT_PAGES = 400
SEAL_PAGES = 3         # forms carry their seal on the first pages
RENDER_DPI = 72
OCR_DPI = 150          # 72 dpi is enough to see a seal, too coarse to read its form
# Limits of one read_pdf in its own process (isolate.py): a form or report
# reads in seconds and well under a few hundred MB.
PARSE_SECONDS = 60
PARSE_MEMORY = 2 * 1024 ** 3
# A page that is a picture may still carry a scanner app's line ("Scanned with CamScanner").
SCANNER_LINE = 30


def read_pdf(data: bytes, render: bool = True) -> Content:
    """Text lines and tables of each page; the first pages rendered as pictures;
    the plain text of pages past MAX_PAGES as margins (markings only)."""
    blocks: list = []
    pictures: list[Picture] = []
    later: list[str] = []
    scanned = 0
    starts: list[int] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if not pdf.pages:  # e.g. a page tree that only points at itself
            raise ValueError("PDF has no readable page")
        for number, page in enumerate(pdf.pages[:TEXT_PAGES], start=1):
            text = page.extract_text() or ""
            if number > MAX_PAGES:
                later += [line for line in text.splitlines() if line.strip()]
                page.close()  # pdfplumber keeps each page's objects otherwise
                continue
            if page.images and len("".join(text.split())) <= SCANNER_LINE:
                scanned += 1
            starts.append(len(blocks))
            blocks += _page_blocks(page, text)
            if render and number <= SEAL_PAGES:
                pictures.append(Picture(f"page {number}", _render(page), "rendered page"))
    return Content(tuple(blocks), tuple(pictures), "pdf", scanned_pages=scanned, margins=tuple(later),
                   page_starts=tuple(starts))


def _page_blocks(page, text: str) -> list:
    """Tables and the lines outside them, top to bottom."""
    if not text.strip():
        return []
    tables = page.find_tables()
    items = []
    for table in tables:
        rows = tuple(r for r in (grid_row([_unwrap(c) for c in cells])
                                 for cells in table.extract()) if r)
        if rows:
            items.append((table.bbox[1], Table(rows)))
    for line in page.extract_text_lines():
        if not any(_inside(line, t.bbox) for t in tables):
            items.append((line["top"], line["text"]))
    items.sort(key=lambda item: item[0])
    return [block for _, block in items]


def _unwrap(cell: str | None) -> str | None:
    """A PDF cell's line breaks are the column's width, not the writer's."""
    return cell.replace("\n", "") if cell else cell


def _inside(line: dict, bbox) -> bool:
    x0, top, x1, bottom = bbox
    mid_x, mid_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def rendered_pages(data: bytes, limit: int, dpi: int = OCR_DPI) -> Iterator[bytes]:
    """The first pages as bitmaps at `dpi`, rendered one by one as they are asked for (OCR)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[:limit]:
            yield _render(page, dpi)


def _render(page, dpi: int = RENDER_DPI) -> bytes:
    """The page as an uncompressed PPM bitmap: it is only ever decoded again, at once,
    and a PNG would cost ten times the render to compress."""
    buf = io.BytesIO()
    page.to_image(resolution=dpi).original.convert("RGB").save(buf, "PPM")
    return buf.getvalue()
