"""Time: now, stored times, and dates the way a Chinese official letter writes them.

Both databases give stored times back naive; they were written in UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """A stored time with its zone: naive ones were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def cn_date(moment: datetime, tz: tzinfo) -> str:
    """2023年3月3日"""
    local = moment.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


def cn_datetime(moment: datetime, tz: tzinfo) -> str:
    """2023年3月3日 09:05"""
    return f"{cn_date(moment, tz)} {moment.astimezone(tz):%H:%M}"


def cn_deadline(deadline: datetime, tz: tzinfo) -> str:
    """A deadline as the notice says it: "3月3日前" for one at midnight (mail is due by the
    end of 2 March), "3月3日17:00前" for any other time; never "3月3日 00:00", which a
    reader takes for the end of 3 March."""
    local = deadline.astimezone(tz)
    day = f"{local.month}月{local.day}日"
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{day}前"
    return f"{day}{local:%H:%M}前"
