"""Read a .docx into `Content` by walking its body XML once.

The package is read straight from the zip: the main part found by its
relationship (WPS writes some packages without the content type of their
main part, which python-docx and LibreOffice refuse), the body walked with
lxml, because python-docx's cell API repeats merged cells and costs far
more (NOTES.md). Opening the package with python-docx costs three times the
whole direct read, so it is the second way in, for what the first refuses.
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
}
W = "{%s}" % NS["w"]
_RUNS = etree.XPath(
    ".//w:r[not(ancestor::mc:Fallback)]/w:t | .//w:r[not(ancestor::mc:Fallback)]/w:tab"
    " | .//w:r[not(ancestor::mc:Fallback)]/w:br | .//w:r[not(ancestor::mc:Fallback)]/w:cr",
    namespaces=NS)
_BLIPS = etree.XPath(".//a:blip/@r:embed | .//v:imagedata/@r:id", namespaces=NS)


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
    return Content(tuple(_blocks(body)), _pictures(body, images, media), "docx")


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
    return Content(tuple(_blocks(body)), _pictures(body, images, media), "docx")


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
    for child in container:
        if child.tag == W + "p":
            yield _paragraph_text(child)
        elif child.tag == W + "tbl":
            yield _table(child)
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _blocks(content)


def _paragraph_text(p) -> str:
    parts = []
    for el in _RUNS(p):
        tag = el.tag[len(W):]
        parts.append((el.text or "") if tag == "t" else "\t" if tag == "tab" else "\n")
    return "".join(parts)


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
