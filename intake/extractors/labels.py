"""Label normalisation and matching against a form's labels.

Real forms write "联 系 人", "电\\n话", "企业名称(以公章为准)：" or "ＱＣ小组名称";
all of these must find the same field.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

from intake.extractors.forms import Field

_SPACE = re.compile(r"\s+")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_COLON = re.compile(r"[:：﹕]")
# Characters that may precede a label inside a line of several pairs.
_BOUNDARY = set(" \t\u3000,，;；、|/")
_MAX_LABEL = 48
# A first colon this far into a line is prose, not a label (reports are long).
_PROSE = 120
_CACHED_LEN = 160


def normalise(text: str) -> str:
    """Width-folded, whitespace-free, upper-case text without end colons."""
    return _normalise_short(text) if len(text) <= _CACHED_LEN else _normalise(text)


@functools.lru_cache(maxsize=16384)
def _normalise_short(text: str) -> str:
    """Labels and cells recur across forms and mails; long texts are not kept."""
    return _normalise(text)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub("", text).upper()
    text = text.replace("【", "[").replace("】", "]")
    return text.strip(":*#")


def variants(norm: str) -> Iterator[str]:
    """The label as written, then without bracketed notes or a '%' unit."""
    yield norm
    bare = _BRACKETED.sub("", norm).strip(":")
    if bare and bare != norm:
        yield bare
    if bare.endswith("%"):
        yield bare.rstrip("%")


@functools.lru_cache(maxsize=256)
def index_for(fields: tuple[Field, ...], units: tuple[str, ...] = ()) -> LabelIndex:
    """A shared index per field tuple: forms are read many times per mail."""
    return LabelIndex(fields, units)


class LabelIndex:
    """Finds the field a label names, among one form's fields."""

    def __init__(self, fields: Iterable[Field], units: Iterable[str] = ()):
        self._index: dict[str, Field] = {}
        for f in fields:
            for label in f.labels:
                for v in variants(normalise(label)):
                    self._index.setdefault(v, f)
        self.units = frozenset(normalise(u) for u in units)

    def match(self, text: str) -> Field | None:
        """The field whose label `text` is, or None (values are not labels)."""
        if not text or len(text) > _MAX_LABEL * 2:
            return None
        return self._match_normal(normalise(text))

    @functools.lru_cache(maxsize=8192)
    def _match_normal(self, norm: str) -> Field | None:
        return next((self._index[v] for v in variants(norm) if v in self._index), None)

    def pairs(self, line: str) -> list[tuple[Field, str]]:
        """'label：value' pairs in one line or cell, several per line allowed.

        A long-text field takes the rest of the text, so its own colons
        never split it.
        """
        found: list[tuple[Field, int, int]] = []  # field, label start, value start
        for colon in _COLON.finditer(line):
            if found and found[-1][0].long_text or not found and colon.start() > _PROSE:
                break
            lo = found[-1][2] if found else 0
            start = self._label_before(line, lo, colon.start())
            if start is not None:
                field = self.match(line[start:colon.start()])
                found.append((field, start, colon.end()))
        return [(f, line[v:(found[i + 1][1] if i + 1 < len(found) else None)].strip())
                for i, (f, _, v) in enumerate(found)]

    def _label_before(self, line: str, lo: int, end: int) -> int | None:
        """Start of the longest label ending at `end` that begins at a boundary."""
        for start in range(max(lo, end - _MAX_LABEL), end):
            at_boundary = start == lo or line[start - 1] in _BOUNDARY
            if at_boundary and line[start] not in _BOUNDARY \
                    and self.match(line[start:end]):
                return start
        return None
