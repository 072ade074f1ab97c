"""A rendered reply → RFC 5322 bytes with the headers that keep threads and stop loops."""
from __future__ import annotations

import email.policy
import email.utils
import re
from email.message import EmailMessage

from intake.model import IncomingMail
from notifier.render import ReplyContent

_LINE_BREAKS = re.compile(r"[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def header_safe(value: str) -> str:
    """Sender-supplied text can never add a header: control characters become spaces."""
    return _LINE_BREAKS.sub(" ", value or "").strip()


def compose_reply(content: ReplyContent, *, original: IncomingMail, from_addr: str) -> tuple[bytes, str]:
    """Return (raw bytes, Message-ID) of the reply to `original`."""
    _, from_email = email.utils.parseaddr(from_addr)
    domain = from_email.rpartition("@")[2] or "localhost"
    message_id = email.utils.make_msgid(domain=domain)
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = header_safe(from_addr)
    msg["To"] = email.utils.formataddr((header_safe(original.sender_name), header_safe(original.sender)))
    msg["Subject"] = header_safe(content.subject)
    msg["Date"] = email.utils.format_datetime(email.utils.localtime())
    msg["Message-ID"] = message_id
    if original.message_id:
        msg["In-Reply-To"] = header_safe(original.message_id)
        refs = [header_safe(r) for r in original.references if r != original.message_id]
        msg["References"] = " ".join(refs[-10:] + [header_safe(original.message_id)])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(content.text, charset="utf-8")
    return msg.as_bytes(), message_id
