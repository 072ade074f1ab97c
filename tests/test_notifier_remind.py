"""notifier.remind: a registration still deficient as the deadline nears gets one 补正提醒, once."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, time, timedelta, timezone

import pytest

from intake.base.config import RemindersSettings, load_settings
from samples.mails import submission_mail
from intake.run.pipeline import Pipeline
from notifier.remind import due_at, queue_reminders, reminder_day
from notifier.render import REMINDER
from tests.configs import feed, write_config
from tests.readings import basic_files, entry

CST = timezone(timedelta(hours=8))
DEADLINE = "2023-03-03T00:00:00+08:00"


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path, deadline=DEADLINE)))
    yield pipe
    pipe.close()


def _text(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()


def test_reminder_days_are_counted_back_from_the_deadline_in_local_time(pipeline):
    competition = pipeline.settings.competition
    reminders = RemindersSettings(days_before=(7, 3), send_at=time(9, 0))
    assert due_at(competition, reminders, 3) == datetime(2023, 2, 28, 9, 0, tzinfo=CST)
    assert reminder_day(competition, reminders, datetime(2023, 2, 24, 8, 59, tzinfo=CST)) is None
    assert reminder_day(competition, reminders, datetime(2023, 2, 24, 9, 0, tzinfo=CST)) == 7
    # A service started late sends the latest day's reminder only.
    assert reminder_day(competition, reminders, datetime(2023, 3, 1, 15, 0, tzinfo=CST)) == 3
    assert reminder_day(competition, reminders, datetime(2023, 3, 3, 0, 0, tzinfo=CST)) is None


def test_deficient_registration_is_reminded_once_of_what_it_lacks(pipeline):
    data = entry()
    number = feed(pipeline, submission_mail(data, basic_files(data, stamped=False)))["submissions"][0]["number"]
    ok = entry(12)
    feed(pipeline, submission_mail(ok, basic_files(ok)))
    now = datetime(2023, 2, 28, 9, 30, tzinfo=CST)

    assert queue_reminders(pipeline.store, pipeline.settings, now) == 1
    [reminder] = [r for r in pipeline.store.all_replies() if r.reply_type == REMINDER]
    assert reminder.to_addr == data.sender
    assert reminder.subject == f"补正提醒：总编号{number} 报名材料尚待补正（{pipeline.settings.competition.name}）"
    text = _text(reminder.raw)
    assert f"总编号：{number}" in text and "报名表（附件2）未加盖单位公章" in text
    # Threaded under our deficiency notice.
    notice = next(r for r in pipeline.store.all_replies() if r.reply_type == "deficiency_notice")
    assert email.message_from_bytes(reminder.raw)["In-Reply-To"] == notice.reply_message_id

    assert queue_reminders(pipeline.store, pipeline.settings, now + timedelta(hours=2)) == 0


def test_nothing_is_queued_before_the_reminder_day(pipeline):
    data = entry()
    feed(pipeline, submission_mail(data, basic_files(data, stamped=False)))
    assert queue_reminders(pipeline.store, pipeline.settings, datetime(2023, 2, 27, 18, 0, tzinfo=CST)) == 0
