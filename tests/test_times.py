"""intake.base.times: now (the wall clock, unless a simulated one runs, as in `intake demo`),
stored times, and dates as a Chinese letter writes them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from intake.base.times import aware, cn_date, cn_datetime, cn_deadline, simulated, utcnow

CST = timezone(timedelta(hours=8))


def test_now_is_the_wall_clock_in_utc():
    before = datetime.now(timezone.utc)
    moment = utcnow()
    assert before <= moment <= datetime.now(timezone.utc) and moment.utcoffset() == timedelta(0)


def test_a_simulated_clock_is_read_inside_its_block_only():
    moment = datetime(2023, 2, 27, 11, 22, tzinfo=CST)
    with simulated(lambda: moment):
        assert utcnow() == moment and utcnow().tzinfo is timezone.utc
        assert utcnow().hour == 3  # 11:22 in Beijing is 03:22 UTC
    assert utcnow().year >= 2024


def test_a_stored_naive_time_is_utc():
    assert aware(datetime(2023, 3, 2, 16, 0)) == datetime(2023, 3, 3, 0, 0, tzinfo=CST)
    assert aware(datetime(2023, 3, 3, 0, 0, tzinfo=CST)).tzinfo is CST


def test_dates_as_a_letter_writes_them():
    moment = datetime(2023, 3, 2, 17, 5, tzinfo=timezone.utc)  # 3 March, 01:05 in Beijing
    assert cn_date(moment, CST) == "2023年3月3日" and cn_datetime(moment, CST) == "2023年3月3日 01:05"
    assert cn_deadline(datetime(2023, 3, 3, tzinfo=CST), CST) == "3月3日前"
    assert cn_deadline(datetime(2023, 3, 3, 17, 0, tzinfo=CST), CST) == "3月3日17:00前"
