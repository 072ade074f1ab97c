"""The outbox: every queued reply delivered once, within the limits, even across crashes.

An outbox row moves through these states (store.models.OutboxStatus):

    queued ──claim──▶ sending ──250 after DATA──▶ sent
      ▲                 │ ├──5xx at RCPT or DATA──▶ failed (the server's answer kept)
      └─────────────────┘ └──4xx, refused, dropped, timed out: back to queued with
                              next_attempt_at (exponential backoff); failed after
                              [smtp] max_attempts such answers to this reply

Never twice. The envelope (connect, login, MAIL FROM, RCPT TO) goes first:
it delivers nothing. Then the claim (queued → sending, with claimed_at) is
committed in a transaction of its own just before DATA, and `sent` is
committed the moment the server answers 250 to DATA. No sender, in this process or
another worker, ever sees a claimed reply as queued. What remains is the
crash window: the process dies during DATA, or between the server's 250
and our commit (a few milliseconds); a crash before the claim leaves the
reply queued, sent normally after the restart. Such a row stays in
`sending`; once its claim is older than any send can take (`stale_after`)
it is recovered like this:

1. When the mailbox keeps copies of what we send ([smtp] sent_copy =
   "append" or "server"), its Sent folder is searched for the reply's
   Message-ID: found → `sent`, nothing goes out again.
2. Otherwise the reply is queued again, once (`resends` counts it): a
   reply that never arrives is worse than one that arrives twice, and the
   copy carries the same Message-ID, so mail clients that recognise it
   show it once. This is at-least-once, with at most one duplicate, and
   only after a crash inside that window.
3. A reply found stuck a second time becomes `uncertain`: never sent
   again, left for a person.

Temporary failures pause the whole queue with the same backoff (163.com
answers a busy sender with 4xx and blocks one that keeps trying); 5xx at
MAIL FROM or login (a wrong 授权码, SMTP switched off) is the account's
problem, not the reply's: it pauses the queue too and never fails a reply.
"""
from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from intake.base.config import Settings, SmtpSettings
from intake.base.times import aware, utcnow
from intake.mailbox import MailboxError
# Re-exported: notifier.digest sends through the same transports.
from notifier.transport import (  # noqa: F401
    DirectoryTransport, PermanentFailure, SmtpTransport, TemporaryFailure, make_transport,
)
from store import Store
from store.models import Outbox, OutboxStatus

log = logging.getLogger("intake.notifier")
RATE_WINDOW = timedelta(minutes=1)
DIRECTORY_ROUND = 5000
# Addresses that answer automatically or belong to machines: a reply there can start a loop (RFC 3834 §2).
_AUTOMATED = re.compile(
    r"(mailer-daemon|postmaster|abuse|listserv|majordomo|owner-.*|.*-(request|bounces?|owner)"
    r"|(no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-+_.].*)?)", re.IGNORECASE)
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\.]+")


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    # Recovered from a crash: confirmed sent, queued again, or given up as uncertain.
    recovered: int = 0


def refusal(to_addr: str, own_addresses: Iterable[str]) -> str | None:
    """Why no reply may go to this address, in the secretariat's words; None if it may."""
    addr = (to_addr or "").strip().lower()
    if not _ADDRESS.fullmatch(addr):
        return f"未发送：收件地址“{to_addr}”格式不正确"
    if addr in {a.lower() for a in own_addresses if a}:
        return "未发送：收件地址是本报名邮箱自己的地址，为防止邮件循环不予回复"
    if _AUTOMATED.fullmatch(addr.partition("@")[0]):
        return f"未发送：{to_addr} 是系统自动地址（如 MAILER-DAEMON、postmaster、noreply），为防止邮件循环不予回复"
    return None


