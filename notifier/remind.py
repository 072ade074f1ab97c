"""Reminders (补正提醒): a registration still deficient as the deadline nears gets one, once.

`[reminders] days_before` names the days (e.g. [7, 3]); on each, from
`send_at` local time, every registration still deficient gets a reminder
listing what its last mail lacked. Only the latest day passed counts, so a
service started late sends one reminder, not a burst. Each reminder is
queued in the outbox together with its note in `reminder` (one per
registration and day, a unique key), so neither a restart nor a second
worker queues it twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from intake.base.config import CompetitionSettings, RemindersSettings, Settings
from notifier.compose import compose
from notifier.render import REMINDER, RegistrationSummary, render_reminder
from store import Store
from store.models import Outbox, Registration

log = logging.getLogger("intake.notifier")


def due_at(competition: CompetitionSettings, reminders: RemindersSettings, days: int) -> datetime:
    """When the reminder `days` before the deadline goes out (local send_at that day)."""
    tz = competition.timezone
    day = competition.deadline.astimezone(tz).date() - timedelta(days=days)
    return datetime.combine(day, reminders.send_at, tzinfo=tz)


def reminder_day(competition: CompetitionSettings, reminders: RemindersSettings, now: datetime) -> int | None:
    """The `days_before` whose reminders are due now: the latest one passed, None before the
    first and from the deadline on."""
    if now >= competition.deadline:
        return None
    passed = [days for days in reminders.days_before if now >= due_at(competition, reminders, days)]
    return min(passed) if passed else None


def queue_reminders(store: Store, settings: Settings, now: datetime) -> int:
    """Queue the reminders due at `now`; return how many were queued."""
    days = reminder_day(settings.competition, settings.reminders, now)
    if days is None:
        return 0
    queued = 0
    for registration in store.reminder_candidates(days):
        reply = build_reminder(store, settings, registration, now)
        if reply is not None and store.queue_reminder(registration.id, days, reply):
            log.info("Reminder for %s to %s queued (%d days before the deadline)",
                     registration.number, reply.to_addr, days)
            queued += 1
    return queued


def build_reminder(store: Store, settings: Settings, registration: Registration, now: datetime) -> Outbox | None:
    """The reminder as an outbox row, threaded under our last reply; None when nothing stands."""
    deficiencies = store.standing_deficiencies(registration)
    if not deficiencies:
        return None
    message, notice = store.message_and_reply(registration.last_message_id)
    to_addr = (message.sender if message and message.sender else registration.sender)
    content = render_reminder(
        competition=settings.competition, deficiencies=deficiencies, now=now,
        registration=RegistrationSummary(registration.number, registration.enterprise, registration.group_name,
                                         registration.topic, registration.topic_type, registration.status))
    chain = [message.message_id] if message and message.message_id else []
    parent = notice.reply_message_id if notice else (chain[-1] if chain else "")
    raw, reply_id = compose(content, from_addr=settings.smtp.sender, to_addr=to_addr,
                            in_reply_to=parent, references=chain, now=now)
    return Outbox(message_id=None, reply_type=REMINDER, to_addr=to_addr, reply_message_id=reply_id,
                  subject=content.subject, raw=raw)
