"""Open what senders pack: .zip/.rar/.7z archives, forwarded mails, winmail.dat.

Declared sizes are checked before anything is decompressed and actual bytes
are counted while reading (declared sizes lie), against limits per mail, so
a zip bomb ends as a `Problem` a person can act on, never as exhausted memory.
Whatever comes out is an ordinary `Attachment` whose `origin` says where it
was found, e.g. "材料.zip/附件2/报名表.docx".
"""
from __future__ import annotations

import functools
import io
import logging
import mimetypes
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import py7zr
import rarfile
import tnefparse
from py7zr.exceptions import DecompressionBombError, PasswordRequired, UnsupportedCompressionMethodError
from py7zr.io import Py7zIO, WriterFactory

from intake.fetch.archive import safe_filename, sha256_hex
from intake.base.model import Attachment
from intake.mime.parse import parse_mail

log = logging.getLogger(__name__)

ENCRYPTED = "压缩包已加密，无法解压，请发送未加密的文件"
CORRUPT = "压缩包损坏，无法解压，请重新压缩后再发送"
EMPTY = "压缩包里没有文件，请重新压缩后再发送"
UNSUPPORTED = "压缩包使用了不支持的压缩方式，无法解压，请改用 ZIP 格式重新压缩后发送"
MULTIVOLUME = "分卷压缩包不完整，无法解压，请压缩为单个文件后重新发送"
NO_RAR_TOOL = "暂时无法解压该 RAR 压缩包，请改用 ZIP 格式重新压缩后发送"
TOO_DEEP = "压缩包嵌套层数过多，请把其中的文件直接压缩在一个压缩包里发送"
TOO_DEEP_MAIL = "转发邮件嵌套层数过多，请把其中的附件直接添加到邮件中发送"
BOMB = "解压后文件过大，疑似压缩炸弹，已停止解压"
OVERLAP = "压缩包结构异常（文件数据相互重叠），疑似压缩炸弹，已停止解压"
TOO_BIG = "解压后文件总量过大，已停止解压，请只发送报名所需的文件"
MEMBER_TOO_BIG = "压缩包内有单个文件过大，已停止解压，请只发送报名所需的文件"
TOO_MANY = "压缩包内文件过多，已停止解压，请只发送报名所需的文件"
BAD_MAIL = "转发的邮件无法解析，请把其中的附件直接添加到邮件中发送"
BAD_TNEF = "winmail.dat（Outlook 格式）无法解析，请在 Outlook 中改用 HTML 格式重新发送"

MB = 1024 * 1024
_CHUNK = MB
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_RAR_MAGIC = (b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
_TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_ARCHIVE_EXTS = {".zip", ".rar", ".7z"}
# Zip-based documents: never unpacked, the extractors read them.
_PACKAGE_EXTS = {".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".pptx", ".ppsx", ".odt", ".ods", ".odp",
                 ".ofd", ".wps", ".et", ".dps", ".epub", ".jar", ".apk"}
_PACKAGE_MARKERS = {"[Content_Types].xml", "mimetype", "META-INF/manifest.xml", "OFD.xml"}
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"^[A-Za-z]:$")
_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
    ".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel", ".pdf": "application/pdf",
    ".zip": "application/zip", ".rar": "application/vnd.rar", ".7z": "application/x-7z-compressed",
    ".eml": "message/rfc822", ".dat": "application/ms-tnef",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what one mail may unpack to; each one stops a kind of bomb."""

    depth: int = 3                  # containers inside containers
    total_bytes: int = 200 * MB     # everything unpacked from one mail
    member_bytes: int = 100 * MB    # one file inside an archive
    members: int = 500              # files inside the archives of one mail
    ratio: int = 200                # uncompressed : compressed, for members of...
    ratio_floor: int = 1 * MB       # ...at least this size (small text compresses well)
    tnef_copying: int = 1024 * MB   # tnefparse copies the rest of the file per object


LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """A container that could not be opened, in words the sender can act on."""

    filename: str
    reason: str
    sha256: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Expanded:
    """The files a mail really carries, and the containers that would not open."""

    files: tuple[Attachment, ...]
    problems: tuple[Problem, ...]


class _Unreadable(Exception):
    """This container cannot be opened; its siblings still can."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Abort(_Unreadable):
    """A limit was hit: stop the whole top-level attachment it came from."""


