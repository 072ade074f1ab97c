"""intake.validators.sender: a From address the receiving server could not vouch for goes to a person."""
from __future__ import annotations

from samples.mails import submission_mail
from intake.base.model import Severity
from intake.validators.sender import check_sender
from tests.readings import basic_files, context, entry, submission_of


def _received(data, *headers: str) -> bytes:
    """The mail as the receiving server stores it: its verdicts prepended to the headers."""
    raw = submission_mail(data, basic_files(data))
    return "".join(f"{h}\r\n" for h in headers).encode() + raw


def test_mail_passing_spf_and_dkim_is_not_flagged():
    data = entry()
    raw = _received(data, "Authentication-Results: mx.163.com; spf=pass smtp.mailfrom=qc@example.cn; dkim=pass")
    assert check_sender(submission_of(raw), context()) == []


def test_failed_spf_and_dkim_are_named_for_the_secretariat():
    data = entry()
    raw = _received(data, "Authentication-Results: mx.163.com;\r\n spf=softfail smtp.mailfrom=x@example.cn;\r\n"
                          " dkim=fail header.d=example.cn")
    sub = submission_of(raw)
    [finding] = check_sender(sub, context())
    assert (finding.code, finding.severity) == ("SENDER_UNVERIFIED", Severity.REVIEW)
    assert finding.detail == (f"发件地址{sub.mail.sender}未通过收件服务器的身份校验（SPF=softfail、DKIM=fail），"
                              "可能被冒用，请与报名单位核实。")


def test_received_spf_fail_header_is_read_too():
    data = entry()
    raw = _received(data, "Received-SPF: fail (mx.163.com: domain of example.cn does not designate 1.2.3.4)")
    [finding] = check_sender(submission_of(raw), context())
    assert "（SPF=fail）" in finding.detail
