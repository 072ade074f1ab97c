"""Was the mail received before the deadline (SPEC §6: the received time)?"""
from __future__ import annotations

from intake.model import Finding, Submission
from intake.timefmt import cn_datetime
from intake.validators.context import RuleContext, deficiency


def check_deadline(sub: Submission, ctx: RuleContext) -> list[Finding]:
    deadline = ctx.competition.deadline
    if ctx.received_at < deadline:
        return []
    tz = ctx.competition.timezone
    return [deficiency("LATE_SUBMISSION",
                       f"邮件于{cn_datetime(ctx.received_at, tz)}收到，报名截止时间为{cn_datetime(deadline, tz)}。")]