def expand(attachments: tuple[Attachment, ...], limits: Limits = LIMITS) -> Expanded:
    """Unpack archives, forwarded mails and winmail.dat; other files pass through unchanged."""
    walker = _Walker(limits)
    for attachment in attachments:
        walker.top(attachment)
    return Expanded(tuple(walker.found.values()), tuple(walker.problems))


class _Walker:
    """One mail's unpacking: the shared budget, what was found, what failed."""

    def __init__(self, limits: Limits):
        self.limits, self.budget = limits, _Budget(limits)
        self.found: dict[str, Attachment] = {}
        self.problems: list[Problem] = []
        self.opened: set[str] = set()

    def top(self, attachment: Attachment) -> None:
        """A limit hit anywhere inside drops everything this attachment gave."""
        mark = len(self.problems)
        try:
            files = self.walk(attachment, 0)
        except _Abort as stop:
            del self.problems[mark:]
            self.problems.append(_problem(attachment, stop.reason))
            return
        for file in files:
            self.keep(file)

    def walk(self, attachment: Attachment, depth: int) -> list[Attachment]:
        kind = container_kind(attachment)
        if kind is None:
            return [attachment]
        if attachment.sha256 in self.opened:  # mail-parser also lists a forward's files flat
            return []
        self.opened.add(attachment.sha256)
        if depth >= self.limits.depth:
            if kind == "mail" and attachment.content_type == "message/rfc822":
                return []  # its files are already in the enclosing mail's flat list
            self.problems.append(_problem(attachment, TOO_DEEP_MAIL if kind == "mail" else TOO_DEEP))
            return []
        try:
            children = _OPENERS[kind](attachment, self.budget)
        except _Abort:
            raise
        except _Unreadable as err:
            self.problems.append(_problem(attachment, err.reason))
            return []
        return [found for child in children for found in self.walk(child, depth + 1)]

    def keep(self, file: Attachment) -> None:
        """One copy per content: the one whose origin says most about where it was."""
        kept = self.found.get(file.sha256)
        if kept is None or len(file.origin) > len(kept.origin):
            self.found[file.sha256] = file


class _Budget:
    """What is still allowed to come out of this mail's containers."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.bytes_left, self.members_left = limits.total_bytes, limits.members

    def admit(self, entries: list[tuple[int, int | None]]) -> None:
        """Check declared (size, compressed size) pairs before decompressing anything."""
        self.members_left -= len(entries)
        if self.members_left < 0:
            raise _Abort(TOO_MANY)
        for size, packed in entries:
            if size > self.limits.member_bytes:
                raise _Abort(MEMBER_TOO_BIG)
            if packed is not None:
                self.check_density(size, packed)
        if sum(size for size, _ in entries) > self.bytes_left:
            raise _Abort(TOO_BIG)

    def check_density(self, size: int, packed: int) -> None:
        if size >= self.limits.ratio_floor and size > self.limits.ratio * max(packed, 1):
            raise _Abort(BOMB)

    def spend(self, amount: int, member_so_far: int, declared: int) -> None:
        """Count bytes as they come out; a member larger than it declared is lying."""
        if member_so_far > declared:
            raise _Abort(BOMB)
        if member_so_far > self.limits.member_bytes:
            raise _Abort(MEMBER_TOO_BIG)
        self.bytes_left -= amount
        if self.bytes_left < 0:
            raise _Abort(TOO_BIG)

    def read(self, stream, declared: int) -> bytes:
        buffer = io.BytesIO()
        with stream:
            while chunk := stream.read(_CHUNK):
                self.spend(len(chunk), buffer.tell() + len(chunk), declared)
                buffer.write(chunk)
        return buffer.getvalue()

    def take(self, payloads: list[bytes]) -> None:
        """Files that were never compressed (a mail's, a winmail.dat's) still count."""
        self.admit([(len(data), None) for data in payloads])
        for data in payloads:
            self.spend(len(data), len(data), len(data))


def container_kind(attachment: Attachment) -> str | None:
    """"zip", "rar", "7z", "mail", "tnef", "broken" (an archive that is not one), or None."""
    data, ext = attachment.payload, PurePosixPath(attachment.filename.lower()).suffix
    if not data:
        return None  # the extractors say "empty file", which is more useful
    if data.startswith(_ZIP_MAGIC):
        return None if ext in _PACKAGE_EXTS or _is_package(data) else "zip"
    if data.startswith(_RAR_MAGIC):
        return "rar"
    if data.startswith(_7Z_MAGIC):
        return "7z"
    if data.startswith(_TNEF_MAGIC):
        return "tnef"
    if attachment.content_type.lower() == "message/rfc822" or ext == ".eml":
        return "mail"
    return "broken" if ext in _ARCHIVE_EXTS else None


def _is_package(data: bytes) -> bool:
    """An Office/ODF/OFD file is a zip too; an unreadable zip is left to the extractors."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except Exception:  # noqa: BLE001 - any failure: not ours to open as an archive
        return False
    return bool(names & _PACKAGE_MARKERS)


