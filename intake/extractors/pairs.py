"""Label → value pairs of one form, read from tables and paragraphs.

A value sits in the cell to the right (a unit cell in between is skipped),
in the cell below (a header row of labels above a row of values), after a
colon in the same cell, or after a colon in a paragraph; a long text may
follow its label in the next row or the next paragraphs.

Each value also records how it was found (`Provenance`): beside its label
or after its colon is EXACT; under its label in a header row of labels
whose next row has the same cells is GRID; a cell below a lone label, or a
text collected from the paragraphs after a label, is INFERRED, and so is an
empty value whose label has no value cell at all. EXACT and GRID readings
may support a deficiency, INFERRED ones only a review (`intake.validators`).
"""
from __future__ import annotations

from intake.extractors.forms import Field, FormSpec
from intake.extractors.labels import LabelIndex, index_for, normalise
from intake.extractors.layout import Cell, Content, Row, Table
from intake.base.model import Provenance

EXACT, GRID, INFERRED = Provenance.EXACT, Provenance.GRID, Provenance.INFERRED
Found = tuple[dict[str, str], dict[str, Provenance]]

# A paragraph starting with one of these ends a long text (the form's notes).
_NOTE_PREFIXES = ("注:", "备注:", "说明:")


def read_fields(content: Content, spec: FormSpec,
                skip: frozenset[tuple[int, int]] = frozenset()) -> dict[str, str]:
    """Raw field texts by canonical name; a label found with no value maps to ''.

    `skip` holds (block, row) positions already read as list rows.
    """
    return read_fields_found(content, spec, skip)[0]


def read_fields_found(content: Content, spec: FormSpec,
                      skip: frozenset[tuple[int, int]] = frozenset()) -> Found:
    """`read_fields` with how each value was found (field name → Provenance)."""
    index = index_for(spec.fields, spec.units)
    found: Found = ({}, {})
    pending: Field | None = None
    for bi, block in enumerate(content.blocks):
        if isinstance(block, Table):
            pending = None
            _read_table(block, bi, index, found, skip)
        else:
            pending = _read_paragraph(block, index, found, pending)
    return found


def _put(found: Found, field: Field, value: str, how: Provenance = EXACT) -> None:
    """Keep the first non-empty value: a form's later repeats are notes."""
    values, provenance = found
    if field.name not in values or not values[field.name] and value.strip():
        values[field.name] = value.strip()
        provenance[field.name] = how


def _read_table(table: Table, bi: int, index: LabelIndex,
                found: Found, skip: frozenset[tuple[int, int]]) -> None:
    for ri, row in enumerate(table.rows):
        if (bi, ri) in skip:
            continue
        for ci, cell in enumerate(row):
            field = index.match(cell.text)
            if field:
                _put(found, field, *_value_near(table, ri, ci, index))
                continue
            head, _, rest = cell.text.partition("\n")
            if rest and (field := index.match(head)):
                _put(found, field, rest)
                continue
            for field, value in index.pairs(cell.text):
                _put(found, field, *((value, EXACT) if value else _value_near(table, ri, ci, index)))


def _value_near(table: Table, ri: int, ci: int, index: LabelIndex) -> tuple[str, Provenance]:
    """The value cell of a label and how sure it is: right of it (EXACT), else
    below it (GRID or INFERRED), else '' (INFERRED: the label has no value cell).

    Under a header row of labels (附件5's 组长姓名|性别|职务, or any form laid
    out so) the row below is a row of values and is taken as written, even a
    value that happens to be a label word ("组长" under 职务); when its cells
    line up with the labels' the reading is as sure as a value beside its label.
    """
    row = table.rows[ri]
    right = _right_of(row, ci, index)
    if right is not None and not _is_label(right, index):
        return right.text, EXACT
    below = _below(table, ri, row[ci])
    if below is None:
        return "", INFERRED
    if _is_header_row(row, index) and _is_value_row(table.rows[ri + 1], index):
        return below.text, GRID if _aligned(row, table.rows[ri + 1]) else INFERRED
    return ("", INFERRED) if _is_label(below, index) else (below.text, INFERRED)


def _aligned(labels: Row, values: Row) -> bool:
    """The same cells, column for column: each value sits under exactly one label."""
    return [(c.col, c.span) for c in labels] == [(c.col, c.span) for c in values]


def _is_header_row(row: Row, index: LabelIndex) -> bool:
    """Two or more labels and nothing else written in the row."""
    written = [c for c in row if c.text.strip()]
    return len(written) >= 2 and all(_is_label(c, index) for c in written)


def _is_value_row(row: Row, index: LabelIndex) -> bool:
    """A row that is mostly not labels (or left blank): the values under a header row."""
    written = [c for c in row if c.text.strip()]
    return not written or sum(_is_label(c, index) for c in written) * 2 < len(written)


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


def _read_paragraph(line: str, index: LabelIndex, found: Found,
                    pending: Field | None) -> Field | None:
    """Read one paragraph; return the long-text field still collecting lines.

    A label alone on its line, and the paragraphs a long text collects after
    it, are INFERRED: where such a text ends is a guess.
    """
    pairs = index.pairs(line)
    values, provenance = found
    if not pairs:
        field = index.match(line)
        if field:
            _put(found, field, "", INFERRED)
            return field if field.long_text else None
        if pending and not normalise(line).startswith(_NOTE_PREFIXES):
            values[pending.name] = "\n".join(p for p in (values.get(pending.name), line.strip()) if p)
            provenance[pending.name] = INFERRED
            return pending
        return None if normalise(line).startswith(_NOTE_PREFIXES) else pending
    for field, value in pairs:
        _put(found, field, value)
    last, value = pairs[-1]
    return last if last.long_text and not value else None
