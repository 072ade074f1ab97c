"""The floor: the least work any implementation must do, single-threaded.

A bare download of the whole folder with imapclient (BODY.PEEK[] in
batches, nothing else), and for each message a MIME decode, then each file
once by what it is:

- .docx / .xlsx (and a .wps that is a .docx): an lxml parse of the main XML
  part, one Pillow decode of each embedded picture;
- .doc / .wps in Word 97 format: its WordDocument stream read out of the
  compound file (xlrd's reader); no conversion, no layout;
- PDF: every page opened and its text read with PDFium, every image on it
  decoded once (a scan PDF's page), no rendering;
- .jpg / .png: one Pillow decode;
- .zip / .rar / .7z: unpacked in memory, each member as above.

No OCR, seal detection, form recognition or LibreOffice: the floor is what
any implementation must do to have the bytes in hand, not to read a scan.
Download and decode are timed separately.
"""
from __future__ import annotations

import io
import time
import zipfile
from email import message_from_bytes, policy

from imapclient import IMAPClient

BATCH = 50
_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf")


def download(host: str, port: int, user: str, password: str, folder: str = "INBOX",
             batch: int = BATCH, each=None) -> dict:
    """Fetch every body; `each(raw)` (timed apart) is called per message if given."""
    t0 = time.perf_counter()
    fetch_s = work_s = 0.0
    count = size = 0
    with IMAPClient(host, port=port, ssl=False, timeout=60) as client:
        client.login(user, password)
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        for start in range(0, len(uids), batch):
            t = time.perf_counter()
            response = client.fetch(uids[start:start + batch], ["BODY.PEEK[]"])
            fetch_s += time.perf_counter() - t
            for data in response.values():
                raw = data[b"BODY[]"]
                count, size = count + 1, size + len(raw)
                if each is not None:
                    t = time.perf_counter()
                    each(raw)
                    work_s += time.perf_counter() - t
    total = time.perf_counter() - t0
    return {"messages": count, "bytes": size, "wall_s": total, "download_s": total - work_s,
            "fetch_commands_s": fetch_s, "decode_s": work_s}


def decode(raw: bytes) -> None:
    """MIME decode, then each file once by its kind (see the module docstring)."""
    message = message_from_bytes(raw, policy=policy.default)
    for part in message.walk():
        if not part.is_multipart() and part.get_filename():
            decode_file(part.get_filename(), part.get_content())


def decode_file(name: str, content: bytes) -> None:
    name = name.lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if content.startswith(b"PK") and ext in _MAIN_PART:
        _office_xml(content, _MAIN_PART[ext])
    elif content.startswith(b"PK") and ext == "wps":  # a .docx saved under WPS's name
        _office_xml(content, _MAIN_PART["docx"])
    elif content.startswith(_OLE_MAGIC):
        _word_binary(content)
    elif ext == "pdf":
        _pdf(content)
    elif ext in ("png", "jpg", "jpeg"):
        _image(content)
    elif ext in ("zip", "rar", "7z"):
        for member, data in _members(ext, content):
            decode_file(member, data)


def _office_xml(content: bytes, main_part: str) -> None:
    """The main XML part parsed; each embedded picture decoded once."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        etree.fromstring(archive.read(main_part))
        for member in archive.namelist():
            if member.lower().endswith(_IMAGE_EXT) and "/media/" in member:
                _image(archive.read(member))


def _word_binary(content: bytes) -> None:
    """A Word 97 file (.doc, or a .wps WPS saved as one): its text stream read out of the
    compound file, the least a reader of the binary format must do (no LibreOffice)."""
    from xlrd.compdoc import CompDoc

    CompDoc(content, logfile=io.StringIO()).get_named_stream("WordDocument")


def _pdf(content: bytes) -> None:
    """Every page opened and its text read; every image on it decoded once (a scan's page)."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pdf = pypdfium2.PdfDocument(content)
    for index in range(len(pdf)):
        page = pdf[index]
        text = page.get_textpage()
        text.get_text_range()
        text.close()
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            obj.get_bitmap()  # freed with the page
        page.close()
    pdf.close()


def _image(content: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image.load()


def _members(ext: str, content: bytes) -> list[tuple[str, bytes]]:
    """An archive's files, unpacked in memory."""
    if ext == "zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()]
    if ext == "rar":
        import rarfile

        with rarfile.RarFile(io.BytesIO(content)) as archive:
            return [(i.filename, archive.read(i)) for i in archive.infolist() if i.is_file()]
    import py7zr
    from py7zr.io import BytesIOFactory

    sink = BytesIOFactory(1 << 30)
    with py7zr.SevenZipFile(io.BytesIO(content)) as archive:
        archive.extractall(factory=sink)
    return [(name, product.read()) for name, product in sink.products.items()]


def floor(host: str, port: int, user: str, password: str, folder: str = "INBOX") -> dict:
    """Bare download plus decode in one single-threaded pass; floor_s is their sum."""
    result = download(host, port, user, password, folder, each=decode)
    result["floor_s"] = result["wall_s"]
    return result
