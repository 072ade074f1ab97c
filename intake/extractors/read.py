"""Extract stage: one attachment in, one `Document` out; see the package docstring."""
from __future__ import annotations

import io
import logging
from dataclasses import replace
from pathlib import PurePath

from PIL import Image

from intake.extractors import build
from intake.extractors.convert import convert
from intake.extractors.failures import INTERNAL_FAILURE
from intake.extractors.docx_reader import read_docx, read_docx_package
from intake.extractors.html_reader import read_html, read_mhtml
from intake.extractors.isolate import ParseLimitExceeded, run_limited
from intake.extractors.layout import Content
from intake.extractors.ocr import MAX_PAGES as OCR_PAGES
from intake.extractors.pdf_reader import PARSE_MEMORY, PARSE_SECONDS, read_pdf, rendered_pages
from intake.extractors.sheet_reader import read_xls, read_xlsx
from intake.extractors.slides import read_pptx
from intake.extractors.sniff import sniff
from intake.extractors.stamp import detect_stamp  # noqa: F401 - the package hands it out
from intake.base.model import Attachment, Document, DocumentKind

log = logging.getLogger(__name__)

ENCRYPTED = "文件已加密，无法打开，请去除密码后重新发送"
CORRUPT = "文件已损坏，无法打开，请重新保存或重新导出后再发送"
EMPTY = "文件为空（0 字节），请重新添加附件后发送"
UNSUPPORTED = "不支持的文件类型（{ext}），请转换为 Word（.docx）、Excel 或 PDF 后重新发送"
NOT_CONVERTED = "无法读取该 {ext} 文件（格式转换失败，文件可能已损坏或加密），请另存为 .docx 后重新发送"
BAD_IMAGE = "图片无法打开（文件损坏或格式不支持），请重新拍照或扫描后发送"
TOO_BIG = "文件解压后过大（疑似异常压缩文件），无法处理，请压缩图片或拆分文件后重新发送"
OVERRUN = "文件解析超时或所需内存过大（文件结构异常），请重新导出或另存后再发送"
HOSTILE_XML = "文件内部含有不允许的 XML 声明（DTD/实体，可能是恶意构造的文件），无法读取，请用 Word 或 Excel 重新保存后发送"


def extract_document(attachment: Attachment, *, ocr: bool = True) -> Document:
    """Read one attachment into a Document; see the module docstring. With `ocr` off, a
    scan that its name does not name stays a `scan` (`extract_all` reads it only when
    its form could matter)."""
    fmt = ""
    try:
        fmt = sniff(attachment.payload, attachment.filename)
        return _extract(attachment, fmt, ocr)
    except Exception:  # the stage's error boundary: a reader bug is not the sender's fault
        log.exception("Extract %s: unexpected failure reading %s", attachment.filename, fmt)
        return build.failed(attachment, fmt, INTERNAL_FAILURE)


def read_scan(att: Attachment, scan: Document) -> Document:
    """`scan`, which `extract_document(att, ocr=False)` left unread, read by OCR: the
    picture itself, or a PDF's first pages rendered finely, with what else was read
    standing (nothing is parsed twice); a document of pasted pictures is read again."""
    if scan.source_format == "pdf":
        return _by_ocr(att, scan, lambda: _ocr_pages(att))
    if _READERS.get(scan.source_format) is _image:
        return _by_ocr(att, scan, lambda: (att.payload,))
    return extract_document(att)


def _by_ocr(att: Attachment, scan: Document, pages: build.PageSource) -> Document:
    try:
        return build.read_by_ocr(att, scan, pages)
    except Exception:  # the stage's error boundary, as in extract_document: the scan stays unread
        log.exception("Extract %s: unexpected failure reading the scan by OCR", att.filename)
        return scan


def _extract(att: Attachment, fmt: str, ocr: bool) -> Document:
    """Refuse what cannot be read, else hand the file to its format's reader."""
    if fmt in _REFUSED:
        return build.failed(att, fmt, _REFUSED[fmt])
    reader = _READERS.get(fmt)
    if reader is None:
        ext = PurePath(att.filename).suffix.lower() or fmt
        return build.failed(att, fmt, UNSUPPORTED.format(ext=ext))
    return reader(att, fmt, ocr)


def _docx(att: Attachment, fmt: str, ocr: bool) -> Document:
    """Straight from the zip first (a third of python-docx's cost, measured: 2.9 ms
    against 9.8 ms a form); python-docx for a package that read refuses; only
    then LibreOffice."""
    for read in (read_docx_package, read_docx):
        try:
            return build.document_from(att, read(att.payload), ocr=ocr)
        except Exception as err:  # python-docx and lxml raise many types
            log.info("Extract %s: %s refused (%s)", att.filename, read.__name__, err)
    return _converted(att, "docx", ocr)


