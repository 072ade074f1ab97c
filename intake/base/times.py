"""Time: now, stored times, and dates the way a Chinese official letter writes them.

"Now" is the wall clock, or a simulated one: `intake demo` replays mail from
February 2023 and must say February 2023 everywhere (a reply's Date header,
the date under its signature, the times a decision is written down), so it
runs the pipeline under `simulated(clock)`. Both databases give stored times
back naive; they were written in UTC.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone, tzinfo

_simulated: ContextVar[Callable[[], datetime] | None] = ContextVar("intake_simulated_clock", default=None)


def utcnow() -> datetime:
    """Aware, in UTC (as the store keeps times): the simulated clock's reading when one runs."""
    clock = _simulated.get()
    moment = clock() if clock is not None else datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc)


@contextmanager
def simulated(clock: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, `utcnow()` is `clock()` (which must return aware datetimes)."""
    token = _simulated.set(clock)
    try:
        yield
    finally:
        _simulated.reset(token)


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
