"""The floor: the least work any implementation must do, single-threaded.

A bare download of the whole folder with imapclient (BODY.PEEK[] in
batches, nothing else), and for each message: a MIME decode, an lxml parse
of the main XML part of every Office file, a decode of every image once and
an open of every PDF page. Download and decode are timed separately.
"""
from __future__ import annotations

import io
import time
import zipfile
from email import message_from_bytes, policy

from imapclient import IMAPClient

BATCH = 50
_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}
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
    """MIME decode, main-XML parse of Office files, one image decode each, open every PDF page."""
    import pypdfium2
    from lxml import etree
    from PIL import Image

    message = message_from_bytes(raw, policy=policy.default)
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        name = (part.get_filename() or "").lower()
        ext = name.rsplit(".", 1)[-1] if "." in name else ""
        if ext in _MAIN_PART:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                etree.fromstring(archive.read(_MAIN_PART[ext]))
                for member in archive.namelist():
                    if member.lower().endswith(_IMAGE_EXT) and "/media/" in member:
                        with Image.open(io.BytesIO(archive.read(member))) as image:
                            image.load()
        elif ext == "pdf":
            pdf = pypdfium2.PdfDocument(content)
            for index in range(len(pdf)):
                pdf[index].close()
            pdf.close()
        elif ext in ("png", "jpg", "jpeg"):
            with Image.open(io.BytesIO(content)) as image:
                image.load()


def floor(host: str, port: int, user: str, password: str, folder: str = "INBOX") -> dict:
    """Bare download plus decode in one single-threaded pass; floor_s is their sum."""
    result = download(host, port, user, password, folder, each=decode)
    result["floor_s"] = result["wall_s"]
    return result
