"""intake.progress: a counter on a terminal, silence in a log or a pipe."""
from __future__ import annotations

import io
import os

from intake.progress import Progress


def test_terminal_sees_the_count_rewritten_in_place():
    master, slave = os.openpty()
    try:
        with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as terminal:
            progress = Progress("已处理", total=3, stream=terminal)
            for _ in range(3):
                progress.step()
            progress.close()
        shown = _drain(master).decode("utf-8")
    finally:
        os.close(master)
    assert shown.replace("\r\n", "\n") == "\r已处理 1/3 封\r已处理 2/3 封\r已处理 3/3 封\n"


def _drain(master: int) -> bytes:
    """Everything the terminal was sent: a pty hands it over in pieces, then EIO once the
    other end is closed and all is read."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_log_file_or_pipe_gets_nothing_but_the_count_is_kept():
    log = io.StringIO()
    progress = Progress("已处理", stream=log)
    progress.step()
    progress.step()
    progress.close()
    assert log.getvalue() == "" and progress.count == 2
