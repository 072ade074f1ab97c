"""A one-line progress counter for long commands on a terminal, silent elsewhere."""
from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """`\\r已处理 12/240 封` on a terminal; nothing when output goes to a log or a pipe."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO = sys.stderr):
        self.label, self.total, self.stream, self.count = label, total, stream, 0
        self.active = stream.isatty()

    def step(self) -> None:
        self.count += 1
        if self.active:
            total = f"/{self.total}" if self.total else ""
            self.stream.write(f"\r{self.label} {self.count}{total} 封")
            self.stream.flush()

    def close(self) -> None:
        if self.active and self.count:
            self.stream.write("\n")
            self.stream.flush()
