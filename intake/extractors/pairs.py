"""Label → value pairs of one form, read from tables and paragraphs.

A value sits in the cell to the right (a unit cell in between is skipped),
in the cell below (a header row of labels above a row of values), after a
colon in the same cell, or after a colon in a paragraph; a long text may
follow its label in the next row or the next paragraphs.
"""
from __future__ import annotations

from intake.extractors.forms import Field, FormSpec
from intake.extractors.labels import LabelIndex, index_for, normalise
from intake.extractors.layout import Cell, Content, Table

# A paragraph starting with one of these ends a long text (the form's notes).
_NOTE_PREFIXES = ("注:", "备注:", "说明:")


def read_fields(content: Content, spec: FormSpec,
                skip: frozenset[tuple[int, int]] = frozenset()) -> dict[str, str]:
    """Raw field texts by canonical name; a label found with no value maps to ''.

    `skip` holds (block, row) positions already read as list rows.
    """
    index = index_for(spec.fields, spec.units)
    found: dict[str, str] = {}
    pending: Field | None = None
    for bi, block in enumerate(content.blocks):
        if isinstance(block, Table):
            pending = None
            _read_table(block, bi, index, found, skip)
        else:
            pending = _read_paragraph(block, index, found, pending)
    return found


def _put(found: dict[str, str], field: Field, value: str) -> None:
    """Keep the first non-empty value: a form's later repeats are notes."""
    if not found.get(field.name):
        found[field.name] = value.strip()


def _read_table(table: Table, bi: int, index: LabelIndex,
                found: dict[str, str], skip: frozenset[tuple[int, int]]) -> None:
    for ri, row in enumerate(table.rows):
        if (bi, ri) in skip:
            continue
        for ci, cell in enumerate(row):
            field = index.match(cell.text)
            if field:
                _put(found, field, _value_near(table, ri, ci, index))
                continue
            head, _, rest = cell.text.partition("\n")
            if rest and (field := index.match(head)):
                _put(found, field, rest)
                continue
            for field, value in index.pairs(cell.text):
                _put(found, field, value or _value_near(table, ri, ci, index))


def _value_near(table: Table, ri: int, ci: int, index: LabelIndex) -> str:
    """The value cell of a label: right of it, else below it, else ''."""
    row = table.rows[ri]
    right = _right_of(row, ci, index)
    if right is not None and not _is_label(right, index):
        return right.text
    below = _below(table, ri, row[ci])
    if below is not None and not _is_label(below, index):
        return below.text
    return ""


def _right_of(row: tuple[Cell, ...], ci: int, index: LabelIndex) -> Cell | None:
    """The next cell, past a unit cell when a value follows it (附件7)."""
    rest = row[ci + 1:]
    if len(rest) > 1 and normalise(rest[0].text) in index.units:
        return rest[1]
    return rest[0] if rest else None


def _below(table: Table, ri: int, cell: Cell) -> Cell | None:
    if ri + 1 >= len(table.rows):
        return None
    return next((c for c in table.rows[ri + 1] if c.covers(cell.col)), None)


def _is_label(cell: Cell, index: LabelIndex) -> bool:
    if index.match(cell.text):
        return True
    head = cell.text.partition("\n")[0]
    return bool(index.pairs(head)) or bool(index.match(head))


def _read_paragraph(line: str, index: LabelIndex, found: dict[str, str],
                    pending: Field | None) -> Field | None:
    """Read one paragraph; return the long-text field still collecting lines."""
    pairs = index.pairs(line)
    if not pairs:
        field = index.match(line)
        if field:
            _put(found, field, "")
            return field if field.long_text else None
        if pending and not normalise(line).startswith(_NOTE_PREFIXES):
            found[pending.name] = "\n".join(p for p in (found.get(pending.name), line.strip()) if p)
            return pending
        return None if normalise(line).startswith(_NOTE_PREFIXES) else pending
    for field, value in pairs:
        _put(found, field, value)
    last, value = pairs[-1]
    return last if last.long_text and not value else None
