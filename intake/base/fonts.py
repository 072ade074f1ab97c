"""Locate a CJK font so drawn images (the digest's chart, fixture seals and
scans) carry real Chinese.

Install the Debian package ``fonts-wqy-zenhei``; without any CJK font the
callers degrade: the digest chart keeps its digits and drops Chinese labels,
fixture seals fall back to stroke-like marks.
"""
from __future__ import annotations

import functools
import glob
import shutil
import subprocess

from PIL import ImageFont

_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
_GLOBS = (
    "/usr/share/fonts/**/*CJK*.tt[cf]",
    "/usr/share/fonts/**/wqy*.tt[cf]",
    "/usr/share/fonts/**/*[Ss]imSun*.tt[cf]",
    "/usr/local/share/fonts/**/*.tt[cf]",
)


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """Return a font file able to draw Chinese, or None when none is installed."""
    for path in _CANDIDATES:
        if _renders_chinese(path):
            return path
    for path in _fc_list() + [p for g in _GLOBS for p in sorted(glob.glob(g, recursive=True))]:
        if _renders_chinese(path):
            return path
    return None


def _fc_list() -> list[str]:
    """Ask fontconfig for Chinese-capable fonts (it knows user-installed ones too)."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())


def _renders_chinese(path: str) -> bool:
    """A font 'exists' only if it loads and has a glyph for a common hanzi."""
    try:
        font = ImageFont.truetype(path, 24)
    except OSError:
        return False
    box = font.getbbox("章")
    return box[2] - box[0] > 8


@functools.lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    """A CJK font at ``size`` pixels, or None (callers draw strokes instead)."""
    path = cjk_font_path()
    return ImageFont.truetype(path, size) if path else None


def any_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A CJK font if possible, else Pillow's default: for labels that may degrade."""
    return font(size) or ImageFont.load_default(size)
