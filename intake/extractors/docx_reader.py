"""Read a .docx into `Content` by walking its body XML once.

The package is read straight from the zip: the main part found by its
relationship (WPS writes some packages without the content type of their
main part, which python-docx and LibreOffice refuse), the body walked with
lxml, because python-docx's cell API repeats merged cells and costs far
more (NOTES.md). Opening the package with python-docx costs three times the
whole direct read, so it is the second way in, for what the first refuses.

Fields are read from the body only; the text of headers and footers (every
section's, first and even pages' too), footnotes, endnotes and comments goes
to `Content.margins`, so a classification marking printed only there is
still seen. A text box's paragraphs are lines of their own. Check boxes,
whether Word content controls (w14:checkbox), legacy form fields or
Wingdings symbols, read as ☑ (ticked) or □ (unticked).
"""
from __future__ import annotations

import io
import posixpath
import zipfile

import docx
from lxml import etree

from intake.extractors.layout import Cell, Content, Picture, Table

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "v": "urn:schemas-microsoft-com:vml",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
}
W = "{%s}" % NS["w"]
W14 = "{%s}" % NS["w14"]
MC = "{%s}" % NS["mc"]
TICKED, UNTICKED = "☑", "□"
# Symbol fonts people tick boxes with (WPS: an "R" in Wingdings 2 shows ☑).
_SYMBOL_FONTS = {
    "wingdings": {0xFE: TICKED, 0xFD: "☒", 0xA8: UNTICKED, 0x6F: UNTICKED, 0xFC: "✓"},
    "wingdings 2": {0x52: TICKED, 0x54: "☒", 0xA3: UNTICKED, 0x50: "✓", 0x4F: "×"},
}
# Parts around the body whose text is read for markings only.
_MARGIN_PARTS = ("/header", "/footer", "/footnotes", "/endnotes", "/comments")
_BLIPS = etree.XPath(".//a:blip/@r:embed | .//v:imagedata/@r:id", namespaces=NS)
# What shows a figure in a report: a picture, a chart, a drawing canvas or shape
# group (因果图 are often drawn with shapes), an embedded object.
_FIGURE = etree.XPath(
    ".//a:blip | .//v:imagedata | .//a:graphicData[contains(@uri, 'chart') or contains(@uri, 'Group')"
    " or contains(@uri, 'Canvas')] | .//w:object", namespaces=NS)


_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_REL = "/officeDocument"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


def read_docx(data: bytes) -> Content:
    """Paragraphs, tables (merged cells once) and pictures of a .docx.

    Raises whatever python-docx raises for a file it cannot open; the
    caller then tries `read_docx_package`.
    """
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    images = {rid: (rel.target_part.partname.lstrip("/"), rel.target_part.blob)
              for rid, rel in document.part.rels.items()
              if not rel.is_external and "image" in rel.reltype}
    media = {part.partname.lstrip("/"): part.blob
             for part in document.part.package.iter_parts()
             if part.partname.startswith("/word/media/")}
    margins = [rel.target_part.blob for rel in document.part.rels.values()
               if not rel.is_external and rel.reltype.endswith(_MARGIN_PARTS)]
    return _content(body, _pictures(body, images, media), margins)


def read_docx_package(data: bytes) -> Content:
    """The same reading without python-docx: main part found by its relationship."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        main = _main_part(package)
        body = etree.fromstring(package.read(main), _PARSER).find(W + "body")
        if body is None:
            raise ValueError(f"{main} has no w:body")
        rels = _relationships(package, main)
        images = {rid: (target, package.read(target)) for rid, (kind, target) in rels.items()
                  if kind.endswith("/image") and target in package.namelist()}
        media = {n: package.read(n) for n in package.namelist() if n.startswith("word/media/")}
        margins = [package.read(target) for kind, target in rels.values()
                   if kind.endswith(_MARGIN_PARTS) and target in package.namelist()]
    return _content(body, _pictures(body, images, media), margins)


def _content(body, pictures: tuple[Picture, ...], margins: list[bytes]) -> Content:
    elements = list(_block_elements(body))
    return Content(tuple(_block(el) for el in elements), pictures, "docx", margins=_margin_texts(margins),
                   figures=tuple(i for i, el in enumerate(elements) if _FIGURE(el)))


def _margin_texts(parts: list[bytes]) -> tuple[str, ...]:
    """The non-empty lines of headers, footers, notes and comments, part by part."""
    lines: list[str] = []
    for xml in parts:
        try:
            root = etree.fromstring(xml, _PARSER)
        except etree.XMLSyntaxError:
            continue  # a broken header must not lose the body
        for p in root.iter(W + "p"):
            if not any(a.tag == W + "p" for a in p.iterancestors()):
                lines += [line.strip() for line in _paragraph_text(p).split("\n") if line.strip()]
    return tuple(lines)


def _main_part(package: zipfile.ZipFile) -> str:
    rels = _relationships(package, "")
    return next((target for kind, target in rels.values() if kind.endswith(_MAIN_REL)),
                "word/document.xml")


def _relationships(package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type, target part name) of a part's relationships ('' = the package)."""
    folder, name = posixpath.split(part)
    path = posixpath.join(folder, "_rels", f"{name}.rels")
    if path not in package.namelist():
        return {}
    root = etree.fromstring(package.read(path), _PARSER)
    return {rel.get("Id"): (rel.get("Type", ""),
                            posixpath.normpath(posixpath.join(folder, rel.get("Target", ""))))
            for rel in root.iter(_RELS_NS + "Relationship") if rel.get("TargetMode") != "External"}


