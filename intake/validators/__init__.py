"""The rules of the notice, each a small module answering one question.

Every rule is `check(submission, ctx) -> list[Finding]` and never raises for
bad data; `decide` turns the findings into the verdict. Read RULES to know
what the product checks.
"""
from __future__ import annotations

from intake.model import Finding, Severity, Submission, Verdict
from intake.validators import completeness, deadline, documents, stamp, topic
from intake.validators.context import RuleContext

RULES = (
    documents.check_has_documents,
    documents.check_readable,
    completeness.check_entry_forms,
    completeness.check_reports,
    completeness.check_required_fields,
    stamp.check_stamps,
    topic.check_topic_type,
    deadline.check_deadline,
)


def validate(submission: Submission, ctx: RuleContext) -> list[Finding]:
    """Run every rule; a rule that breaks becomes a review flag, not a crash."""
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings.extend(rule(submission, ctx))
        except Exception as err:  # noqa: BLE001 - one broken rule must not lose the message
            findings.append(Finding(code="MANUAL_REVIEW", severity=Severity.REVIEW,
                                    detail=f"规则 {rule.__module__}.{rule.__name__} 出错：{err}"))
    return findings


def decide(findings: list[Finding]) -> Verdict:
    """Accepted unless some finding is a deficiency."""
    if any(f.severity is Severity.DEFICIENCY for f in findings):
        return Verdict.DEFICIENT
    return Verdict.ACCEPTED


__all__ = ["RULES", "RuleContext", "decide", "validate"]
