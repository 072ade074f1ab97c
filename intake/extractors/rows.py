"""Lists read from tables: member rows (附件5/6), the sections of 附件8.

A list starts at a header row naming its key column and at least one
other column; a section title (a paragraph or a one-cell row) chooses
among lists whose headers look alike. A row holding a form label ends it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.extractors.forms import Field, FormSpec, RowGroup
from intake.extractors.labels import LabelIndex, index_for, normalise
from intake.extractors.layout import Content, Row, Table

# One record's columns: (grid column, field); a header may hold two records
# side by side (附件6 lists two members per row).
Template = tuple[tuple[int, Field], ...]


@dataclass
class _State:
    section: RowGroup | None = None
    group: RowGroup | None = None
    templates: list[Template] = field(default_factory=list)


def read_rows(content: Content, spec: FormSpec
              ) -> tuple[dict[str, list[dict[str, Any]]], frozenset[tuple[int, int]]]:
    """The lists whose header was found, by name, and the (block, row)
    positions they used."""
    if not spec.rows:
        return {}, frozenset()
    form_labels = index_for(spec.fields)
    lists: dict[str, list[dict[str, Any]]] = {}
    used: set[tuple[int, int]] = set()
    state = _State()
    for bi, block in enumerate(content.blocks):
        if not isinstance(block, Table):
            if block.strip():
                state = _State(section=_section(block, spec) or state.section)
            continue
        for ri, row in enumerate(block.rows):
            if _read_row(row, spec, form_labels, state, lists):
                used.add((bi, ri))
    return lists, frozenset(used)


def _read_row(row: Row, spec: FormSpec, form_labels: LabelIndex,
              state: _State, lists: dict[str, list[dict[str, Any]]]) -> bool:
    """Update `state` from one row; True when the row belonged to a list."""
    title = _section(" ".join(c.text for c in row), spec) if len(row) <= 2 else None
    if title:
        state.section, state.group, state.templates = title, None, []
        return True
    header = _header(row, spec, state.section)
    if header:
        state.group, state.templates = header
        lists.setdefault(state.group.name, [])
        return True
    if state.group is None:
        return False
    if len(row) == 1 or any(form_labels.match(c.text) for c in row):
        # One cell across the table (附件6's "简介及活动结果（另附纸）") or a form label ends the list.
        state.group, state.templates = None, []
        return False
    for template in state.templates:
        record = _record(row, template)
        if any(record.get(f.name) for f in state.group.columns if f.required):
            lists[state.group.name].append(record)
    return True


def _section(text: str, spec: FormSpec) -> RowGroup | None:
    norm = normalise(text)
    if len(norm) > 40:
        return None
    return next((g for g in spec.rows if any(normalise(t) in norm for t in g.titles)), None)


def _header(row: Row, spec: FormSpec, section: RowGroup | None
            ) -> tuple[RowGroup, list[Template]] | None:
    """The list whose header this row is, preferring the current section's."""
    best: tuple[int, RowGroup, list[tuple[int, Field]]] | None = None
    for group in spec.rows:
        index = index_for(group.columns)
        cols = [(c.col, f) for c in row if (f := index.match(c.text))]
        key = next(f for f in group.columns if f.required)
        if len(cols) < 2 or key not in (f for _, f in cols):
            continue
        score = len(cols) + (100 if group is section else 0)
        if best is None or score > best[0]:
            best = (score, group, cols)
    return (best[1], _split(best[2])) if best else None


def _split(cols: list[tuple[int, Field]]) -> list[Template]:
    """Start a new record wherever a column repeats."""
    templates: list[list[tuple[int, Field]]] = [[]]
    for col, f in cols:
        if any(f is g for _, g in templates[-1]):
            templates.append([])
        templates[-1].append((col, f))
    return [tuple(t) for t in templates]


def _record(row: Row, template: Template) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, f in template:
        cell = next((c for c in row if c.covers(col)), None)
        out[f.name] = cell.text if cell else ""
    return out