# ---- zip ------------------------------------------------------------------

def _zip_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(attachment.payload))
        entries = [(info, _zip_name(info)) for info in archive.infolist() if _zip_is_file(info)]
        if any(info.flag_bits & 0x1 for info, _ in entries):
            raise _Unreadable(ENCRYPTED)
        _check_overlap(archive.infolist())
        entries = _non_empty([(info, name) for info, name in entries if not _is_junk(name)])
        budget.admit([(info.file_size, info.compress_size) for info, _ in entries])
        return [_child(attachment, name, budget.read(archive.open(info), info.file_size))
                for info, name in entries]
    except _Unreadable:
        raise
    except NotImplementedError as err:
        raise _Unreadable(UNSUPPORTED) from err
    except Exception as err:  # BadZipFile, zlib.error, EOFError, struct.error ...
        raise _Unreadable(CORRUPT) from err


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Chinese Windows writes GBK names without the UTF-8 flag; macOS writes UTF-8 without it."""
    if info.flag_bits & 0x800:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437")  # zipfile decoded the raw bytes as cp437
    return _unicode_path_extra(info, raw) or decode_name(raw)


def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """Info-ZIP's UTF-8 copy of the name (extra field 0x7075), when it matches the raw name."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4:pos + 4 + size]
        if kind == 0x7075 and len(body) > 5 and body[0] == 1 \
                and struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw):
            return body[5:].decode("utf-8", "replace")
        pos += 4 + size
    return None


