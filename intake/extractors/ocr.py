"""Read a scanned form's words with Tesseract (tesserocr, on Debian's tesseract-ocr-chi-sim data).

Only for a scan or photo whose text layer and file name say nothing
("IMG_20230227_0931.jpg", an image-only PDF): OCR costs a fifth of a second
to a second a page, so it is bounded on every side. Only pictures that look
like paper are read (a photo's texture is where Tesseract is slowest). A page is
cropped to its print when it fills little of the picture, its seal's red
ink dropped (a red title kept), levelled (a photo's tilt), then read no
more than it takes, since a form's title settles its kind: the title strip
at a modest resolution; the head (title and first rows); a landscape
picture turned upright when Tesseract's orientation detection sees it
sideways, and read again so; the whole page only when the head is Chinese
text without a title. At most `MAX_PAGES` pages, each scaled to at
most `LONG_SIDE`, each Tesseract run stopped after `TIMEOUT` seconds, no new
run after `BUDGET` seconds.

Each process keeps its engine loaded (tesserocr, Tesseract's own library):
a command-line run loaded the Chinese model again for every strip read.
Without tesserocr or the Chinese data OCR is skipped (logged once) and the
scan stays a `scan`, as before OCR existed.
"""
from __future__ import annotations

import functools
import io
import logging
import os
import threading
import time
import warnings
from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageOps

from intake.extractors.layout import Content
from intake.extractors.recognise import Reading, recognise

log = logging.getLogger(__name__)

LANG = "chi_sim"
MAX_PAGES = 2
LONG_SIDE = (1400, 2000)   # px: smaller pages are enlarged, larger ones reduced
SIZE_SLACK = 0.05          # of LONG_SIDE: a page this near it is not resampled
TITLE_SHARE = 0.2          # of the page height: the title line (and where a red one is kept)
TITLE_SIDE = 1000          # px: the title strip's width when read, a third of the head's pixels
HEAD_SHARE = 0.4           # of the page height: the title and the first table rows
TIMEOUT = 10               # seconds per Tesseract run (a page takes about one)
BUDGET = 12                # seconds of OCR per document, then no new run starts
MIN_TURN_CONFIDENCE = 2.0  # Tesseract's orientation confidence worth turning a page for
MAX_PIXELS = 80_000_000    # larger images are not decoded (decompression bombs)
# A page with a form's table on it is at least this large (A4 at 50 dpi); smaller
# pictures are logos, signature images and seals, not worth a Tesseract run.
MIN_SIDES = (400, 560)
# Chinese characters in a page's head that show it is upright text worth reading whole.
MIN_HEAD_HANZI = 6
MAX_SKEW, SKEW_STEP = 6.0, 0.5  # degrees of tilt looked for, and the step
INK_LEVEL = 110            # grey below this is ink when finding the tilt
GRID = 8                   # blocks per side when judging whether a picture is paper
PAPER_SHARE = 0.45         # of the blocks plain light paper: a page (a scan 0.97, a desk photo 0.7)
MARK_LEVEL = 24            # grey differing this much from a picture's border is the page's print
RED_MARGIN = 80            # red this much above green and blue is red ink (a seal, a red title)


@functools.cache
def ocr_available() -> bool:
    """Tesseract (tesserocr's library) with Debian's simplified-Chinese data."""
    # Tesseract's OpenMP threads make one page slower, not faster (measured: 2.1 s
    # against 1.0 s on two cores), and the pipeline runs one worker per core.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        _engine(LANG)
    except Exception as err:  # ImportError, RuntimeError: no such data
        log.warning("OCR: unavailable (%s); scans are matched by file name only", err)
        return False
    return True


# Where Debian's tesseract-ocr-chi-sim and tesseract-ocr-osd put their data.
TESSDATA = "/usr/share/tesseract-ocr/5/tessdata/"
_ONE_AT_A_TIME = threading.Lock()  # a Tesseract engine serves one thread at a time


