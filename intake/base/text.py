"""Text helpers every floor shares: text every store accepts, lines, 字 counted as
Word counts them, the sender's own words of a reply.

Text every store accepts: no lone surrogates, no NUL.

Python keeps undecodable bytes of a header as lone surrogates ('\\udce4');
PostgreSQL refuses them, and NUL, in text and JSON, and SQLite's JSON
encoder may too. Decoding replaces them where text enters the product
(intake/mime/parse.py, intake/fetch/archive.py's file names); the recorder applies
this once more before anything is written.
"""
from __future__ import annotations

import re
import unicodedata

_LONE_SURROGATE = re.compile("[\ud800-\udfff]+")


def has_surrogates(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def storable(text: str) -> str:
    """Each run of lone surrogates becomes one U+FFFD; NUL characters are dropped."""
    return _LONE_SURROGATE.sub("\ufffd", text).replace("\x00", "")


def storable_value(value):
    """`storable` through the str, list and dict values a JSON column holds."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [storable_value(item) for item in value]
    if isinstance(value, dict):
        return {storable_value(key) if isinstance(key, str) else key: storable_value(item)
                for key, item in value.items()}
    return value


def lines(text: str) -> list[str]:
    """Non-empty lines, stripped (tabs between table cells kept as one space)."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"[ \t\u3000]+", " ", line).strip()
        if line:
            out.append(line)
    return out


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
