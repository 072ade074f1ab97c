"""What the console shows of a document: image previews, PDF pages, the seal, the marked text.

Sender files are untrusted: images are decoded with a pixel limit and only
PNG/JPEG/GIF/WebP go out as they are (anything else is re-encoded as PNG);
PDF pages are rendered in a limited child process (intake/extractors/isolate.py),
so a crafted PDF cannot hang or exhaust the console.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from markupsafe import Markup, escape

from intake.extractors.isolate import ParseLimitExceeded, run_limited

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
AS_IS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_PIXELS = 80_000_000
# The longest side of a picture the console hands out.
PREVIEW_SIDE = 2400
MAX_PAGES = 5
MAX_MEDIA, MAX_MEDIA_BYTES = 20, 20 * 1024 * 1024
RENDER_SECONDS, RENDER_MEMORY = 20, 768 * 1024 * 1024
# Words that mark, or may mark, a classified document (SPEC §4).
SECRET_WORDS = ("绝密", "机密", "秘密", "涉密", "内部资料", "注意保密", "内部")
_QUOTED = re.compile(r"[“\"「](.+?)[”\"」]")


class PreviewUnavailable(Exception):
    """The file cannot be shown; the text says why, in Chinese."""


def preview_kind(filename: str) -> str | None:
    """How a file is previewed: "image", "pdf", "docx", or None (download only)."""
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    return {".pdf": "pdf", ".docx": "docx", ".wps": None}.get(suffix)


def _open_image(data: bytes):
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        image.size  # noqa: B018 - reading the header is the check
        return image
    except Exception as err:  # noqa: BLE001 - any undecodable picture
        raise PreviewUnavailable("图片无法显示（文件已损坏或格式不支持），请下载后查看。") from err


def image_for_browser(data: bytes) -> tuple[bytes, str]:
    """The image as a browser may show it: as it is when safe and at most PREVIEW_SIDE pixels
    a side, else shrunk and re-encoded as PNG (a JPEG decoded at a reduced scale, `draft`)."""
    image = _open_image(data)
    if image.format in AS_IS and max(image.size) <= PREVIEW_SIDE:
        return data, AS_IS[image.format]
    image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
    return _png(image), "image/png"


def _png(image) -> bytes:
    image = image.convert("RGBA") if image.mode not in ("RGB", "RGBA", "L") else image
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _render_page(data: bytes, index: int, resolution: int) -> tuple[bytes | None, int]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        count = len(pdf.pages)
        if index >= count:
            return None, count
        picture = pdf.pages[index].to_image(resolution=resolution).original
        return _png(picture), count


def pdf_page(data: bytes, index: int, resolution: int = 110) -> tuple[bytes | None, int]:
    """Page `index` as PNG (None past the end) and the page count."""
    try:
        return run_limited(_render_page, data, index, resolution, seconds=RENDER_SECONDS, memory=RENDER_MEMORY)
    except (ParseLimitExceeded, MemoryError) as err:
        raise PreviewUnavailable("PDF 页面渲染超时或占用内存过多，请下载后查看。") from err
    except Exception as err:  # noqa: BLE001 - encrypted, corrupt
        raise PreviewUnavailable("PDF 无法显示（可能已加密或损坏），请下载后查看。") from err


def _count_pages(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF; 0 when it cannot be opened within the limits."""
    try:
        return run_limited(_count_pages, data, seconds=RENDER_SECONDS, memory=RENDER_MEMORY)
    except Exception:  # noqa: BLE001 - encrypted, corrupt, a bomb: shown as not previewable
        return 0


def docx_media(data: bytes) -> list[tuple[str, bytes]]:
    """The pictures inside a .docx (where a pasted seal is), in document order of their names."""
    found = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for info in sorted(package.infolist(), key=lambda i: i.filename):
                suffix = PurePosixPath(info.filename.lower()).suffix
                if (info.filename.startswith("word/media/") and suffix in IMAGE_EXTENSIONS
                        and info.file_size <= MAX_MEDIA_BYTES):
                    found.append((info.filename.rsplit("/", 1)[-1], package.read(info)))
                if len(found) >= MAX_MEDIA:
                    break
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    return found


def red_share(data: bytes) -> float:
    """Share of clearly red pixels: the picture most likely to hold the seal has the most."""
    try:
        image = _open_image(data)
    except PreviewUnavailable:
        return 0.0
    rgb = _red_mask(image)
    return float(rgb.mean()) if rgb is not None else 0.0


def _red_mask(image):
    import numpy as np

    small = image.convert("RGB")
    small.thumbnail((800, 800))
    pixels = np.asarray(small, dtype=np.int16)
    if pixels.ndim != 3:
        return None
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (r > 120) & (r - g > 50) & (r - b > 40)


def seal_crop(data: bytes) -> bytes:
    """The red part of a picture, cropped with a margin, as PNG; the whole picture when none is red."""
    import numpy as np

    image = _open_image(data)
    mask = _red_mask(image)
    if mask is None or mask.sum() < 60:
        return _png(image)
    rows, cols = np.nonzero(mask)
    scale = max(image.size) / max(mask.shape) if max(mask.shape) else 1
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    margin = 0.15 * max(bottom - top, right - left)
    box = [int(max(0, (left - margin) * scale)), int(max(0, (top - margin) * scale)),
           int(min(image.size[0], (right + margin) * scale)), int(min(image.size[1], (bottom + margin) * scale))]
    return _png(image.convert("RGB").crop(box))


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a document's text with what the finding is about marked."""

    html: Markup


def terms_of(code: str, detail: str, field: str | None) -> list[str]:
    """What to mark in the text for a finding: what its detail quotes, its field, marking words."""
    terms = [quoted.rstrip("…").strip() for quoted in _QUOTED.findall(detail or "")]
    if field:
        terms.append(field)
    if "CONFIDENTIAL" in code:
        terms += list(SECRET_WORDS)
    return [term for term in dict.fromkeys(terms) if len(term) >= 2]


def marked_excerpts(text: str, terms: list[str], width: int = 60, limit: int = 5) -> list[Excerpt]:
    """Up to `limit` escaped excerpts of `text` around the terms, each term in <mark>."""
    if not text or not terms:
        return []
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)))
    spans: list[list[int]] = []
    for match in pattern.finditer(text):
        start, end = max(0, match.start() - width), min(len(text), match.end() + width)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
        if len(spans) > limit:
            break
    excerpts = []
    for start, end in spans[:limit]:
        piece, parts, last = text[start:end], [], 0
        for match in pattern.finditer(piece):
            parts.append(escape(piece[last:match.start()]))
            parts.append(Markup("<mark>%s</mark>") % match.group())
            last = match.end()
        parts.append(escape(piece[last:]))
        prefix, suffix = ("……" if start else ""), ("……" if end < len(text) else "")
        excerpts.append(Excerpt(Markup(prefix) + Markup("").join(parts) + Markup(suffix)))
    return excerpts