def _converted(att: Attachment, fmt: str, ocr: bool) -> Document:
    """Through LibreOffice: documents to .docx, spreadsheets to .xlsx."""
    sheet = fmt in ("xls", "xlsx", "ods")
    try:
        data = convert(att.payload, fmt, "xlsx" if sheet else "docx")
        content = read_xlsx(data) if sheet else read_docx(data)
    except Exception as err:  # ConversionError, or a converted file still unreadable
        log.warning("Extract %s: %s conversion failed: %s", att.filename, fmt, err)
        ext = PurePath(att.filename).suffix.lower() or fmt
        return build.failed(att, fmt, NOT_CONVERTED.format(ext=ext))
    return build.document_from(att, replace(content, source_format=fmt), ocr=ocr)


def _pdf(att: Attachment, fmt: str, ocr: bool) -> Document:
    """pdfminer is where a crafted file can hang or balloon: it reads in a child process."""
    try:
        content = run_limited(read_pdf, att.payload, seconds=PARSE_SECONDS, memory=PARSE_MEMORY)
    except (ParseLimitExceeded, MemoryError) as err:
        log.warning("Extract %s: PDF parse stopped (%s)", att.filename, err or type(err).__name__)
        return build.failed(att, "pdf", OVERRUN)
    except Exception as err:  # pdfminer raises many types for damaged files
        log.info("Extract %s: PDF unreadable (%s)", att.filename, err)
        locked = b"/Encrypt" in att.payload
        return build.failed(att, "pdf", ENCRYPTED if locked else CORRUPT)
    return build.document_from(att, content, lambda: _ocr_pages(att), ocr=ocr)


def _ocr_pages(att: Attachment):
    """A PDF's first pages rendered finely enough to read (OCR_DPI)."""
    return rendered_pages(att.payload, OCR_PAGES)


def _sheet(att: Attachment, fmt: str, ocr: bool) -> Document:
    """openpyxl or xlrd; a workbook they refuse goes through LibreOffice."""
    try:
        content = read_xlsx(att.payload) if fmt == "xlsx" else read_xls(att.payload)
    except Exception as err:
        if "encrypted" in str(err).lower():  # xlrd: "Workbook is encrypted"
            return build.failed(att, fmt, ENCRYPTED)
        log.info("Extract %s: %s reader refused (%s), trying LibreOffice", att.filename, fmt, err)
        return _converted(att, fmt, ocr)
    return build.document_from(att, content, ocr=ocr)


def _image(att: Attachment, fmt: str, ocr: bool) -> Document:
    try:
        Image.open(io.BytesIO(att.payload)).verify()
    except Exception:  # Pillow raises many types for broken images
        return build.failed(att, fmt, BAD_IMAGE, DocumentKind.SCAN)
    return build.image_document(att, fmt, ocr=ocr)


def _presentation(att: Attachment, fmt: str, ocr: bool) -> Document:
    text = ""
    if fmt == "pptx":
        try:
            text = read_pptx(att.payload).text()
        except Exception as err:
            log.info("Extract %s: slides unreadable (%s)", att.filename, err)
    return Document(filename=att.filename, sha256=att.sha256, kind=DocumentKind.PRESENTATION,
                    text=text, source_format=fmt)


def _text(att: Attachment, fmt: str, ocr: bool) -> Document:
    return build.document_from(att, _text_content(att.payload), ocr=ocr)


def _html(att: Attachment, fmt: str, ocr: bool) -> Document:
    read = read_mhtml if fmt == "mhtml" else read_html
    return build.document_from(att, read(att.payload), ocr=ocr)


def _text_content(data: bytes) -> Content:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", "replace")
    return Content(tuple(text.splitlines()), (), "txt")


_REFUSED = {"empty": EMPTY, "encrypted": ENCRYPTED, "broken-zip": CORRUPT, "unknown": CORRUPT,
            "zip-bomb": TOO_BIG, "xml-dtd": HOSTILE_XML}
# Sniffed format → reader; LibreOffice reads what has no reader of its own.
_READERS = {
    "docx": _docx, "doc": _converted, "wps": _converted, "rtf": _converted, "odt": _converted,
    "xlsx": _sheet, "xls": _sheet, "ods": _converted,
    "pdf": _pdf, "html": _html, "mhtml": _html, "txt": _text,
    **dict.fromkeys(("png", "jpeg", "gif", "bmp", "tiff", "webp"), _image),
    **dict.fromkeys(("pptx", "ppt", "odp", "pps", "ppsx"), _presentation),
}
