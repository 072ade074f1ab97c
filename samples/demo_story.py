"""The demo's sample mailbox as one story, told on one simulated clock.

Late February 2023, the last week before the deadline: units send their
results, one forgets the seal and gets a 补正通知, whose out-of-office
answers it seconds later and who sends the stamped form that afternoon;
someone asks a question, a unit registers observers, one result arrives
after the deadline. Mail that answers a reply (the auto-reply, the
correction) is written from the reply the service really sent, so its
subject, In-Reply-To and date follow that reply.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from samples import mails
from samples.entries import sample_entry
from intake.mime.parse import file_received_time

CST = timezone(timedelta(hours=8))
# Mail lands, and the service answers it at its next poll.
POLL_DELAY = timedelta(minutes=2)
FIRST_SEED = 11


class SimulatedClock:
    """The demo's "now": the moment it was last moved to; it never goes back."""

    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance_to(self, moment: datetime) -> None:
        self.moment = max(self.moment, moment)


def distinct_seeds(count: int, start: int = FIRST_SEED) -> list[int]:
    """Sample seeds from `start` on whose units, group names and topics all differ:
    two units sending the same topic word for word would look like a copying case."""
    seen: set[tuple[str, str]] = set()
    seeds: list[int] = []
    seed = start
    while len(seeds) < count:
        data = sample_entry(seed)
        keys = {("unit", data.enterprise), ("group", data.group), ("topic", data.topic)}
        if not keys & seen:
            seen |= keys
            seeds.append(seed)
        seed += 1
    return seeds


def _at(day: int, hour: int, minute: int, month: int = 2) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=CST)


@dataclass(frozen=True)
class Reply:
    """A reply the service sent, as its recipient sees it."""

    to: str
    subject: str
    message_id: str
    references: tuple[str, ...]
    date: datetime

    @classmethod
    def read(cls, raw: bytes) -> "Reply":
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        references = tuple(str(msg.get("References", "")).split())
        return cls(to=email.utils.parseaddr(str(msg["To"]))[1], subject=str(msg["Subject"]),
                   message_id=str(msg["Message-ID"]), references=references,
                   date=email.utils.parsedate_to_datetime(str(msg["Date"])))


# What a sender does on receiving a reply: the mails it sends back (may be none).
Answer = Callable[[Reply], list[bytes]]


@dataclass(order=True)
class _Arrival:
    at: datetime
    order: int
    raw: bytes = field(compare=False)


class Story:
    """The mails of the demo in the order they land; `answer` adds the ones a reply provokes."""

    def __init__(self) -> None:
        self._queue: list[_Arrival] = []
        self._answers: dict[str, Answer] = {}
        self._count = 0
        unit_a, unit_b, unit_c, unit_d, forgetful, late = distinct_seeds(6)
        for seed, client, at in ((unit_a, "foxmail", _at(27, 9, 12)), (unit_b, "outlook", _at(27, 10, 5)),
                                 (unit_c, "netease_web", _at(28, 8, 47)), (unit_d, "qq_web", _at(28, 14, 3))):
            self._add(mails.complete_submission(seed, client=client, mail_options={"date": at})[1])
        unstamped, raw = mails.complete_submission(forgetful, stamped=False, mail_options={"date": _at(27, 11, 20)})
        self._add(raw)
        self._answers[unstamped.sender] = lambda notice: _forgetful_answers(forgetful, raw, notice)
        self._add(mails.inquiry_mail("wang.li@sx.chinamobile.example", "请问现场发表每个小组的时间是多少分钟？",
                                     name="王丽", date=_at(28, 9, 30)))
        self._add(mails.observer_mail("liu.yang@sxtower.example", "中国铁塔股份有限公司晋中市分公司",
                                      ["刘洋", "陈静"], date=_at(1, 10, 16, month=3)))
        self._add(mails.complete_submission(late, mail_options={"date": _at(3, 10, 30, month=3)})[1])

    def _add(self, raw: bytes) -> None:
        heapq.heappush(self._queue, _Arrival(_date(raw), self._count, raw))
        self._count += 1

    def arrivals(self) -> Iterator[tuple[datetime, bytes]]:
        """(when it lands, raw) in time order, including answers added meanwhile."""
        while self._queue:
            arrival = heapq.heappop(self._queue)
            yield arrival.at, arrival.raw

    def answer(self, reply: Reply) -> None:
        """The recipient of `reply` reacts (once): its mails join the story."""
        react = self._answers.pop(reply.to, None)
        for raw in react(reply) if react else ():
            self._add(raw)


def _forgetful_answers(seed: int, original: bytes, notice: Reply) -> list[bytes]:
    """The unit that forgot its seal: on holiday (the mailbox answers by itself), then the
    stamped form that afternoon, in answer to the 补正通知."""
    sender = email.utils.parseaddr(email.message_from_bytes(original)["From"])[1]
    away = mails.auto_reply_mail(sender, original_subject=notice.subject, in_reply_to=notice.message_id,
                                 date=notice.date)
    _, fixed = mails.complete_submission(seed, stamped=True, mail_options={
        "in_reply_to": notice.message_id, "references": (*notice.references, notice.message_id),
        "subject": f"回复：{notice.subject}", "date": notice.date + timedelta(hours=4, minutes=18)})
    return [away, fixed]


def _date(raw: bytes) -> datetime:
    """When it lands: as the service reads it (newest Received:, else Date:)."""
    return file_received_time(raw)