@functools.cache
def _engine(lang: str):
    """A Tesseract engine with `lang` loaded, kept for the process: loading chi_sim
    takes 0.15 s, which a command-line run paid on every strip read."""
    import tesserocr

    # A block of text (psm 6) is uniform enough for a form's table (psm 3 splits its cells apart).
    mode = tesserocr.PSM.OSD_ONLY if lang == "osd" else tesserocr.PSM.SINGLE_BLOCK
    return tesserocr.PyTessBaseAPI(path=os.environ.get("TESSDATA_PREFIX", TESSDATA), lang=lang, psm=mode)


def recognise_scan(pages: Iterable[bytes], filename: str) -> Reading | None:
    """The form that OCR finds on the first pages, or None (nothing recognised)."""
    if not ocr_available():
        return None
    deadline = time.monotonic() + BUDGET
    for number, data in enumerate(pages, start=1):
        if number > MAX_PAGES or time.monotonic() > deadline:
            break
        page = _prepare(data)
        if page is None or not looks_like_paper(page):
            continue
        reading = _read_page(page, filename, deadline)
        if reading is not None:
            log.info("OCR %s: page %d read as %s", filename, number, reading.kind.value)
            return reading
    return None


def _read_page(page: Image.Image, filename: str, deadline: float) -> Reading | None:
    """The title strip first, then the head; a landscape picture is then turned upright
    if Tesseract sees it sideways (a portrait form photographed so); else the whole
    page, when its head held Chinese text but no title."""
    page = _deskewed(page)
    reading = _reading(read_text(_title_strip(page)), filename)
    if reading is not None or time.monotonic() > deadline:
        return reading
    text = read_text(_head(page))
    reading = _reading(text, filename)
    if reading is not None or time.monotonic() > deadline:
        return reading
    if page.width > page.height:
        turned = _upright(page)
        if turned is not None:  # portrait now: never turned twice
            return _read_page(turned, filename, deadline) if time.monotonic() <= deadline else None
    if _hanzi(text) >= MIN_HEAD_HANZI:
        return _reading(read_text(page), filename)
    return None


