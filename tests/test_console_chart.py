"""console/chart.py: the arrivals chart from a store fed with real mails, and the days left."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from console.chart import arrivals, arrivals_svg
from notifier.statistics import days_left
from intake.base.times import aware
from tests.test_console_common import close, make_console


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    console = make_console(tmp_path_factory.mktemp("chart"), None, ("accepted", "unstamped", "inquiry"))
    yield console.store.message_ledger(), console.settings.competition.timezone
    close(console)


def test_forms_and_other_mail_are_counted_per_local_day(ledger):
    messages, tz = ledger
    days = {aware(m.received_at).astimezone(tz).date() for m in messages}
    today = max(days)
    counts = arrivals(messages, tz, today, days=400)
    assert len(counts) == 400 and counts[-1].day == today
    assert sum(c.forms for c in counts) == 2 and sum(c.other for c in counts) == 1
    assert all(c.total == c.forms + c.other for c in counts)
    # Mail older than the window is left out.
    assert sum(c.total for c in arrivals(messages, tz, today + timedelta(days=500))) == 0


def test_the_svg_says_each_day_in_chinese_and_marks_today(ledger):
    messages, tz = ledger
    today = max(aware(m.received_at).astimezone(tz).date() for m in messages)
    counts = arrivals(messages, tz, today, days=400)
    svg = str(arrivals_svg(counts, today))
    busy = [c for c in counts if c.total]
    assert svg.startswith('<svg class="chart"') and "<title id=\"chart-title\">每日来信数量</title>" in svg
    for c in busy:
        assert f"{c.day.month}月{c.day.day}日：报名和补正{c.forms}封，其他{c.other}封" in svg
    assert f'fill="#c00000">{today.month}/{today.day}</text>' in svg and "<script" not in svg


def test_days_left_counts_today_and_stops_at_zero(ledger):
    _, tz = ledger
    deadline = datetime(2023, 3, 3, tzinfo=tz)  # 截止 3月2日 24时
    assert days_left(deadline, datetime(2023, 3, 2, 9, tzinfo=tz)) == 1
    assert days_left(deadline, datetime(2023, 2, 27, 23, tzinfo=tz)) == 4
    assert days_left(deadline, datetime(2023, 3, 3, 0, 1, tzinfo=tz)) == 0