def _blocks(container):
    """Paragraph texts and tables in reading order, through content controls."""
    return (_block(el) for el in _block_elements(container))


def _block_elements(container):
    """The paragraphs and tables of a body or cell, in reading order, through content controls."""
    for child in container:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _block_elements(content)


def _block(el):
    return _paragraph_text(el) if el.tag == W + "p" else _table(el)


def _paragraph_text(p) -> str:
    """A paragraph's text; a text box's paragraphs inside it become lines of their own."""
    parts: list[str] = []
    _walk(p, parts)
    return "".join(parts)


def _walk(el, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == MC + "Fallback" or not isinstance(tag, str):
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "sym":
            parts.append(_symbol(child))
        elif tag == W + "sdt" and (box := child.find(f"{W}sdtPr/{W14}checkbox")) is not None:
            parts.append(TICKED if _on(box.find(W14 + "checked"), W14) else UNTICKED)
        elif tag == W + "fldChar" and (box := child.find(f"{W}ffData/{W}checkBox")) is not None:
            checked = box.find(W + "checked")
            parts.append(TICKED if _on(checked if checked is not None else box.find(W + "default"), W)
                         else UNTICKED)
        elif tag == W + "r" and _symbol_font(child):
            parts.append(_symbol_text(child))
        elif tag == W + "p":  # inside a text box
            parts.append("\n")
            _walk(child, parts)
            parts.append("\n")
        elif tag not in (W + "rPr", W + "pPr", W + "sdtPr", W + "instrText", W + "delText"):
            _walk(child, parts)


def _on(el, ns: str) -> bool:
    """A w14:checked / w:checked / w:default element: set unless its val says 0/false."""
    if el is None:
        return False
    return el.get(ns + "val", "1").lower() not in ("0", "false", "off")


def _symbol(sym) -> str:
    table = _SYMBOL_FONTS.get((sym.get(W + "font") or "").lower(), {})
    try:
        code = int(sym.get(W + "char") or "", 16)
    except ValueError:
        return ""
    if table:
        return table.get(code & 0xFF, "")
    return "" if code >= 0xF000 else chr(code)  # a picture of an unknown symbol font


def _symbol_font(run) -> dict[int, str] | None:
    fonts = run.find(f"{W}rPr/{W}rFonts")
    if fonts is None:
        return None
    name = (fonts.get(W + "ascii") or fonts.get(W + "hAnsi") or "").lower()
    return _SYMBOL_FONTS.get(name)


def _symbol_text(run) -> str:
    """A run typed in a symbol font: its letters are the pictures they show."""
    table = _symbol_font(run)
    parts: list[str] = []
    _walk(run, parts)
    return "".join(table.get(ord(c) & 0xFF, "") if ord(c) < 0x100 or 0xF000 <= ord(c) <= 0xF0FF else c
                   for c in "".join(parts))


def _table(tbl) -> Table:
    return Table(tuple(tuple(_row_cells(tr)) for tr in _children(tbl, "tr")))


def _children(el, name: str):
    """Direct children named `name`, looking through content controls."""
    for child in el:
        if child.tag == W + name:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent")
            yield from _children(inner if inner is not None else child, name)


def _row_cells(tr):
    """Cells with their grid column; a vertical merge's continuation is skipped."""
    col = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
    for tc in _children(tr, "tc"):
        span = _int_val(tc.find(f"{W}tcPr/{W}gridSpan"), 1)
        vmerge = tc.find(f"{W}tcPr/{W}vMerge")
        if vmerge is None or vmerge.get(W + "val") == "restart":
            yield Cell(_cell_text(tc).strip(), col, span)
        col += span


def _cell_text(tc) -> str:
    lines = []
    for block in _blocks(tc):
        if isinstance(block, Table):
            lines.extend("\t".join(c.text for c in row) for row in block.rows)
        else:
            lines.append(block)
    return "\n".join(lines)


def _int_val(el, default: int) -> int:
    try:
        return int(el.get(W + "val")) if el is not None else default
    except (TypeError, ValueError):
        return default


def _pictures(body, images: dict[str, tuple[str, bytes]],
              media: dict[str, bytes]) -> tuple[Picture, ...]:
    """Every image, with how the body places it (inline, floating, in a table);
    media the body does not use (headers, leftovers) come last."""
    where: dict[str, str] = {}
    for rid in _BLIPS(body):
        ancestors = {a.tag for a in rid.getparent().iterancestors()}
        where.setdefault(rid, ("floating" if f"{{{NS['wp']}}}anchor" in ancestors else "inline")
                         + (" picture in a table" if W + "tbl" in ancestors else " picture"))
    pictures = [Picture(name, blob, where.get(rid, "unplaced picture"))
                for rid, (name, blob) in images.items()]
    seen = {p.name for p in pictures}
    pictures += [Picture(name, blob, "picture in a header or other part")
                 for name, blob in media.items() if name not in seen]
    return tuple(pictures)