def looks_like_paper(page: Image.Image) -> bool:
    """Most of the picture is light, flat paper (a page, a form), not a photo's texture.

    Tesseract is slowest on what it cannot read (a photo of equipment took 9 s);
    each block is judged against its own brightness, so uneven lighting passes.
    """
    small = page.reduce(max(1, max(page.size) // 256))
    grey = np.asarray(small, dtype=np.int16)
    rows, cols = grey.shape[0] // GRID, grey.shape[1] // GRID
    blocks = grey[:rows * GRID, :cols * GRID].reshape(GRID, rows, GRID, cols).swapaxes(1, 2).reshape(GRID * GRID, -1)
    light = np.percentile(blocks, 90, axis=1)
    flat = int(((light > 100) & ((blocks >= light[:, None] - 25).mean(axis=1) >= 0.6)).sum())
    return flat >= PAPER_SHARE * GRID * GRID


def _deskewed(page: Image.Image) -> Image.Image:
    """The page turned level: a photo's few degrees of tilt cost Tesseract the title."""
    angle = skew_angle(page)
    # Bilinear: half the cost of bicubic on a 2000 px page, and Tesseract reads both alike
    return page.rotate(angle, resample=Image.BILINEAR, expand=True, fillcolor=255) if angle else page


def skew_angle(page: Image.Image) -> float:
    """The turn (degrees counter-clockwise, as PIL turns) that levels a grey page.

    The angle is the one whose rows of ink are most sharply separated (text
    lines and table rules run level), tried in steps over ±MAX_SKEW degrees
    on a small copy: each ink pixel's row after the turn is projected, not
    the copy turned (9 ms on a 2000 px page, against 75 for turning it 25 times).
    """
    small = page.reduce(max(1, -(-max(page.size) // 640)))  # box-averaged: ten times a thumbnail's speed
    width, height = small.size
    ys, xs = np.nonzero(np.asarray(small) < INK_LEVEL)
    ys, xs = ys - height / 2, xs - width / 2
    angles = np.arange(-MAX_SKEW, MAX_SKEW + 1e-6, SKEW_STEP)
    sharpness = [_row_sharpness(ys, xs, a, width, height) for a in np.radians(angles)]
    return float(angles[int(np.argmax(sharpness))])


def _row_sharpness(ys: np.ndarray, xs: np.ndarray, angle: float, width: int, height: int) -> float:
    """How sharply the rows of ink (pixels at `ys`, `xs` from the centre) stand apart once
    turned `angle` counter-clockwise, as PIL turns: only what stays inside the frame counts
    (a photo's dark desk at the edges would otherwise outweigh the text)."""
    cos, sin = np.cos(angle), np.sin(angle)
    rows, cols = ys * cos - xs * sin + height / 2, xs * cos + ys * sin + width / 2
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    return float(np.var(np.diff(np.bincount(rows[inside].astype(np.intp), minlength=height))))


def _hanzi(text: str) -> int:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def _title_strip(page: Image.Image) -> Image.Image:
    """The top of the page, at most TITLE_SIDE wide: the title alone settles most forms."""
    strip = page.crop((0, 0, page.width, max(1, int(page.height * TITLE_SHARE))))
    if strip.width <= TITLE_SIDE:
        return strip
    ratio = TITLE_SIDE / strip.width
    return strip.resize((TITLE_SIDE, max(1, round(strip.height * ratio))), Image.LANCZOS)


def _head(page: Image.Image) -> Image.Image:
    return page.crop((0, 0, page.width, int(page.height * HEAD_SHARE)))


def _upright(page: Image.Image) -> Image.Image | None:
    """The page turned as Tesseract's orientation detection says, when it is sure."""
    try:
        with _ONE_AT_A_TIME:
            engine = _engine("osd")
            engine.SetImage(page)
            osd = engine.DetectOrientationScript()
    except Exception as err:  # no osd data, an image it refuses
        log.info("OCR: orientation not detected (%s)", err)
        return None
    if not osd or not osd.get("orient_deg") or float(osd.get("orient_conf", 0)) < MIN_TURN_CONFIDENCE:
        return None
    return page.rotate(int(osd["orient_deg"]), expand=True)  # turned clockwise that much: PIL turns back


def read_text(image: Image.Image) -> str:
    """Tesseract's text of one prepared image; '' when it fails or runs past TIMEOUT."""
    try:
        with _ONE_AT_A_TIME:
            engine = _engine(LANG)
            engine.SetImage(image)
            if not engine.Recognize(timeout=int(TIMEOUT * 1000)):
                log.warning("OCR: Tesseract gave up or ran past %d s", TIMEOUT)
                return ""
            return engine.GetUTF8Text()
    except Exception as err:  # RuntimeError from the engine
        log.warning("OCR: Tesseract failed (%s)", err)
        return ""


def _reading(text: str, filename: str) -> Reading | None:
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not lines:
        return None
    reading = recognise(Content(lines, (), "ocr"), filename)
    return reading if reading.spec is not None else None


def _prepare(data: bytes) -> Image.Image | None:
    """Upright, grey, cropped to the page, within LONG_SIDE; red ink (the seal) dropped.

    None for what cannot be a readable page: undecodable, too large, too small.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            short, long = sorted(img.size)
            if img.width * img.height > MAX_PIXELS or short < MIN_SIDES[0] or long < MIN_SIDES[1]:
                return None
            img.draft("RGB", (LONG_SIDE[1], LONG_SIDE[1]))  # JPEG: decode at reduced size
            ImageOps.exif_transpose(img, in_place=True)  # a copy of the whole picture otherwise
            if img.mode in ("RGBA", "LA", "PA", "P"):
                img = img.convert("RGBA")
                img = Image.alpha_composite(Image.new("RGBA", img.size, "white"), img)
            img = img.convert("RGB") if img.mode not in ("L", "1") else img.convert("L")
            img = _cropped_to_page(img)
            img = _seal_dropped(img) if img.mode == "RGB" else img
    except Exception as err:  # Pillow raises many types for broken images
        log.info("OCR: image not decodable (%s)", err)
        return None
    return _scaled(img)


def _seal_dropped(rgb: Image.Image) -> Image.Image:
    """Grey from the red channel, where red ink is as light as paper: the seal does not
    cover the words it is pressed on. A red line of text in the title area (a title
    printed in red, a 红头 letterhead) keeps its ink: a seal is round, not a line."""
    grey = rgb.getchannel("R")
    line = _red_title_line(rgb)
    if line is not None:
        grey.paste(rgb.crop(line).convert("L"), line[:2])
    return grey


def _red_title_line(rgb: Image.Image) -> tuple[int, int, int, int] | None:
    """The box of red ink in the title area when it is a line: at least three times as
    wide as high and a sixth of the page wide. Found on a copy about 1000 px wide (a
    title's strokes stay whole; a 72-megapixel scan's would take 90 MB as numbers)."""
    k = max(1, max(rgb.size) // 1000)
    title = int(rgb.height * TITLE_SHARE)
    area = np.asarray(rgb.crop((0, 0, rgb.width, max(k, title))).reduce(k), dtype=np.int16)
    red = area[..., 0] - area[..., 1:].max(axis=2) > RED_MARGIN
    rows, cols = np.flatnonzero(red.sum(axis=1) >= 3), np.flatnonzero(red.sum(axis=0) >= 3)
    if not len(rows):
        return None
    height, width = rows[-1] + 1 - rows[0], cols[-1] + 1 - cols[0]
    if width < 3 * height or width * k < rgb.width / 6:
        return None
    pad = height // 2 + 1
    return (int(max(0, cols[0] - pad) * k), int(max(0, rows[0] - pad) * k),
            int(min(rgb.width, (cols[-1] + 1 + pad) * k)), int(min(title, (rows[-1] + 1 + pad) * k)))


def _cropped_to_page(img: Image.Image) -> Image.Image:
    """The printed part of a picture it fills less than half of either way.

    A 1200-dpi scan of an A4 page on the scanner's whole glass, scaled whole
    to LONG_SIDE, leaves its text a few pixels high; cropped first, it keeps
    its size. The print is what differs from the picture's border, found on
    a copy about 1000 px long.
    """
    k = max(1, max(img.size) // 1000)
    small = np.asarray(img.reduce(k).convert("L"), dtype=np.int16)
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    marked = np.abs(small - np.median(border)) > MARK_LEVEL
    rows, cols = np.flatnonzero(marked.sum(axis=1) >= 2), np.flatnonzero(marked.sum(axis=0) >= 2)
    if not len(rows):
        return img
    height, width = rows[-1] + 1 - rows[0], cols[-1] + 1 - cols[0]
    if 2 * height > small.shape[0] or 2 * width > small.shape[1]:
        return img
    pad = max(height, width) // 20 + 1  # Tesseract wants a margin of paper
    left, top = max(0, cols[0] - pad) * k, max(0, rows[0] - pad) * k
    right, bottom = min(img.width, (cols[-1] + 1 + pad) * k), min(img.height, (rows[-1] + 1 + pad) * k)
    return img.crop((int(left), int(top), int(right), int(bottom)))


def _scaled(img: Image.Image) -> Image.Image:
    """Within LONG_SIDE; a picture a few per cent off stays as it is (resampling a
    2000 px page costs 30 ms, Tesseract reads 2007 px as well as 2000)."""
    low, high = LONG_SIDE
    side = max(img.size)
    target = min(max(side, low), high)
    if abs(target - side) <= SIZE_SLACK * target:
        return img
    ratio = target / side
    return img.resize((max(1, round(img.width * ratio)), max(1, round(img.height * ratio))), Image.LANCZOS)
