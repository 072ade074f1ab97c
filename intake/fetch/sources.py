"""Local sources for `intake ingest`: .eml files, folders of them, Maildir, mbox."""
from __future__ import annotations

import mailbox
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


@dataclass(frozen=True)
class LocalMessage:
    raw: bytes
    source: str  # the file, or "maildir:<path>" / "mbox:<path>", for the record


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def read_messages(paths: list[Path]) -> Iterator[LocalMessage]:
    """Every message under the given paths, in a stable order."""
    for path in paths:
        if path.is_dir() and _is_maildir(path):
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield LocalMessage(box.get_bytes(key), f"maildir:{path}")
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            yield from read_messages(files)
        elif path.is_file() and _is_mbox(path):
            box = mailbox.mbox(path, create=False)
            for key in box.iterkeys():
                yield LocalMessage(box.get_bytes(key), f"mbox:{path}")
        elif path.is_file():
            yield LocalMessage(path.read_bytes(), str(path))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
