"""Content-addressed archive of raw messages and their attachments.

A message is written here before anything parses it, so nothing a sender
sent can be lost to a crash or a parser bug. Writes go to a temporary file
and are renamed into place, so a file in the archive is always complete.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from intake.base.text import storable

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name that keeps its Chinese characters but can never leave its folder."""
    name = unicodedata.normalize("NFC", storable(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or set(name) <= {"_"}:
        name = fallback
    while len(name.encode("utf-8")) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:-1] + dot + ext) if stem and len(ext) < 16 else name[:-1]
    return name


class Archive:
    """Raw messages under raw/ab/<sha>.eml; attachments under files/<sha>/; files
    downloaded from a message's links under links/<sha>/<link>/."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def store_message(self, raw: bytes) -> tuple[str, str]:
        """Write the raw message; return (sha256, path relative to the archive)."""
        digest = sha256_hex(raw)
        relative = f"raw/{digest[:2]}/{digest}.eml"
        self._write_once(self.root / relative, raw)
        return digest, relative

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def store_attachment(self, message_sha: str, filename: str, payload: bytes) -> str:
        """Keep an attachment under its original (sanitised) name; return its relative path."""
        folder = Path("files") / message_sha
        name = safe_filename(filename)
        target = self.root / folder / name
        if target.exists() and target.read_bytes() != payload:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem or ext}-{sha256_hex(payload)[:8]}{dot}{ext if stem else ''}"
            target = self.root / folder / name
        # No fsync: an attachment can always be cut out of its raw message again.
        self._write_once(target, payload, durable=False)
        return str(folder / name)

    def fetched_link(self, message_sha: str, url: str) -> tuple[str, bytes] | None:
        """(name, bytes) of the file fetched for this message's link before, else None:
        a re-run reads this copy and never downloads again."""
        folder = self.root / _link_folder(message_sha, url)
        kept = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".tmp-")) \
            if folder.is_dir() else []
        return (kept[0].name, kept[0].read_bytes()) if kept else None

    def store_fetched_link(self, message_sha: str, url: str, filename: str, payload: bytes) -> str:
        """Keep a file downloaded from a link, durably (the link may expire); return its path."""
        relative = _link_folder(message_sha, url) / safe_filename(filename)
        self._write_once(self.root / relative, payload)
        return str(relative)

    @staticmethod
    def _write_once(target: Path, data: bytes, durable: bool = True) -> None:
        if target.exists() and target.stat().st_size == len(data):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as err:  # a full or read-only disk: say which file
            Path(tmp).unlink(missing_ok=True)
            if err.filename is None:
                err.filename = str(target)
            raise
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _link_folder(message_sha: str, url: str) -> Path:
    """links/<message>/<link>/: one folder a link, so its file keeps the name the server gave."""
    return Path("links") / message_sha / sha256_hex(url.encode("utf-8"))[:16]
