"""Was the mail received before the deadline (SPEC §6: the received time)?

A correction that arrives late for a registration that came in time is the
secretariat's call, not an automatic refusal.
"""
from __future__ import annotations

from intake.model import Finding, Submission
from intake.timefmt import cn_datetime
from intake.validators.context import RuleContext, deficiency, review


def check_deadline(sub: Submission, ctx: RuleContext) -> list[Finding]:
    deadline = ctx.competition.deadline
    if ctx.received_at < deadline:
        return []
    tz = ctx.competition.timezone
    received, due = cn_datetime(ctx.received_at, tz), cn_datetime(deadline, tz)
    first = ctx.history.first_received
    if first is not None and first < deadline:
        return [review("MANUAL_REVIEW", f"补正邮件于{received}收到，晚于报名截止时间{due}；"
                                        f"原报名于{cn_datetime(first, tz)}收到，未逾期。请确定是否接受补正。")]
    return [deficiency("LATE_SUBMISSION", f"邮件于{received}收到，报名截止时间为{due}。")]
