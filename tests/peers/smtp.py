"""A real SMTP server on loopback that keeps what it receives.

Wraps aiosmtpd's Controller (its own thread and event loop). With a username
and password it requires AUTH, so a client that forgets to log in fails the
way it would against smtp.163.com.

A test can script the server's bad days, then let it recover:
- `stop()` / `start()`: connections are refused in between (same port);
- `fail_next(n, answer)`: the next n messages get `answer` (421, 451 …) after DATA;
- `drop_next(n)`: the next n messages lose the connection after their data,
  before any answer (the server has not taken them);
- `reject_all(answer)`: every message is refused, e.g. 163's "554 DT:SPM …",
  as str or as bytes (163 answers in GBK at times);
- `recover()`: back to accepting everything.
`attempts` counts every message whose data reached the server.
"""
from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


DROP = object()
DT_SPM = ("554 DT:SPM 163 smtp12,EuCowAD3v9ZbPMtj1W2wAA--.9417S2 1674297435,"
          "please see http://mail.163.com/help/help_spam_16.htm?ip=127.0.0.1")


@dataclass(frozen=True)
class CapturedMessage:
    """One delivered message: envelope, bytes as sent, and the parsed form."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes = field(repr=False)
    message: EmailMessage = field(repr=False, compare=False)
    # The login the client authenticated with, None without AUTH.
    login: str | None = None


class SmtpCapture:
    """Accepts every message (after AUTH when credentials are given)."""

    host = "127.0.0.1"

    def __init__(self, username: str | None = None, password: str | None = None, *,
                 tls: str | None = None, cert: Path | None = None, key: Path | None = None):
        """`tls` is None (plain), "starttls" (required) or "implicit" (smtps, like smtp.163.com:465)."""
        self.username, self.password, self.tls = username, password, tls
        self.port = _free_port()
        self.messages: list[CapturedMessage] = []
        self.attempts = 0
        self._script: list = []
        self._permanent: str | bytes | None = None
        self._arrived = threading.Condition()
        options: dict = {"authenticator": self._authenticate, "auth_required": True,
                         "auth_require_tls": False} if username is not None else {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(key))
            options.update({"ssl_context": context} if tls == "implicit"
                           else {"tls_context": context, "require_starttls": True})
        self._options = options
        self._controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        """The [smtp] url for this server."""
        scheme = {"implicit": "smtps", "starttls": "smtp+starttls"}.get(self.tls or "", "smtp")
        return f"{scheme}://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[CapturedMessage]:
        """Block until at least `count` messages arrived; AssertionError if not."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} messages within {timeout}s, got {len(self.messages)}")
            return list(self.messages)

    def start(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port, **self._options)
            self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def fail_next(self, count: int, answer: str | bytes = "451 4.3.0 Temporary local problem, try later") -> None:
        with self._arrived:
            self._script.extend([answer] * count)

    def drop_next(self, count: int = 1) -> None:
        with self._arrived:
            self._script.extend([DROP] * count)

    def reject_all(self, answer: str | bytes = DT_SPM) -> None:
        with self._arrived:
            self._permanent = answer

    def recover(self) -> None:
        with self._arrived:
            self._script.clear()
            self._permanent = None

    def __enter__(self) -> SmtpCapture:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- aiosmtpd hooks (run on the controller's thread) --------------------

    async def handle_DATA(self, server, session, envelope) -> str | bytes:
        with self._arrived:
            self.attempts += 1
            answer = self._script.pop(0) if self._script else self._permanent
            self._arrived.notify_all()
        if answer is DROP:
            server.transport.close()
            await asyncio.sleep(30)  # cancelled as the connection goes: no answer is ever sent
        if answer is not None:
            return answer
        raw = envelope.original_content
        login = session.login_data.decode() if isinstance(session.login_data, bytes) else None
        captured = CapturedMessage(
            mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos), raw=raw,
            message=message_from_bytes(raw, policy=policy.default), login=login)
        with self._arrived:
            self.messages.append(captured)
            self._arrived.notify_all()
        return "250 OK: queued"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.username
              and auth_data.password.decode() == self.password)
        # handled=False lets aiosmtpd answer a failure with 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
