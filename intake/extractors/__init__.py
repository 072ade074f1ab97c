"""Extract stage: one attachment in, one `Document` out (SPEC §3).

The real format is sniffed from the bytes; each format has a reader that
reduces the file to `layout.Content`; recognition and field reading are
generic over the form table in `forms.py`. Legacy formats (.doc, .wps,
.rtf, .odt) go through LibreOffice to .docx first.

`extract_document` never raises for bad input: a file that cannot be read
gives a Document whose `error` says, in Chinese, what the sender can do.
"""
from __future__ import annotations

__all__ = ["extract_document", "detect_stamp", "INTERNAL_FAILURE"]

from intake.extractors.failures import INTERNAL_FAILURE


def __getattr__(name: str):
    """The readers (numpy, pdfplumber, openpyxl, ...) load on first use: the main process
    of the service only needs the form tables, the workers read the files."""
    if name in ("extract_document", "detect_stamp"):
        from intake.extractors import read
        return getattr(read, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
