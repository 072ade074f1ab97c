"""课题类型 must be one the notice allows (问题解决型 or 创新型)."""
from __future__ import annotations

from intake.model import Finding, Submission
from intake.validators.context import RuleContext, deficiency


def check_topic_type(sub: Submission, ctx: RuleContext) -> list[Finding]:
    allowed = ctx.competition.topic_types
    findings = []
    for pairing in sub.pairings:
        value = str(pairing.field("课题类型") or "").strip()
        if value and not any(kind in value for kind in allowed):
            findings.append(deficiency(
                "INVALID_TOPIC_TYPE", f"课题类型填写为“{value}”，只能是{'或'.join(allowed)}。",
                document=pairing.entry_form.filename, field="课题类型"))
    return findings
