"""intake.validators.deadline: a mail received after 报名截止时间 waits for the secretariat."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from intake.base.model import Severity
from intake.validators import History
from intake.validators.deadline import check_deadline, is_late
from tests.readings import COMPETITION, basic_files, context, entry, submission

# 2023-03-03 00:00 Beijing time, as config.example.toml says.
DEADLINE = COMPETITION.deadline
CST = timezone(timedelta(hours=8))


def _sub():
    data = entry()
    return submission(basic_files(data), data)


def test_mail_received_a_minute_before_the_deadline_is_on_time():
    assert check_deadline(_sub(), context(received_at=DEADLINE - timedelta(minutes=1))) == []


def test_mail_received_after_the_deadline_is_late_in_beijing_time():
    late = datetime(2023, 3, 3, 9, 15, tzinfo=CST)
    [finding] = check_deadline(_sub(), context(received_at=late))
    assert (finding.code, finding.severity) == ("LATE_SUBMISSION", Severity.DEFICIENCY)
    assert finding.detail == "邮件于2023年3月3日 09:15收到，晚于通知规定的报名截止时间（3月3日前）。"
    assert is_late([finding.code])


def test_late_correction_of_a_registration_made_in_time_is_for_the_secretariat():
    late = datetime(2023, 3, 5, 10, 0, tzinfo=CST)
    history = History(first_received=datetime(2023, 2, 27, 14, 0, tzinfo=CST))
    [finding] = check_deadline(_sub(), context(received_at=late, history=history))
    assert (finding.code, finding.severity) == ("MANUAL_REVIEW", Severity.REVIEW)
    assert finding.detail == ("补正邮件于2023年3月5日 10:00收到，晚于报名截止时间（3月3日前）；"
                              "原报名于2023年2月27日 14:00收到，未逾期。请确定是否接受补正。")
    assert not is_late([finding.code])
