"""What rules need besides the submission: the competition's parameters and
what earlier mails already registered (`History`), both frozen, so every
rule stays a pure function of its inputs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from intake.base.config import CompetitionSettings
from intake.extractors.forms import form_name, spec_for  # noqa: F401 - rules name forms through the context
from intake.base.model import Document, DocumentKind, Finding, Severity

@dataclass(frozen=True)
class EarlierNomination:
    """A 优秀企业/优秀推进者 nomination received in an earlier mail."""

    filename: str
    nominee: str
    received_at: datetime


@dataclass(frozen=True)
class RegisteredResult:
    """A QC result already registered: its registration and how it is recognised."""

    registration_id: int
    result: str  # names.result_key
    group: str   # names.group_key


@dataclass(frozen=True)
class History:
    """What the store knew before this mail, as far as the rules need it.

    `results` maps a unit key (see `names.unit_key`) to its registered
    results in the order they were registered; `corrected` holds the
    registrations this mail corrects; `nominations` maps (document kind,
    unit key) to earlier nominations, those being corrected left out;
    `first_received` is when the registrations being corrected first arrived.
    """

    results: Mapping[str, tuple[RegisteredResult, ...]] = field(default_factory=dict)
    corrected: frozenset[int] = frozenset()
    nominations: Mapping[tuple[DocumentKind, str], tuple[EarlierNomination, ...]] = field(default_factory=dict)
    first_received: datetime | None = None


@dataclass(frozen=True)
class RuleContext:
    competition: CompetitionSettings
    received_at: datetime
    history: History = field(default_factory=History)


def deficiency(code: str, detail: str, document: str | None = None, field: str | None = None) -> Finding:
    return Finding(code=code, severity=Severity.DEFICIENCY, detail=detail, document=document, field=field)


def review(code: str, detail: str, document: str | None = None, field: str | None = None) -> Finding:
    return Finding(code=code, severity=Severity.REVIEW, detail=detail, document=document, field=field)


def is_read_form(doc: Document) -> bool:
    """A form whose fields were read: not a scan that only shows a seal, not a broken file."""
    return doc.error is None and bool(doc.fields) and spec_for(doc.kind) is not None
