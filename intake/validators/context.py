"""What rules need besides the submission: the competition's parameters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intake.config import CompetitionSettings
from intake.model import Finding, Severity


@dataclass(frozen=True)
class RuleContext:
    competition: CompetitionSettings
    received_at: datetime


def deficiency(code: str, detail: str, document: str | None = None, field: str | None = None) -> Finding:
    return Finding(code=code, severity=Severity.DEFICIENCY, detail=detail, document=document, field=field)


def review(code: str, detail: str, document: str | None = None, field: str | None = None) -> Finding:
    return Finding(code=code, severity=Severity.REVIEW, detail=detail, document=document, field=field)
