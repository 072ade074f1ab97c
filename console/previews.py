"""Pictures of sender files made once and kept on disk beside the archive.

Decoding a 72-megapixel TIFF takes about a second and a few hundred MB; done at
every view, one enterprise's scan slowed the console for everybody. Each picture
the console shows (an image, a PDF page, a picture inside a .docx, the seal) is
made at its first view in a limited child process (intake/extractors/isolate.py),
at most evidence.PREVIEW_SIDE pixels a side, and written to
`<archive_dir>/.previews/`; every later view reads that small file. The names
are the document's content hash and the picture, so a file sent twice is drawn once.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from intake.extractors.isolate import ParseLimitExceeded, run_limited

from console.evidence import RENDER_MEMORY, RENDER_SECONDS, PreviewUnavailable

log = logging.getLogger("intake.console")
FOLDER = ".previews"
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
SUFFIXES = {media_type: suffix for suffix, media_type in MEDIA_TYPES.items()}
_HASH = re.compile(r"[0-9a-f]{64}")
# Two views of one picture at once draw it once: the second waits for the first.
_LOCKS = [threading.Lock() for _ in range(16)]
# How many pages or pictures a file has, by content hash: counting a PDF's pages takes a
# child process, and the registration page would start one at every view.
_COUNTS: OrderedDict[tuple[str, str], int] = OrderedDict()
_COUNTS_KEPT = 4096
_COUNTS_LOCK = threading.Lock()

Maker = Callable[[], "tuple[bytes, str] | None"]


def preview(archive_root: Path, sha256: str, picture: str, make: Maker) -> tuple[bytes, str] | None:
    """The picture (bytes, media type), from the cache or made by `make` in a limited child
    process and cached; None when `make` finds nothing to show. Raises PreviewUnavailable."""
    if not _HASH.fullmatch(sha256) or not re.fullmatch(r"[a-z]+(-[0-9]+)?", picture):
        return _made(make)
    folder = archive_root / FOLDER
    stem = f"{sha256}-{picture}"
    with _LOCKS[hash(stem) % len(_LOCKS)]:
        for suffix, media_type in MEDIA_TYPES.items():
            try:
                return (folder / (stem + suffix)).read_bytes(), media_type
            except OSError:
                continue
        made = _made(make)
        if made is not None:
            _keep(folder, stem + SUFFIXES.get(made[1], ".png"), made[0])
        return made


def _made(make: Maker) -> tuple[bytes, str] | None:
    try:
        return run_limited(make, seconds=RENDER_SECONDS, memory=RENDER_MEMORY)
    except (ParseLimitExceeded, MemoryError) as err:
        raise PreviewUnavailable("图片过大或处理超时，请下载后查看。") from err


def _keep(folder: Path, name: str, data: bytes) -> None:
    """Write the picture atomically; a read-only archive only costs the caching."""
    try:
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{name}.{threading.get_ident()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(folder / name)
    except OSError as err:
        log.debug("Console: preview not cached (%s)", err)


def counted(sha256: str, what: str, count: Callable[[], int]) -> int:
    """`count()` for this file, asked once per content hash (the last few thousand kept)."""
    if not _HASH.fullmatch(sha256 or ""):
        return count()
    key = (sha256, what)
    with _COUNTS_LOCK:
        if key in _COUNTS:
            _COUNTS.move_to_end(key)
            return _COUNTS[key]
    found = count()
    with _COUNTS_LOCK:
        _COUNTS[key] = found
        while len(_COUNTS) > _COUNTS_KEPT:
            _COUNTS.popitem(last=False)
    return found
