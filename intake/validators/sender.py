"""Did the receiving server vouch for the sender (Authentication-Results, RFC 8601)?

A failed SPF or DKIM check means the From address may be forged: the
registration is kept, and a person confirms it with the unit.
"""
from __future__ import annotations

import re

from intake.base.model import Finding, Submission
from intake.validators.context import RuleContext, review

_FAILED = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.I)
_RECEIVED_SPF = re.compile(r"^\s*(fail|softfail)\b", re.I)


def check_sender(sub: Submission, ctx: RuleContext) -> list[Finding]:
    headers = sub.mail.headers
    failed = [f"{m.group(1).upper()}={m.group(2).lower()}"
              for value in headers.get("authentication-results", ()) for m in _FAILED.finditer(value)]
    failed += [f"SPF={m.group(1).lower()}" for value in headers.get("received-spf", ())
               if (m := _RECEIVED_SPF.match(value))]
    if not failed:
        return []
    results = "、".join(dict.fromkeys(failed))
    return [review("SENDER_UNVERIFIED", f"发件地址{sub.mail.sender}未通过收件服务器的身份校验（{results}），"
                                        "可能被冒用，请与报名单位核实。")]
