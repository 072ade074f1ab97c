"""intake.clock: the wall clock, unless a simulated one runs (as in `intake demo`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from intake import clock

CST = timezone(timedelta(hours=8))


def test_now_is_the_wall_clock_in_utc():
    before = datetime.now(timezone.utc)
    moment = clock.now()
    assert before <= moment <= datetime.now(timezone.utc) and moment.utcoffset() == timedelta(0)


def test_a_simulated_clock_is_read_inside_its_block_only():
    simulated = datetime(2023, 2, 27, 11, 22, tzinfo=CST)
    with clock.simulated(lambda: simulated):
        assert clock.now() == simulated and clock.now().tzinfo is timezone.utc
        assert clock.now().hour == 3  # 11:22 in Beijing is 03:22 UTC
    assert clock.now().year >= 2024
