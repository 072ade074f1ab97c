"""The moment the service acts at: the wall clock, or a simulated one.

A reply's Date header and the date under its signature, and the times a
decision is written down, are "now". `intake demo` replays mail from
February 2023 and must say February 2023 everywhere, so it runs the
pipeline under `simulated(clock)`; everything else reads the wall clock.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

_simulated: ContextVar[Callable[[], datetime] | None] = ContextVar("intake_simulated_clock", default=None)


def now() -> datetime:
    """Aware, in UTC (as the store keeps times): the simulated clock's reading when one runs."""
    clock = _simulated.get()
    moment = clock() if clock is not None else datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc)


@contextmanager
def simulated(clock: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, `now()` is `clock()` (which must return aware datetimes)."""
    token = _simulated.set(clock)
    try:
        yield
    finally:
        _simulated.reset(token)
