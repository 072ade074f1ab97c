"""Text of a .pptx, for the confidentiality check of presentation material.

No slide layout is needed: the drawing text of each slide in order.
"""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from intake.extractors.layout import Content

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_SLIDE = re.compile(r"ppt/slides/slide(\d+)\.xml$")
MAX_SLIDE_BYTES = 20_000_000
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_pptx(data: bytes) -> Content:
    """One paragraph per text paragraph of every slide, slides in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        slides = sorted((int(m.group(1)), info) for info in archive.infolist()
                        if (m := _SLIDE.match(info.filename)))
        lines: list[str] = []
        for _, info in slides:
            if info.file_size > MAX_SLIDE_BYTES:
                continue
            root = etree.fromstring(archive.read(info), _PARSER)
            lines += ["".join(t.text or "" for t in p.iter(_A + "t"))
                      for p in root.iter(_A + "p")]
    return Content(tuple(line for line in lines if line.strip()), (), "pptx")
