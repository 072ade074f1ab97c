"""Was the mail received before the deadline (SPEC §6: the received time)?

A late mail has nothing to correct: whether it is accepted is the
secretariat's call, so its reply says only that (notifier/render.py) and it
waits as 逾期待定 until the console accepts it. A correction that arrives late
for a registration that came in time is a review flag, not a refusal.
"""
from __future__ import annotations

from collections.abc import Iterable

from intake.base.model import Finding, Submission
from intake.base.times import cn_datetime, cn_deadline
from intake.validators.context import RuleContext, deficiency, review

LATE_CODE = "LATE_SUBMISSION"


def is_late(codes: Iterable[str]) -> bool:
    """Do these deficiency codes make a mail (or registration) one that awaits the secretariat's
    decision on lateness? Its other problems then wait for that decision too."""
    return LATE_CODE in set(codes)


def check_deadline(sub: Submission, ctx: RuleContext) -> list[Finding]:
    deadline = ctx.competition.deadline
    if ctx.received_at < deadline:
        return []
    tz = ctx.competition.timezone
    received, due = cn_datetime(ctx.received_at, tz), cn_deadline(deadline, tz)
    first = ctx.history.first_received
    if first is not None and first < deadline:
        return [review("MANUAL_REVIEW", f"补正邮件于{received}收到，晚于报名截止时间（{due}）；"
                                        f"原报名于{cn_datetime(first, tz)}收到，未逾期。请确定是否接受补正。")]
    return [deficiency(LATE_CODE, f"邮件于{received}收到，晚于通知规定的报名截止时间（{due}）。")]
