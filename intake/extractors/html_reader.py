"""Read HTML and MHTML (Word's "save as web page", often renamed .doc) into `Content`.

Parsed here rather than by LibreOffice: a converter would fetch the linked
pictures and styles from wherever the sender's HTML points. An MHTML file
carries its pictures inside, so a seal pasted there is still seen.
"""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from html.parser import HTMLParser

from intake.extractors.layout import Cell, Content, Picture, Table

_BREAKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
_CHARSET = re.compile(rb"charset=[\"']?([\w-]+)", re.I)


def read_html(data: bytes | str) -> Content:
    """Bytes are decoded by their <meta> charset; MHTML parts come as text."""
    parser = _Blocks()
    parser.feed(data if isinstance(data, str) else _decode(data))
    parser.close()
    return Content(tuple(parser.blocks), (), "html")


def read_mhtml(data: bytes) -> Content:
    """The first HTML part as the text, every image part as a picture."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    content, pictures = Content((), (), "mhtml"), []
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "text/html" and not content.blocks:
            content = read_html(part.get_content())
        elif ctype.startswith("image/"):
            name = part.get("Content-Location") or part.get_filename() or ctype
            pictures.append(Picture(name, part.get_payload(decode=True) or b"", "MHTML part"))
    return replace(content, pictures=tuple(pictures), source_format="mhtml")


def _decode(data: bytes) -> str:
    match = _CHARSET.search(data[:2048])
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    if declared in ("gb2312", "gbk"):
        declared = "gb18030"  # senders label GBK as gb2312 (NOTES.md)
    try:
        return data.decode(declared)
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace")


class _Blocks(HTMLParser):
    """Paragraph lines outside tables; each outermost table as rows of cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list = []
        self._line: list[str] = []
        self._rows: list[list[Cell]] = []
        self._cell: list[str] | None = None
        self._depth = 0   # table nesting
        self._skip = 0    # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._flush_line()
            self._depth += 1
        elif tag == "tr" and self._depth == 1:
            self._rows.append([])
        elif tag in ("td", "th") and self._depth == 1 and self._rows:
            self._cell = []
        elif tag in _BREAKS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._depth == 1 and self._cell is not None:
            row = self._rows[-1]
            row.append(Cell("".join(self._cell).strip(), len(row)))
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.blocks.append(Table(tuple(tuple(r) for r in self._rows if r)))
                self._rows = []
        elif tag in _BREAKS:
            self._newline()

    def handle_data(self, data):
        if self._skip:
            return
        text = re.sub(r"\s+", " ", data)
        (self._cell if self._cell is not None else self._line).append(text)

    def close(self):
        super().close()
        self._flush_line()

    def _newline(self) -> None:
        if self._cell is not None:
            self._cell.append("\n")
        elif not self._depth:
            self._flush_line()

    def _flush_line(self) -> None:
        line = "".join(self._line).strip()
        if line:
            self.blocks.append(line)
        self._line = []
