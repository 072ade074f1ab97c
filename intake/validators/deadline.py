"""Was the mail received before the deadline (SPEC §6: the received time)?"""
from __future__ import annotations

from intake.model import Finding, Submission
from intake.validators.context import RuleContext, deficiency


def check_deadline(sub: Submission, ctx: RuleContext) -> list[Finding]:
    deadline = ctx.competition.deadline
    if ctx.received_at < deadline:
        return []
    local = ctx.received_at.astimezone(ctx.competition.timezone)
    cutoff = deadline.astimezone(ctx.competition.timezone)
    return [deficiency("LATE_SUBMISSION",
                       f"邮件于 {local:%Y年%m月%d日 %H:%M} 收到，报名截止时间为 {cutoff:%Y年%m月%d日 %H:%M}。")]
