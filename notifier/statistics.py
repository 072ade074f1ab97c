"""The figures the digest and the console both show: mail per day, days to the deadline.

Days are the competition's local days; 报名 and 补正 mail is counted apart
from the rest, as both charts colour it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from intake.base.times import aware

FORM_CLASSES = ("submission", "correction")


@dataclass(frozen=True)
class DayCount:
    """Mail received on one day (competition time zone)."""

    day: date
    forms: int  # submissions and corrections
    other: int

    @property
    def total(self) -> int:
        return self.forms + self.other


def arrivals(messages: Iterable, tz: tzinfo, first: date, last: date) -> tuple[DayCount, ...]:
    """Mail per local day from `first` to `last`, both included (messages: received_at, classification)."""
    forms: dict[date, int] = {}
    other: dict[date, int] = {}
    for m in messages:
        day = aware(m.received_at).astimezone(tz).date()
        bucket = forms if m.classification in FORM_CLASSES else other
        bucket[day] = bucket.get(day, 0) + 1
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return tuple(DayCount(day, forms.get(day, 0), other.get(day, 0)) for day in days)


def days_left(deadline: datetime, now: datetime) -> int:
    """Days to the deadline, today included: a 3月3日 00:00 deadline leaves 4 on 2月27日, 0 after it."""
    last_day = (deadline - timedelta(microseconds=1)).astimezone(now.tzinfo).date()
    return max(0, (last_day - now.date()).days + 1)
