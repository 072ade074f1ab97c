"""A rendered reply → RFC 5322 bytes with the headers that keep threads and stop loops.

Plain text first and HTML second in multipart/alternative (RFC 2046: the
richest last), both UTF-8 in base64 so the message is 7-bit clean for any
SMTP server. Every header value that came from a sender passes through
`header_safe`, and the email package's SMTP policy refuses a header with a
line break anyway: sender text can never add a header.
"""
from __future__ import annotations

import email.errors
import email.policy
import email.utils
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from intake.base.config import Settings
from intake.base.model import Finding, IncomingMail, QueuedReply, ReplyType
from intake.base.times import utcnow
from intake.record.write import ComposeReply
from notifier.render import RegistrationSummary, ReplyContent, render_reply

_LINE_BREAKS = re.compile(r"[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_MSG_ID = re.compile(r"<[^<>\s]+>")
_BARE_ID = re.compile(r"[^<>\s]+@[^<>\s]+")
MAX_REFERENCES = 10


def header_safe(value: str) -> str:
    """Sender-supplied text can never add a header: control characters become spaces."""
    return _LINE_BREAKS.sub(" ", value or "").strip()


def _mailbox(name: str, addr: str) -> str | Address:
    """To: with the sender's display name when the address is well formed, else the bare address."""
    try:
        return Address(display_name=header_safe(name), addr_spec=header_safe(addr))
    except (ValueError, IndexError, email.errors.HeaderParseError):
        return header_safe(addr)


def _msg_ids(values) -> list[str]:
    """Only well-formed <id> tokens go into In-Reply-To and References."""
    found: list[str] = []
    for value in values:
        value = header_safe(value)
        tokens = _MSG_ID.findall(value) or ([f"<{value}>"] if _BARE_ID.fullmatch(value) else [])
        for token in tokens:
            if token not in found:
                found.append(token)
    return found


def compose(content: ReplyContent, *, from_addr: str, to_addr: str, to_name: str = "",
            in_reply_to: str = "", references: tuple[str, ...] | list[str] = (),
            now: datetime | None = None) -> tuple[bytes, str]:
    """Return (raw bytes, Message-ID) of a reply; `references` oldest first."""
    _, from_email = email.utils.parseaddr(from_addr)
    domain = from_email.rpartition("@")[2] or "localhost"
    message_id = email.utils.make_msgid(domain=domain)
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = header_safe(from_addr)
    msg["To"] = _mailbox(to_name, to_addr)
    msg["Subject"] = header_safe(content.subject)
    msg["Date"] = email.utils.format_datetime(now or email.utils.localtime())
    msg["Message-ID"] = message_id
    parent = _msg_ids([in_reply_to])
    if parent:
        msg["In-Reply-To"] = parent[0]
        chain = [ref for ref in _msg_ids(references) if ref != parent[0]]
        msg["References"] = " ".join(chain[-(MAX_REFERENCES - 1):] + parent[:1])
    # RFC 3834: an automatic answer, which well-behaved responders never answer.
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(content.text, charset="utf-8", cte="base64")
    if content.html is not None:
        msg.add_alternative(content.html, subtype="html", charset="utf-8", cte="base64")
    return msg.as_bytes(), message_id


def compose_reply(content: ReplyContent, *, original: IncomingMail, from_addr: str,
                  now: datetime | None = None) -> tuple[bytes, str]:
    """Return (raw bytes, Message-ID) of the reply to `original`."""
    return compose(content, from_addr=from_addr, to_addr=original.sender, to_name=original.sender_name,
                   in_reply_to=original.message_id or "", references=tuple(original.references), now=now)


def reply_composer(settings: Settings) -> ComposeReply:
    """What recording calls to put a decision's reply into words, once the numbers are drawn."""
    def compose(reply_type: ReplyType, mail: IncomingMail, registrations, deficiencies: list[Finding],
                files: list[str]) -> QueuedReply:
        # Dated and signed in the competition's time zone: the secretariat's day, not the server's.
        written = utcnow().astimezone(settings.competition.timezone)
        content = render_reply(
            reply_type, competition=settings.competition,
            registrations=[RegistrationSummary(r.number, r.enterprise, r.group_name, r.topic, r.topic_type,
                                               r.status) for r in registrations],
            deficiencies=deficiencies, files=files, sender_name=mail.sender_name, received_at=mail.received_at,
            now=written)
        raw, reply_id = compose_reply(content, original=mail, from_addr=settings.smtp.sender, now=written)
        return QueuedReply(content.subject, raw, reply_id)
    return compose
