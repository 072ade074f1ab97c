"""The rules of the notice, each a small module answering one question.

Every rule is `check(submission, ctx) -> list[Finding]` and never raises for
bad data; `verdict_of` turns the findings into the verdict. Read RULES to know
what the product checks; the figures (quota, limits, dates) are the
[competition] keys of the configuration.

A deficiency only from a confident reading. Extractors record how each field
was found (`Document.provenance`, see `model.Provenance`); a rule that would
send a deficiency because of a field's value (or its emptiness) checks
`Document.confident(field)` first. The label found as printed with its value
cell beside it is confident; a value inferred from the layout, a label never
found ("unknown", not "empty"), a check-box list that cannot be read for
certain are not: they become review flags (MANUAL_REVIEW) naming the form and
field, for the secretariat. Documents read back from the store carry no
provenance and keep the judgement they had.
"""
from __future__ import annotations

import logging

from intake.base.model import Finding, Severity, Submission, Verdict
from intake.validators import (
    completeness, confidential, consistency, deadline, documents, full_name, nominations, presenters, quota,
    report_structure, sender, stamp, statistics, team, topic, word_limit,
)
from intake.validators.context import History, RuleContext

log = logging.getLogger("intake.validators")

RULES = (
    # The files: did they arrive, can they be read?
    documents.check_has_documents,          # NO_DOCUMENTS, LINK_ONLY_ATTACHMENT
    documents.check_readable,               # UNREADABLE_DOCUMENT
    # What the notice asks for: a stamped 报名表 and the results report in Word.
    completeness.check_entry_forms,         # MISSING_ENTRY_FORM
    completeness.check_reports,             # MISSING_QC_REPORT, QC_REPORT_NOT_WORD
    completeness.check_required_fields,     # MISSING_FIELD, on every form
    stamp.check_stamps,                     # MISSING_STAMP / STAMP_UNCERTAIN, on every form that needs a seal
    # 报名要求.
    topic.check_topic_type,                 # INVALID_TOPIC_TYPE (报名表, 注册登记表)
    presenters.check_presenters,            # PRESENTER_COUNT: presenters_min..presenters_max
    word_limit.check_word_limits,           # WORD_LIMIT: word_limit_* 字
    confidential.check_confidentiality,     # CONFIDENTIAL_MARKING / POSSIBLE_CONFIDENTIAL
    deadline.check_deadline,                # LATE_SUBMISSION
    # Across the unit's mails.
    quota.check_quota,                      # QUOTA_EXCEEDED: quota_per_enterprise
    nominations.check_nominations,          # NOMINATION_LIMIT: *_nominations_per_unit
    # Across the submission's documents.
    consistency.check_consistency,          # INCONSISTENT_DOCUMENTS
    team.check_team_eligibility,            # TEAM_INELIGIBLE: a team with incidents
    # For the secretariat only.
    statistics.check_statistics,            # STATISTICS_MISMATCH
    report_structure.check_report_structure,  # REPORT_STRUCTURE: the steps of T/CAQ 10201—2020
    sender.check_sender,                    # SENDER_UNVERIFIED: SPF/DKIM failed
    full_name.check_full_names,             # NAME_ABBREVIATED
)


def validate(submission: Submission, ctx: RuleContext) -> list[Finding]:
    """Run every rule; a rule that breaks becomes a review flag, not a crash."""
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings.extend(rule(submission, ctx))
        except Exception as err:  # noqa: BLE001 - one broken rule must not lose the message
            log.exception("Rule %s.%s failed on a mail from %s", rule.__module__, rule.__name__,
                          submission.mail.sender)
            findings.append(Finding(code="MANUAL_REVIEW", severity=Severity.REVIEW,
                                    detail=f"规则 {rule.__module__}.{rule.__name__} 出错：{err}"))
    return findings


def verdict_of(findings: list[Finding]) -> Verdict:
    """Accepted unless some finding is a deficiency."""
    if any(f.severity is Severity.DEFICIENCY for f in findings):
        return Verdict.DEFICIENT
    return Verdict.ACCEPTED


__all__ = ["RULES", "History", "RuleContext", "validate", "verdict_of"]
