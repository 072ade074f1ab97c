"""Parse and extract ahead, in worker processes: the store-free, CPU-heavy half of a message.

Parsing a mail and reading its attachments needs nothing but the raw bytes,
and is most of the work. `Preparer` runs it for the next few messages in a
pool of processes while the main process decides and records, in arrival
order, the ones already prepared; a download keeps going meanwhile.

The pool is started through a fork server, never forked from a process
that has threads (the service has several). A worker that dies (a library
crash on a hostile file) takes its message with it, not the service: the
message gets a failed attempt and the pool is started again.
"""
from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from intake.extract import Extraction, extract_all
from intake.model import IncomingMail
from intake.parse import MailRefused, parse_mail

log = logging.getLogger(__name__)

T = TypeVar("T")
Loaded = tuple[bytes, datetime]


@dataclass(frozen=True)
class Prepared:
    """A parsed mail and its read attachments, or why the mail cannot be read."""

    mail: IncomingMail | None = None
    extraction: Extraction | None = None
    unreadable: str | None = None


def prepare(raw: bytes, received_at: datetime) -> Prepared:
    """Parse one raw message and read every attachment; never raises for bad input."""
    try:
        mail = parse_mail(raw, received_at)
    except MailRefused as err:
        return Prepared(unreadable=str(err))
    except Exception as err:  # noqa: BLE001 - mail-parser can fail on broken MIME
        return Prepared(unreadable=f"邮件无法解析：{type(err).__name__}")
    return Prepared(mail=mail, extraction=extract_all(mail.attachments))


class WorkerDied(Exception):
    """A worker process died while preparing a message."""


class Preparer:
    """`prepare` for a stream of items, `ahead` at a time, results in the items' order.

    With `workers=0` everything runs in this process (tests, one-off commands).
    """

    def __init__(self, workers: int, ahead: int | None = None):
        self.workers = workers
        self.ahead = ahead or max(2, 3 * workers)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, items: Iterable[T], load: Callable[[T], Loaded | None]) -> Iterator[
            tuple[T, Prepared | Exception | None]]:
        """(item, its Prepared or the exception that stopped it), in order; `load` gives the
        item's raw bytes and time of arrival, or None for an item with nothing to prepare
        (its result is None). Items are drawn from `items` only as room frees up, so a
        download feeding them overlaps the work."""
        window: deque[tuple[T, Loaded | Exception | None, Future | None]] = deque()
        source = iter(items)
        while True:
            while len(window) < max(1, self.ahead if self.workers else 1) and (
                    item := next(source, _END)) is not _END:
                loaded = _call(load, item)
                running = self._submit(loaded) if self.workers and isinstance(loaded, tuple) else None
                window.append((item, loaded, running))
            if not window:
                return
            item, loaded, running = window.popleft()
            yield item, self._result(loaded, running)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _submit(self, loaded: Loaded) -> Future:
        try:
            return self._executor().submit(prepare, *loaded)
        except BrokenProcessPool:
            self._restart()
            return self._executor().submit(prepare, *loaded)

    def _result(self, loaded: Loaded | Exception | None, running: Future | None) -> Prepared | Exception | None:
        if not isinstance(loaded, tuple):
            return loaded
        if running is None:
            return _call(lambda args: prepare(*args), loaded)
        try:
            return running.result()
        except BrokenProcessPool:
            # The pool is gone and every message in it; only the one that killed it should
            # pay. Its turn comes first (order), so it is tried again alone, once.
            self._restart()
            try:
                return self._executor().submit(prepare, *loaded).result()
            except BrokenProcessPool:
                self._restart()
                return WorkerDied("读取附件的进程异常退出（文件可能经过恶意构造）")
        except Exception as err:  # noqa: BLE001 - a result that would not unpickle, etc.
            return err

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["intake.prepare"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def _restart(self) -> None:
        log.warning("Prepare: a worker process died; starting the pool again")
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None


_END = object()


def _call(func, arg):
    """func(arg), or the exception it raised: reported with its item, in order."""
    try:
        return func(arg)
    except Exception as err:  # noqa: BLE001 - e.g. the archive file cannot be read
        return err
