"""How a reply leaves: one SMTP session step by step, or an .eml file in a folder.

Each failure is placed where it happened, because that decides whose
problem it is: at connect, login or MAIL FROM it is the account's or the
server's (a wrong 授权码, SMTP not switched on, the server away); at RCPT or
DATA it is this reply's. 4xx and lost connections are temporary, 5xx is
permanent, and the server's answer is kept, decoded (163.com answers in GBK
at times).
"""
from __future__ import annotations

import email.utils
import smtplib
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from intake.base.config import SmtpSettings
from store.models import Outbox


class TemporaryFailure(Exception):
    """Try again later. `counts`: the reply's own attempt (RCPT/DATA), not the account's."""

    def __init__(self, text: str, *, counts: bool = True):
        super().__init__(text)
        self.counts = counts


class PermanentFailure(Exception):
    """The server refused this reply for good."""


def _decode(raw) -> str:
    """163.com answers in GBK at times; UTF-8 first, then gb18030 (its superset)."""
    if not isinstance(raw, bytes):
        return str(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def _answer(code: int, text) -> str:
    return f"{code} {_decode(text)}".strip()



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
    client.ehlo_or_helo_if_needed()
    if settings.username and password:
        client.login(settings.username, password)
    return client


class SmtpTransport:
    """One SMTP session for a round of deliveries, step by step so each failure is placed."""

    def __init__(self, settings: SmtpSettings, password: str):
        self.settings, self.password, self.client = settings, password, None

    def send(self, reply: Outbox) -> None:
        """The whole SMTP transaction for one reply (the digest's way)."""
        self.begin(reply)
        self.finish(reply)

    def begin(self, reply: Outbox) -> None:
        """Everything before the message itself: connect and log in if needed, MAIL FROM,
        RCPT TO. Nothing is delivered yet: a crash now leaves nothing at the server."""
        sender = email.utils.parseaddr(self.settings.sender)[1]
        try:
            if self.client is None:
                self.client = _connect(self.settings, self.password)
            code, text = self.client.mail(sender)
        except smtplib.SMTPResponseException as err:  # login refused, 421 greeting
            self.close()
            raise TemporaryFailure(_answer(err.smtp_code, err.smtp_error), counts=False) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise TemporaryFailure(f"{type(err).__name__}: {err}", counts=False) from err
        if code != 250:  # 550 when SMTP is not switched on: the account's problem
            self.close()
            raise TemporaryFailure(_answer(code, text), counts=False)
        try:
            code, text = self.client.rcpt(reply.to_addr)
        except UnicodeEncodeError as err:
            self.close()
            raise PermanentFailure(f"收件地址含有非ASCII字符，SMTP无法投递：{reply.to_addr}") from err
        except smtplib.SMTPResponseException as err:
            code, text = err.smtp_code, err.smtp_error
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise TemporaryFailure(f"{type(err).__name__}: {err}", counts=True) from err
        if code not in (250, 251):
            self._refused(code, text)

    def finish(self, reply: Outbox) -> None:
        """DATA: the message itself, after begin(). Delivered once the server answers 250."""
        try:
            code, text = self.client.data(reply.raw)
        except smtplib.SMTPResponseException as err:  # data() raises for its 354 step
            code, text = err.smtp_code, err.smtp_error
        except (OSError, smtplib.SMTPException) as err:
            # No 250 came, so the server most likely did not take the message (RFC 5321
            # §4.1.1.4). If it did and only its answer was lost, the retry is the one
            # duplicate SMTP cannot rule out (RFC 1047): same Message-ID, shown once by clients.
            self.close()
            raise TemporaryFailure(f"{type(err).__name__}: {err}", counts=True) from err
        if code != 250:
            self._refused(code, text)

    def abandon(self) -> None:
        """Drop the transaction begun for a reply that will not be sent now (RSET)."""
        if self.client is not None:
            self._reset()

    def _refused(self, code: int, text) -> None:
        if code == 421:  # the server is closing the connection
            self.close()
        else:
            self._reset()
        if 400 <= code < 500:
            raise TemporaryFailure(_answer(code, text), counts=True)
        raise PermanentFailure(_answer(code, text))

    def _reset(self) -> None:
        try:
            self.client.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                self.client.close()
            self.client = None


class DirectoryTransport:
    """Writes each reply as reply-<outbox id>.eml, for the demo and for dry runs."""

    def __init__(self, folder: Path):
        self.folder = folder

    def begin(self, reply: Outbox) -> None:
        pass

    def finish(self, reply: Outbox) -> None:
        self.send(reply)

    def abandon(self) -> None:
        pass

    def send(self, reply: Outbox) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"reply-{reply.id:06d}.eml").write_bytes(reply.raw)
        except OSError as err:
            raise TemporaryFailure(f"cannot write to {self.folder}: {err}", counts=True) from err

    def close(self) -> None:
        pass


def make_transport(settings: SmtpSettings, password: str):
    if settings.transport == "directory":
        return DirectoryTransport(settings.directory)
    return SmtpTransport(settings, password)
