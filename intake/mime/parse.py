"""Raw bytes → `IncomingMail`, with mail-parser doing the MIME work.

Chinese senders label GBK text "gb2312" (or euc-cn, GB_2312-80 …); Python's
gb2312 codec then fails on common characters (喆 堃 珺 赟 镕), so those
labels are read as GB18030, its superset. Text whose charset is missing or
wrong (8-bit GBK bodies and headers, GBK file names in raw bytes) is read
as UTF-8 when it strictly is, else as GB18030: mail-parser would turn those
bytes into U+FFFD, so body parts and damaged file names are decoded here
from the parts mail-parser split out.
"""
from __future__ import annotations

import logging

import base64
import email.message
import email.utils
import html
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from email.header import decode_header

import mailparser

from intake.fetch.archive import Archive, sha256_hex
from intake.base.model import Attachment, IncomingMail
from intake.base.text import has_surrogates, storable
from intake.base.times import aware

log = logging.getLogger("intake.parse")

# Every label Python (or a sender) uses for GB2312/GBK; all read as GB18030.
_GB_ALIASES = (rb"gb2312|gb_2312-80|gb_2312|gb2312-80|gb2312-1980|csgb2312|gbk|x-gbk|cp936|ms936"
               rb"|windows-936|euc-cn|euccn|x-euc-cn")
# A charset parameter, an RFC 2047 encoded word, or an RFC 2231 value (filename*=gbk''…).
# Matched against the lower-cased message: a case-insensitive scan of a few hundred KB
# of base64 costs three times as much.
_GB_LABEL = re.compile(rb"(charset\s*=\s*[\"']?|=\?|\*\s*=\s*[\"']?)(" + _GB_ALIASES
                       + rb")(?=[\"'?;*\s]|$)", re.M)
_GB_NAMES = {name.decode() for name in _GB_ALIASES.split(b"|")} | {"gb18030"}
_TAGS = re.compile(r"(?is)<(script|style|head)\b.*?</\1>|<[^>]+>")
_BREAKS = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>")
_NAME_HEADERS = ("content-type", "content-disposition")
# Control characters in a decoded header (NUL, ESC, C1) are never the sender's text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")
# A registration mail has tens of parts; thousands cost mail-parser seconds each thousand.
MAX_PARTS = 500
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class MailRefused(ValueError):
    """A message not worth parsing; the text says why, in Chinese, for the secretariat."""


def widen_gb_charsets(raw: bytes) -> bytes:
    """Relabel gb2312/GBK charsets as gb18030 in headers, encoded words and RFC 2231 values."""
    pieces, last = [], 0
    for label in _GB_LABEL.finditer(raw.lower()):  # bytes.lower() keeps every offset
        pieces += (raw[last:label.start(2)], b"gb18030")
        last = label.end(2)
    return b"".join(pieces) + raw[last:] if pieces else raw


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body (enough for keywords and numbers)."""
    text = _BREAKS.sub("\n", markup)
    text = html.unescape(_TAGS.sub("", text))
    lines = (line.strip() for line in text.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in a declared, wrong or missing charset.

    The declared charset (gb2312 and kin read as GB18030), else UTF-8 when the
    bytes strictly are, else UTF-8 with a few damaged bytes (one in fifty, or
    one cut multi-byte character in a short header: a client that shortened
    a subject or file name by bytes), else GB18030, else Latin-1 (every byte kept).
    """
    declared = charset if charset and charset.lower() != "unknown-8bit" else None
    for name in (declared, "utf-8"):
        text = _strict(data, name) if name else None
        if text is not None:
            return text
    loose = data.decode("utf-8", "replace")
    damaged = loose.count("\ufffd")
    good = sum(ch > "\x7f" for ch in loose) - damaged
    if damaged * 50 <= good or (damaged == 1 and good >= 2):
        return loose
    text = _strict(data, "gb18030")
    return text if text is not None else data.decode("latin-1")


