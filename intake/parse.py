"""Raw bytes → `IncomingMail`, with mail-parser doing the MIME work.

Chinese senders label GBK text "gb2312"; Python's gb2312 codec then fails
on common characters, so those labels are read as GB18030 (its superset).
"""
from __future__ import annotations

import base64
import email.utils
import html
import re
from datetime import datetime, timezone
from email.header import decode_header, make_header

import mailparser

from intake.archive import sha256_hex
from intake.model import Attachment, IncomingMail

_GB_LABEL = re.compile(rb"(?i)(charset\s*=\s*\"?|=\?)(gb2312|gbk|x-gbk|cp936)(?=[\"?;\s]|$)", re.M)
_GB_NAMES = {"gb2312", "gbk", "x-gbk", "cp936", "gb18030"}
_TAGS = re.compile(r"(?is)<(script|style|head)\b.*?</\1>|<[^>]+>")
_BREAKS = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>")


def widen_gb_charsets(raw: bytes) -> bytes:
    """Relabel gb2312/GBK charsets as gb18030 in headers and encoded words."""
    return _GB_LABEL.sub(lambda m: m.group(1) + b"gb18030", raw)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body (enough for keywords and numbers)."""
    text = _BREAKS.sub("\n", markup)
    text = html.unescape(_TAGS.sub("", text))
    lines = (line.strip() for line in text.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in a declared, wrong or missing charset (UTF-8, then GB18030)."""
    candidates = [charset] if charset and charset != "unknown-8bit" else []
    for name in candidates + ["utf-8", "gb18030"]:
        try:
            return data.decode("gb18030" if name.lower() in _GB_NAMES else name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def decode_header_value(value: object) -> str:
    """A header as text, whatever mix of encoded words and raw 8-bit bytes it holds."""
    try:
        chunks = decode_header(value)
    except (ValueError, TypeError, LookupError):
        chunks = [(str(value), None)]
    text = "".join(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
                   for chunk, charset in chunks)
    return " ".join(text.split())


def received_time(headers: dict[str, tuple[str, ...]]) -> datetime | None:
    """The newest Received: date, else Date: (SPEC §6, for files)."""
    candidates = [value.rpartition(";")[2] for value in headers.get("received", ())[:1]]
    candidates += list(headers.get("date", ())[:1])
    for value in candidates:
        try:
            parsed = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if parsed:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def _headers(message) -> dict[str, tuple[str, ...]]:
    collected: dict[str, list[str]] = {}
    for name, value in message.items():
        collected.setdefault(name.lower(), []).append(decode_header_value(value))
    return {name: tuple(values) for name, values in collected.items()}


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value))


def _attachments(parsed) -> tuple[Attachment, ...]:
    found = []
    for item in parsed.attachments:
        payload = item.get("payload") or ""
        try:
            data = base64.b64decode(payload) if item.get("binary") else payload.encode("utf-8")
        except (ValueError, TypeError):
            continue
        name = decode_header_value(item.get("filename") or "")
        found.append(Attachment(filename=name, content_type=item.get("mail_content_type") or "",
                                payload=data, sha256=sha256_hex(data)))
    return tuple(found)


def parse_mail(raw: bytes, received_at: datetime | None = None) -> IncomingMail:
    """Decode a raw message; missing pieces become empty values, never errors."""
    parsed = mailparser.parse_from_bytes(widen_gb_charsets(raw))
    headers = _headers(parsed.message) if parsed.message is not None else {}
    first = lambda name: headers.get(name, ("",))[0]  # noqa: E731
    name, address = email.utils.parseaddr(first("from"))
    body = "\n".join(parsed.text_plain).strip() or html_to_text("\n".join(parsed.text_html))
    defects = tuple(sorted(parsed.defects_categories)) if parsed.has_defects else ()
    return IncomingMail(
        message_id=(_message_ids(first("message-id")) or ("",))[0],
        sender=address.strip().lower(),
        sender_name=name.strip(),
        subject=first("subject"),
        received_at=received_at or received_time(headers) or datetime.now(timezone.utc),
        body_text=body,
        attachments=_attachments(parsed),
        in_reply_to=(_message_ids(first("in-reply-to")) or (None,))[0],
        references=_message_ids(" ".join(headers.get("references", ()))),
        headers=headers,
        raw_sha256=sha256_hex(raw),
        defects=defects,
    )


def file_received_time(raw: bytes) -> datetime:
    """Received time of a message read from a file: newest Received:, else Date:, else now."""
    from email.parser import BytesHeaderParser

    try:
        message = BytesHeaderParser().parsebytes(raw)
        headers = {name: tuple(str(v) for v in message.get_all(name, [])) for name in ("received", "date")}
    except Exception:  # noqa: BLE001 - any header garbage just means "unknown"
        headers = {}
    return received_time(headers) or datetime.now(timezone.utc)