class OutboxSender:
    """Sends what is due from the outbox, one round per `deliver()`; keeps the pause between rounds.

    `copies` is a notifier.sentcopy.SentCopies (or None): with `file_copies`
    each sent reply is appended to the Sent folder; either way it is where a
    crashed send is looked for. `clock` returns an aware datetime (tests move it).
    """

    def __init__(self, store: Store, settings: SmtpSettings, password: str, *, tz,
                 own_addresses: Iterable[str] = (), copies=None, file_copies: bool = False,
                 clock: Callable[[], datetime] = utcnow):
        self.store, self.settings, self.password, self.tz = store, settings, password, tz
        self.own = frozenset(a.lower() for a in own_addresses if a)
        self.copies, self.file_copies, self.clock = copies, file_copies and copies is not None, clock
        self.held_until: datetime | None = None
        self._failures = 0

    @property
    def stale_after(self) -> timedelta:
        """Older claims are a crash's: no send takes this long (connect, login and DATA each time out)."""
        return timedelta(seconds=max(300.0, 5 * self.settings.timeout))

    def deliver(self) -> DeliveryReport:
        """One round: recover crashed sends, then send what is due within the limits."""
        now = self.clock()
        recovered = self.recover(now)
        if self.held_until and now < self.held_until:
            return DeliveryReport(recovered=recovered)
        self.file_pending(now)
        if self.settings.transport == "directory":
            budget = DIRECTORY_ROUND  # files on disk: no server to spare
        else:
            budget = self.settings.rate_per_minute - self.store.replies_claimed_since(now - RATE_WINDOW)
        counts = {"sent": 0, "failed": 0, "deferred": 0}
        transport = make_transport(self.settings, self.password)
        try:
            for reply in self.store.due_replies(now, limit=max(budget, 0)):
                outcome = self._send_one(transport, reply)
                if outcome is None:
                    continue
                counts[outcome] += 1
                if outcome == "deferred":
                    break  # the server is unwell: the rest wait with it
        finally:
            transport.close()
        return DeliveryReport(recovered=recovered, **counts)

    def _send_one(self, transport, reply: Outbox) -> str | None:
        now = self.clock()
        reason = refusal(reply.to_addr, self.own) or self._over_cap(reply, now)
        if reason:
            self.store.settle_reply(reply.id, OutboxStatus.FAILED, now=now, error=reason, attempt=False)
            log.warning("Reply %s to %s: not sent: %s", reply.id, reply.to_addr, reason)
            return "failed"
        # The envelope first (connect, login, MAIL FROM, RCPT TO): it delivers nothing, so
        # the claim, and with it the window a crash can leave uncertain, starts only at DATA.
        try:
            transport.begin(reply)
        except (PermanentFailure, TemporaryFailure) as err:
            if not self.store.claim_reply(reply.id, now):
                return None  # another worker claimed it first
            return self._refused(reply, err)
        if not self.store.claim_reply(reply.id, self.clock()):
            transport.abandon()
            return None  # another worker claimed it first
        try:
            transport.finish(reply)
        except (PermanentFailure, TemporaryFailure) as err:
            return self._refused(reply, err)
        self._failures, self.held_until = 0, None
        self.store.settle_reply(reply.id, OutboxStatus.SENT, now=self.clock())
        log.info("Reply %s (%s) to %s: sent, %s", reply.id, reply.reply_type, reply.to_addr, reply.reply_message_id)
        self._file(reply)
        return "sent"

    def _refused(self, reply: Outbox, err: PermanentFailure | TemporaryFailure) -> str:
        """Settle a claimed reply the server did not take."""
        if isinstance(err, TemporaryFailure):
            return self._defer(reply, err)
        self._failures = 0
        self.store.settle_reply(reply.id, OutboxStatus.FAILED, now=self.clock(), error=str(err))
        log.warning("Reply %s to %s: rejected for good: %s", reply.id, reply.to_addr, err)
        return "failed"

    def _defer(self, reply: Outbox, err: TemporaryFailure) -> str:
        """Back to the queue after a pause that doubles with each failure in a row."""
        now = self.clock()
        self._failures += 1
        wait = min(self.settings.retry_initial * 2 ** (self._failures - 1), self.settings.retry_max)
        self.held_until = now + timedelta(seconds=wait)
        if err.counts and reply.attempts + 1 >= self.settings.max_attempts:
            self.store.settle_reply(reply.id, OutboxStatus.FAILED, now=now, error=f"多次重试仍未成功：{err}")
            log.warning("Reply %s to %s: given up after %d attempts: %s",
                        reply.id, reply.to_addr, reply.attempts + 1, err)
            return "failed"
        self.store.settle_reply(reply.id, OutboxStatus.QUEUED, now=now, error=str(err),
                                next_attempt_at=self.held_until, attempt=err.counts)
        log.warning("Reply %s to %s: will retry in %.0f s: %s", reply.id, reply.to_addr, wait, err)
        return "deferred"

    def _over_cap(self, reply: Outbox, now: datetime) -> str | None:
        local = now.astimezone(self.tz)
        start = datetime.combine(local.date(), time(0), tzinfo=self.tz).astimezone(timezone.utc)
        if self.store.replies_to_since(reply.to_addr, start) >= self.settings.daily_cap_per_sender:
            return (f"未发送：今日发给 {reply.to_addr} 的回复已达上限"
                    f"（{self.settings.daily_cap_per_sender} 封，防止邮件循环）")
        return None

    # -- after a crash -------------------------------------------------------

    def recover(self, now: datetime) -> int:
        """Settle the replies a crash left in `sending` (see the module docstring)."""
        stale = self.store.stale_claims(now - self.stale_after)
        for reply in stale:
            try:
                found = self.copies is not None and self.copies.holds(reply.reply_message_id, _as_utc(reply.claimed_at))
            except MailboxError as err:
                log.warning("Reply %s: left unsent by a crash; the Sent folder cannot be searched yet: %s",
                            reply.id, err)
                continue
            if found:
                self.store.settle_reply(reply.id, OutboxStatus.SENT, now=now, attempt=False)
                log.info("Reply %s to %s: a crash interrupted it; found in the Sent folder, so it was sent",
                         reply.id, reply.to_addr)
            elif reply.resends == 0:
                self.store.settle_reply(reply.id, OutboxStatus.QUEUED, now=now, attempt=False, resend=True,
                                        error="发送过程中服务中断，未能确认是否已发出，将重发一次")
                log.warning("Reply %s to %s: a crash interrupted it; not confirmed sent, sending it once more",
                            reply.id, reply.to_addr)
            else:
                self.store.settle_reply(reply.id, OutboxStatus.UNCERTAIN, now=now, attempt=False,
                                        error="发送过程中服务两次中断，无法确认对方是否已收到，不再重发，请人工核实")
                log.error("Reply %s to %s: interrupted twice; marked uncertain, not sent again",
                          reply.id, reply.to_addr)
        return len(stale)

    # -- copies in the Sent folder ---------------------------------------------

    def _file(self, reply: Outbox) -> None:
        if not self.file_copies:
            return
        try:
            self.copies.file(reply.raw, self.clock())
        except MailboxError as err:
            log.warning("Reply %s: sent, but its copy could not be filed in the Sent folder yet: %s", reply.id, err)
            return
        self.store.mark_filed(reply.id, self.clock())

    def file_pending(self, now: datetime) -> None:
        """File the copies an IMAP failure held back (replies sent in the last day)."""
        if not self.file_copies:
            return
        for reply in self.store.unfiled_replies(now - timedelta(days=1), limit=20):
            try:
                self.copies.file(reply.raw, now)
            except MailboxError:
                return
            self.store.mark_filed(reply.id, now)

    def close(self) -> None:
        if self.copies is not None:
            self.copies.close()


def _as_utc(moment: datetime | None) -> datetime:
    """Stored times come back naive (UTC) from both databases."""
    return utcnow() if moment is None else aware(moment)



def sender_for(settings: Settings, store: Store, *, clock: Callable[[], datetime] = utcnow) -> OutboxSender:
    """The outbox sender the configuration describes, with its Sent-folder copies if enabled."""
    from notifier.sentcopy import SentCopies

    smtp = settings.smtp
    copies = None
    if smtp.transport == "smtp" and smtp.sent_copy != "off":
        copies = SentCopies(settings.mailbox, settings.secret(settings.mailbox.password_env), smtp.sent_folder)
    return OutboxSender(store, smtp, settings.secret(smtp.password_env),
                        tz=settings.competition.timezone, own_addresses=settings.own_addresses(),
                        copies=copies, file_copies=smtp.sent_copy == "append", clock=clock)
