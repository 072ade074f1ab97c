"""notifier.statistics: the figures the digest and the console share."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from notifier.statistics import arrivals, days_left

CST = timezone(timedelta(hours=8))


@dataclass
class Mail:
    received_at: datetime
    classification: str


def test_mail_is_counted_on_its_local_day_forms_apart_from_the_rest():
    mails = [Mail(datetime(2023, 2, 27, 16, 30), "submission"),  # naive = UTC: 28 Feb 00:30 in Beijing
             Mail(datetime(2023, 2, 28, 9, 0, tzinfo=CST), "correction"),
             Mail(datetime(2023, 2, 28, 10, 0, tzinfo=CST), "inquiry"),
             Mail(datetime(2023, 3, 5, 10, 0, tzinfo=CST), "submission")]  # after the window
    counts = arrivals(mails, CST, date(2023, 2, 27), date(2023, 3, 1))
    assert [(c.day.day, c.forms, c.other) for c in counts] == [(27, 0, 0), (28, 2, 1), (1, 0, 0)]


def test_days_left_count_today_as_the_notice_means_its_deadline():
    deadline = datetime(2023, 3, 3, tzinfo=CST)  # "3月3日前": the last day is 2 March
    assert days_left(deadline, datetime(2023, 2, 27, 23, tzinfo=CST)) == 4
    assert days_left(deadline, datetime(2023, 3, 2, 9, tzinfo=CST)) == 1
    assert days_left(deadline, datetime(2023, 3, 3, 0, 1, tzinfo=CST)) == 0
