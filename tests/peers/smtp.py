"""A real SMTP server on loopback that keeps what it receives.

Wraps aiosmtpd's Controller (its own thread and event loop). With a username
and password it requires AUTH, so a client that forgets to log in fails the
way it would against smtp.163.com.
"""
from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


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
        self._arrived = threading.Condition()
        options: dict = {"authenticator": self._authenticate, "auth_required": True,
                         "auth_require_tls": False} if username is not None else {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(key))
            options.update({"ssl_context": context} if tls == "implicit"
                           else {"tls_context": context, "require_starttls": True})
        self._controller = Controller(self, hostname=self.host, port=self.port, **options)
        self._controller.start()

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

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpCapture:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- aiosmtpd hooks (run on the controller's thread) --------------------

    async def handle_DATA(self, server, session, envelope) -> str:
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
