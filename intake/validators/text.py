"""Text as a reader sees it: 字 counted like Word does, lines, the mail's own words."""
from __future__ import annotations

import re
import unicodedata

from intake.extractors.steps import text_lines as lines  # noqa: F401 - one home for "lines of a text"

# Where a reply's quoted original starts (Foxmail, QQ, 163, Outlook, Apple Mail, Gmail).
_QUOTE_START = re.compile(
    r"^\s*(>|-{2,}\s*(原始邮件|Original Message|Forwarded message|转发邮件)|"
    r"(发件人|From)\s*[:：]|在.{1,80}写道\s*[:：]?\s*$|On .{1,120} wrote:\s*$)", re.I)


def count_zi(text: str) -> int:
    """字数 as Word's 字数统计 counts it: each Chinese character or full-width (or
    quotation) mark is one, each run of Latin letters, digits and half-width
    marks is one, whitespace is nothing."""
    count, in_run = 0, False
    for ch in text:
        if ch.isspace():
            in_run = False
        elif unicodedata.east_asian_width(ch) in ("W", "F", "A"):
            count, in_run = count + 1, False
        elif not in_run:
            count, in_run = count + 1, True
    return count


def own_words(body: str) -> str:
    """The mail body without the quoted original a reply carries below it."""
    kept = []
    for line in body.splitlines():
        if _QUOTE_START.match(line):
            break
        kept.append(line)
    return "\n".join(kept)


def clip(text: str, limit: int = 40) -> str:
    """A quotation short enough for a sentence."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