def decode_name(raw: bytes) -> str:
    """A file name's bytes: UTF-8 when they strictly are, else GB18030 (a GBK superset)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def _zip_is_file(info: zipfile.ZipInfo) -> bool:
    is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
    return not (info.is_dir() or info.orig_filename.endswith("\\") or is_link)


def _check_overlap(infos: list[zipfile.ZipInfo]) -> None:
    """Entries sharing compressed data (the overlapping-file bomb) are refused outright.

    The local header is taken at its smallest (no extra field, one byte per name
    character), so an honest archive never trips this.
    """
    spans = sorted((info.header_offset, info.header_offset + 30 + len(info.orig_filename) + info.compress_size)
                   for info in infos)
    for (_, end), (next_start, _) in zip(spans, spans[1:]):
        if next_start < end:
            raise _Abort(OVERLAP)


# ---- 7z -------------------------------------------------------------------

class _Sink(WriterFactory):
    """py7zr writes each member here; every byte is counted as it arrives."""

    def __init__(self, budget: _Budget):
        self.budget, self.created = budget, []

    def create(self, filename: str) -> Py7zIO:
        self.created.append(_SinkFile(self.budget, filename))
        return self.created[-1]

    def files(self) -> list[tuple[str, bytes]]:
        return [(file.filename, file.buffer.getvalue()) for file in self.created]


class _SinkFile(Py7zIO):
    def __init__(self, budget: _Budget, filename: str):
        self.budget, self.filename, self.buffer = budget, filename, io.BytesIO()

    def write(self, s: bytes | bytearray) -> int:
        self.budget.spend(len(s), self.buffer.tell() + len(s), self.budget.limits.member_bytes)
        return self.buffer.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self.buffer.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buffer.seek(offset, whence)

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.buffer.getbuffer().nbytes


def _7z_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    try:
        with py7zr.SevenZipFile(io.BytesIO(attachment.payload), max_extract_size=budget.bytes_left + 1) as archive:
            if archive.needs_password():
                raise _Unreadable(ENCRYPTED)
            files = [f for f in archive.list() if f.is_file and not f.is_symlink]
            budget.admit([(f.uncompressed, None) for f in files])  # junk is decompressed too (CRC check)
            # Solid archives have no per-file compressed size: judge the whole.
            budget.check_density(sum(f.uncompressed for f in files), len(attachment.payload))
            entries = _non_empty([f for f in files if not _is_junk(f.filename)])
            sink = _Sink(budget)
            archive.extract(targets=[f.filename for f in entries], factory=sink)
        return [_child(attachment, name, data) for name, data in sink.files()]
    except _Unreadable:
        raise
    except DecompressionBombError as err:
        raise _Abort(TOO_BIG) from err
    except PasswordRequired as err:
        raise _Unreadable(ENCRYPTED) from err
    except UnsupportedCompressionMethodError as err:
        raise _Unreadable(UNSUPPORTED) from err
    except Exception as err:  # Bad7zFile, CrcError, lzma.LZMAError, EOFError ...
        raise _Unreadable(CORRUPT) from err


# ---- rar ------------------------------------------------------------------

@functools.cache
def rar_tool_available() -> bool:
    """Pick unrar or unar: Debian's 7z lacks the RAR codec and rarfile's bsdtar call is broken."""
    try:
        rarfile.tool_setup(unrar=True, unar=True, sevenzip=False, sevenzip2=False, bsdtar=False, force=True)
        return True
    except rarfile.RarCannotExec:
        log.warning("Unpack: no unrar/unar found; only uncompressed RAR members can be read")
        return False


def _rar_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    try:
        with rarfile.RarFile(io.BytesIO(attachment.payload), charset="gb18030") as archive:
            infos = archive.infolist()
            if archive.needs_password() or any(info.needs_password() for info in infos):
                raise _Unreadable(ENCRYPTED)
            if any(info.flags & (rarfile.RAR_FILE_SPLIT_BEFORE | rarfile.RAR_FILE_SPLIT_AFTER) for info in infos):
                raise _Unreadable(MULTIVOLUME)
            entries = [(info, _rar_name(info)) for info in infos if info.is_file() and not info.is_symlink()]
            entries = _non_empty([(info, name) for info, name in entries if not _is_junk(name)])
            budget.admit([(info.file_size, info.compress_size) for info, _ in entries])
            _check_solid_work(archive, infos, budget)
            return [_child(attachment, name, _rar_read(archive, info, budget)) for info, name in entries]
    except _Unreadable:
        raise
    except rarfile.NeedFirstVolume as err:
        raise _Unreadable(MULTIVOLUME) from err
    except (rarfile.PasswordRequired, rarfile.RarWrongPassword) as err:
        raise _Unreadable(ENCRYPTED) from err
    except rarfile.RarCannotExec as err:
        raise _Unreadable(NO_RAR_TOOL) from err
    except Exception as err:  # BadRarFile, RarCRCError, NotRarFile, struct.error ...
        raise _Unreadable(CORRUPT) from err


def _rar_name(info: rarfile.RarInfo) -> str:
    """Old RAR headers without the Unicode flag hold the name in the local code page (GBK)."""
    if isinstance(info, rarfile.Rar3Info) and not info.flags & rarfile.RAR_FILE_UNICODE:
        return decode_name(info.orig_filename).replace("\\", "/")
    return info.filename


def _rar_read(archive: rarfile.RarFile, info: rarfile.RarInfo, budget: _Budget) -> bytes:
    if info.compress_type != rarfile.RAR_M0 and not rar_tool_available():
        raise _Unreadable(NO_RAR_TOOL)
    return budget.read(archive.open(info), info.file_size)


def _check_solid_work(archive: rarfile.RarFile, infos: list, budget: _Budget) -> None:
    """A solid RAR is decompressed from its start for every member read: bound that work."""
    if not archive.is_solid():
        return
    work, prefix = 0, 0
    for info in infos:
        prefix += info.file_size
        work += prefix
    if work > 4 * budget.limits.total_bytes:
        raise _Abort(TOO_BIG)


# ---- forwarded mails and winmail.dat ---------------------------------------

def _mail_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    try:
        mail = parse_mail(attachment.payload)
    except Exception as err:  # noqa: BLE001 - mail-parser fails in many ways on broken MIME
        raise _Unreadable(BAD_MAIL) from err
    budget.take([a.payload for a in mail.attachments])
    folder = _location(attachment).rpartition("/")[0]
    label = f"{folder + '/' if folder else ''}转发邮件：{mail.subject or '（无主题）'}"
    return [replace(a, filename=safe_filename(a.filename), origin=f"{label}/{safe_filename(a.filename)}")
            for a in mail.attachments]


def _tnef_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    _check_tnef_work(attachment.payload, budget.limits)
    try:
        tnef = tnefparse.TNEF(attachment.payload, do_checksum=False)
        items = [(_tnef_name(item), bytes(item.data)) for item in tnef.attachments if item.data]
    except Exception as err:  # noqa: BLE001 - tnefparse raises many types on damaged input
        raise _Unreadable(BAD_TNEF) from err
    budget.take([data for _, data in items])
    return [_child(attachment, name, data) for name, data in items if not _is_junk(name)]


def _check_tnef_work(data: bytes, limits: Limits) -> None:
    """tnefparse slices off the rest of the file for each object and nests without bound."""
    nested = data.count(_TNEF_MAGIC)
    work, offset = 0, 6
    while offset + 12 < len(data) and work * nested <= limits.tnef_copying:
        work += len(data) - offset
        offset += 11 + struct.unpack_from("<I", data, offset + 5)[0]
    if nested > limits.depth + 1 or work * nested > limits.tnef_copying:
        raise _Unreadable(BAD_TNEF)


def _tnef_name(item) -> str:
    """The long file name when Outlook gave one; else the title, often GBK bytes."""
    for attr in item.mapi_attrs:
        if attr.name == tnefparse.properties.MAPI_ATTACH_LONG_FILENAME:
            values = attr.data if isinstance(attr.data, list) else [attr.data]
            name = _text(values[0]) if values else ""
            if name:
                return name
    return _text(getattr(item, "_name", b"")) or "attachment"


def _text(value) -> str:
    text = decode_name(value) if isinstance(value, bytes) else str(value)
    return text.strip("\x00").strip()


# ---- shared ---------------------------------------------------------------

def _broken_children(attachment: Attachment, budget: _Budget) -> list[Attachment]:
    """Named .zip/.rar/.7z but none of them: nothing to unpack, and the sender should know."""
    raise _Unreadable(CORRUPT)


_OPENERS = {"zip": _zip_children, "rar": _rar_children, "7z": _7z_children,
            "mail": _mail_children, "tnef": _tnef_children, "broken": _broken_children}


def _non_empty(entries: list) -> list:
    """An archive with nothing but folders and junk in it is a packing mistake worth telling."""
    if not entries:
        raise _Unreadable(EMPTY)
    return entries


def _child(parent: Attachment, path: str, payload: bytes) -> Attachment:
    """A member as an attachment: its base name only, its path kept in `origin`."""
    parts = _clean_parts(path)
    name = safe_filename(parts[-1] if parts else "")
    return Attachment(filename=name, content_type=_content_type(name), payload=payload,
                      sha256=sha256_hex(payload), origin="/".join([_location(parent), *parts[:-1], name]))


def _clean_parts(path: str) -> list[str]:
    """Path parts without "..", ".", drive letters or empty parts: for display, never a path."""
    path = unicodedata.normalize("NFC", path).replace("\\", "/")
    return [p for p in path.split("/") if p not in ("", ".", "..") and not _DRIVE.match(p)]


def _is_junk(path: str) -> bool:
    """macOS resource forks, Finder and Explorer files, Word's ~$ lock files."""
    parts = _clean_parts(path)
    base = parts[-1] if parts else ""
    return ("__MACOSX" in parts or base.lower() in _JUNK_NAMES
            or base.startswith(("._", "~$")))


def _location(attachment: Attachment) -> str:
    return attachment.origin or attachment.filename


def _content_type(name: str) -> str:
    ext = PurePosixPath(name.lower()).suffix
    return _TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _problem(attachment: Attachment, reason: str) -> Problem:
    return Problem(filename=attachment.filename, reason=reason, sha256=attachment.sha256,
                   origin=_location(attachment))
