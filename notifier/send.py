"""Deliver queued replies: over SMTP, or as .eml files into a folder.

Temporary failures (connection refused, 4xx, timeouts) leave a reply queued
for the next round; permanent rejections (5xx, such as 163's "554 DT:SPM")
mark it failed with the server's answer kept for the secretariat.
"""
from __future__ import annotations

import email.utils
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from urllib.parse import urlsplit

from intake.config import SmtpSettings
from store import Store
from store.models import Outbox, OutboxStatus

log = logging.getLogger("intake.notifier")
MAX_SEND_ATTEMPTS = 8


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """The server refused this reply for good."""


def _smtp_error_text(err: smtplib.SMTPResponseException) -> str:
    raw = err.smtp_error
    text = raw.decode("gb18030", "replace") if isinstance(raw, bytes) else str(raw)
    return f"{err.smtp_code} {text}"


def _connect(settings: SmtpSettings, password: str) -> smtplib.SMTP:
    url = urlsplit(settings.url)
    host, timeout = url.hostname or "localhost", settings.timeout
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=str(settings.ca_file))
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, url.port or 465, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, url.port or (587 if url.scheme == "smtp+starttls" else 25), timeout=timeout)
        if url.scheme == "smtp+starttls":
            client.starttls(context=context)
    if settings.username and password:
        client.login(settings.username, password)
    return client


class SmtpTransport:
    """One SMTP session for a round of deliveries."""

    def __init__(self, settings: SmtpSettings, password: str):
        self.settings, self.password, self.client = settings, password, None

    def send(self, reply: Outbox) -> None:
        sender = email.utils.parseaddr(self.settings.sender)[1]
        try:
            if self.client is None:
                self.client = _connect(self.settings, self.password)
            self.client.sendmail(sender, [reply.to_addr], reply.raw)
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()))
            self.close()
            raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(
                f"{code} {text.decode('gb18030', 'replace') if isinstance(text, bytes) else text}") from err
        except smtplib.SMTPResponseException as err:
            self.close()
            cls = TemporaryFailure if 400 <= err.smtp_code < 500 else PermanentFailure
            raise cls(_smtp_error_text(err)) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise TemporaryFailure(f"{type(err).__name__}: {err}") from err

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None


class DirectoryTransport:
    """Writes each reply as <outbox id>.eml, for the demo and for dry runs."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, reply: Outbox) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"reply-{reply.id:06d}.eml").write_bytes(reply.raw)

    def close(self) -> None:
        pass


def make_transport(settings: SmtpSettings, password: str):
    if settings.transport == "directory":
        return DirectoryTransport(settings.directory)
    return SmtpTransport(settings, password)


def _start_of_day(tz) -> datetime:
    return datetime.combine(datetime.now(tz).date(), time(0), tzinfo=tz)


def deliver_outbox(store: Store, settings: SmtpSettings, password: str, tz) -> DeliveryReport:
    """Send what is queued, once each; return what happened."""
    transport, sent, failed, deferred = make_transport(settings, password), 0, 0, 0
    try:
        for reply in store.queued_replies():
            if store.replies_sent_since(reply.to_addr, _start_of_day(tz)) >= settings.daily_cap_per_sender:
                store.mark_reply(reply.id, OutboxStatus.FAILED, "已达到对同一发件人的每日回复上限，未发送")
                failed += 1
                continue
            try:
                transport.send(reply)
            except PermanentFailure as err:
                store.mark_reply(reply.id, OutboxStatus.FAILED, str(err))
                log.warning("Reply %s to %s: rejected: %s", reply.id, reply.to_addr, err)
                failed += 1
                continue
            except TemporaryFailure as err:
                give_up = reply.attempts + 1 >= MAX_SEND_ATTEMPTS
                store.mark_reply(reply.id, OutboxStatus.FAILED if give_up else OutboxStatus.QUEUED, str(err))
                log.warning("Reply %s to %s: will retry: %s", reply.id, reply.to_addr, err)
                deferred += 1
                break  # the server is unwell: leave the rest for the next round
            store.mark_reply(reply.id, OutboxStatus.SENT)
            sent += 1
    finally:
        transport.close()
    return DeliveryReport(sent=sent, failed=failed, deferred=deferred)
