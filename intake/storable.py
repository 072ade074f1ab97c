"""Text every store accepts: no lone surrogates, no NUL.

Python keeps undecodable bytes of a header as lone surrogates ('\\udce4');
PostgreSQL refuses them, and NUL, in text and JSON, and SQLite's JSON
encoder may too. Decoding replaces them where text enters the product
(intake/parse.py, intake/archive.py's file names); the recorder applies
this once more before anything is written.
"""
from __future__ import annotations

import re

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