def _strict(data: bytes, charset: str) -> str | None:
    try:
        text = data.decode("gb18030" if charset.lower() in _GB_NAMES else charset)
        text.encode("utf-8")  # utf-7 and friends can yield lone surrogates
        return text
    except (ValueError, LookupError):  # UnicodeError, and codecs such as idna
        return None


def decode_header_value(value: object) -> str:
    """A header as text, whatever mix of encoded words and raw 8-bit bytes it holds.

    Raw bytes that reach us as lone surrogates (str(value) of an 8-bit header) are
    decoded as bytes first; whatever cannot be read becomes U+FFFD, never a surrogate.
    """
    if isinstance(value, str) and has_surrogates(value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    if isinstance(value, str) and not value.isascii():
        # decode_header would escape this text (raw-unicode-escape): only its encoded words are decoded.
        return _clean_header(_ENCODED_WORD.sub(_decode_word, value))
    try:
        chunks = decode_header(value)
    except (ValueError, TypeError, LookupError):
        chunks = [(str(value), None)]
    text = "".join(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
                   for chunk, charset in chunks)
    if any(charset == "unknown-8bit" for _, charset in chunks):
        # Raw 8-bit bytes beside encoded words: the email package left the words undecoded.
        text = _ENCODED_WORD.sub(_decode_word, text)
    return _clean_header(text)


def _clean_header(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", storable(text)).split())


def _decode_word(match: re.Match) -> str:
    try:
        return "".join(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                       for chunk, charset in decode_header(match.group(0)))
    except (ValueError, TypeError, LookupError):
        return match.group(0)


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
            return aware(parsed)
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
    recovered: dict[str, str] | None = None
    for item in parsed.attachments:
        payload = item.get("payload") or ""
        try:
            data = base64.b64decode(payload) if item.get("binary") else payload.encode("utf-8")
        except (ValueError, TypeError):
            continue
        name = decode_header_value(item.get("filename") or "")
        digest = sha256_hex(data)
        if "\ufffd" in name:  # mail-parser read raw GBK name bytes as UTF-8
            recovered = _names_from_raw_headers(parsed.message) if recovered is None else recovered
            name = recovered.get(digest, name)
        found.append(Attachment(filename=name, content_type=storable(item.get("mail_content_type") or ""),
                                payload=data, sha256=digest))
    return tuple(found)


def _names_from_raw_headers(message) -> dict[str, str]:
    """File names of the message's parts, by payload hash, read from the header bytes."""
    names = {}
    for part in message.walk() if message is not None else ():
        try:
            name = _raw_filename(part)
            if name and not part.is_multipart():
                names.setdefault(sha256_hex(part.get_payload(decode=True) or b""), name)
        except Exception:  # noqa: BLE001 - a hostile part keeps mail-parser's name
            continue
    return names


def _raw_filename(part: email.message.Message) -> str:
    """The part's file name with raw 8-bit header bytes read as UTF-8, else GB18030."""
    headers = [(name, str(value)) for name, value in part.raw_items() if name.lower() in _NAME_HEADERS]
    if all(value.isascii() for _, value in headers):
        return ""  # nothing mail-parser could have misread
    view = email.message.Message()
    for name, value in headers:
        view[name] = decode_bytes(value.encode("utf-8", "surrogateescape"))
    return decode_header_value(view.get_filename() or "")


def _body_parts(message) -> Iterator[email.message.Message]:
    """The parts mail-parser reads as body text: plain and HTML leaves that are not
    files (a forwarded mail's text counts), and named parts shown inline."""
    hidden: set[int] = set()
    for part in message.walk():
        inside = id(part) in hidden
        disposition = part.get_content_disposition()
        named = bool(part.get_filename())
        if part.is_multipart():
            if inside or disposition not in (None, "inline") or (named and disposition != "inline"):
                hidden.update(id(child) for child in part.get_payload())
            continue
        if part.get_content_subtype() not in ("plain", "html"):
            continue
        if (not named and disposition != "attachment") or \
                (named and disposition == "inline" and not inside and part.get_content_maintype() == "text"):
            yield part


def _body_texts(parsed) -> tuple[str, str]:
    """(plain parts, else the HTML parts turned into text; the HTML parts as sent), each
    part in its real charset."""
    texts: dict[str, list[str]] = {"plain": [], "html": []}
    try:
        for part in _body_parts(parsed.message) if parsed.message is not None else ():
            text = decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())
            if text:
                texts[part.get_content_subtype()].append(text)
    except Exception:  # noqa: BLE001 - a structure we cannot walk: mail-parser's own text
        texts = {"plain": list(parsed.text_plain), "html": list(parsed.text_html)}
    markup = storable("\n".join(texts["html"]))
    return storable("\n".join(texts["plain"]).strip()) or html_to_text(markup), markup


def _sender(message) -> tuple[str, str]:
    """(display name, address) of From:, the address parsed before any decoding:
    an encoded word in the name ("=?utf-8?b?…?=" holding "Bcc: x@evil") can never
    become the address a reply goes to."""
    raw = next((str(value) for name, value in message.raw_items() if name.lower() == "from"), "")
    name, address = email.utils.parseaddr(raw)
    return decode_header_value(decode_bytes(name.encode("utf-8", "surrogateescape"))), address


def _refuse_too_many_parts(raw: bytes) -> None:
    """Raise `MailRefused` for a message of more than MAX_PARTS parts.

    Counting boundary-like lines costs nothing and over-counts; only then is
    the structure counted for real, with the standard library (far faster).
    """
    if raw.count(b"\n--") <= MAX_PARTS:
        return
    parts = sum(1 for _ in email.message_from_bytes(raw).walk())
    if parts > MAX_PARTS:
        raise MailRefused(f"邮件包含 {parts} 个部分，超过上限 {MAX_PARTS} 个，未自动处理，已转秘书处人工查看")


def parse_mail(raw: bytes, received_at: datetime | None = None) -> IncomingMail:
    """Decode a raw message; missing pieces become empty values, never errors.

    Raises `MailRefused` for a message too complex to parse within bounds.
    """
    _refuse_too_many_parts(raw)
    parsed = mailparser.parse_from_bytes(widen_gb_charsets(raw))
    headers = _headers(parsed.message) if parsed.message is not None else {}
    first = lambda name: headers.get(name, ("",))[0]  # noqa: E731
    name, address = _sender(parsed.message) if parsed.message is not None else ("", "")
    body, markup = _body_texts(parsed)
    # Bodies are decoded here, never with replacement characters: mail-parser's
    # charset complaint no longer describes what we read.
    defects = tuple(sorted(parsed.defects_categories - {"CharsetDecodeDefect"})) if parsed.has_defects else ()
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
        body_html=markup,
    )


def file_received_time(raw: bytes) -> datetime:
    """Received time of a message read from a file: newest Received:, else Date:, else now."""
    from email.parser import BytesHeaderParser

    head = _HEADER_END.split(raw, maxsplit=1)[0]  # not the 100 MB body: the parser would copy it twice
    try:
        message = BytesHeaderParser().parsebytes(head)
        headers = {name: tuple(str(v) for v in message.get_all(name, [])) for name in ("received", "date")}
    except Exception:  # noqa: BLE001 - any header garbage just means "unknown"
        headers = {}
    return received_time(headers) or datetime.now(timezone.utc)


def archived_body(archive: Archive, path: str, received_at: datetime) -> str:
    """The body text of an archived message, for a page or a digest; '' when it cannot be
    read (a page never fails for one odd mail)."""
    try:
        return parse_mail(archive.read(path), aware(received_at)).body_text or ""
    except Exception as err:  # noqa: BLE001 - reported, and the page goes on
        log.info("Parse: no body for archived %s: %s", path, err)
        return ""
