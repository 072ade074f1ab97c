"""Parse and extract ahead, in worker processes: the store-free, CPU-heavy half of a message.

Parsing a mail and reading its attachments needs nothing but the raw bytes,
and is most of the work. `Preparer` runs it for the next few messages in a
pool of processes while the main process decides and records, in arrival
order, the ones already prepared; a download keeps going meanwhile.

The pool is started through a fork server, never forked from a process
that has threads (the service has several). A worker that dies (a library
crash on a hostile file) takes its message with it, not the service: the
message gets a failed attempt and the pool is started again. One still
running after PREPARE_SECONDS is stuck in a library: its worker is killed.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from intake.base.model import IncomingMail
from intake.mime.parse import MailRefused, parse_mail
from intake.review.copies import Signature, report_signature, reports_of

if TYPE_CHECKING:
    from intake.mime.downloads import LinkFetcher
    from intake.extractors.attachments import Extraction

log = logging.getLogger(__name__)

T = TypeVar("T")
Loaded = tuple[bytes, datetime]


@dataclass(frozen=True)
class Prepared:
    """A parsed mail and its read attachments, or why the mail cannot be read; with the
    copy check's signature of each report (by sha256), made here, off the main process."""

    mail: IncomingMail | None = None
    extraction: Extraction | None = None
    unreadable: str | None = None
    signatures: dict[str, Signature] = field(default_factory=dict)


def prepare(raw: bytes, received_at: datetime, links: LinkFetcher | None = None) -> Prepared:
    """Parse one raw message and read every attachment, and the files its download links
    give when `links` may fetch them; never raises for bad input."""
    try:
        mail = parse_mail(raw, received_at)
    except MailRefused as err:
        return Prepared(unreadable=str(err))
    except Exception as err:  # noqa: BLE001 - mail-parser can fail on broken MIME
        return Prepared(unreadable=f"邮件无法解析：{type(err).__name__}")
    extraction = read_mail(mail, links)
    return Prepared(mail=mail, extraction=extraction, signatures={
        doc.sha256: report_signature(doc) for doc in reports_of(extraction.documents)})


def read_mail(mail: IncomingMail, links: LinkFetcher | None = None) -> Extraction:
    """The attachments and the files fetched from the body's links, read; the links whose
    files did not arrive are kept for LINK_ONLY_ATTACHMENT."""
    from intake.mime.downloads import harvest_links  # the readers: loaded in the workers, not the main process
    from intake.extractors.attachments import extract_all

    harvest = harvest_links(mail, links)
    return replace(extract_all(mail.attachments + harvest.files), link_only=harvest.missing)


class WorkerDied(Exception):
    """A worker process died while preparing a message."""


class PrepareTimeout(Exception):
    """A message took longer than any honest one to parse and read."""


# A message with LibreOffice conversions and OCR reads in well under a minute;
# one still going after this is stuck in a library and its worker is killed.
PREPARE_SECONDS = 300.0


class Preparer:
    """`task` (by default `prepare`) for a stream of items, `ahead` at a time, results in
    the items' order.

    With `workers=0` everything runs in this process (tests, one-off commands).
    The window is wide: while one message waits a second or two on LibreOffice or
    OCR, the results behind it wait for it, and the other workers must still have
    mail to read (a .docx-only mail takes them about 0.05 s); a window of three
    a worker left one core idle about a second at a time.
    """

    def __init__(self, workers: int, ahead: int | None = None, *,
                 task: Callable[[bytes, datetime], Prepared] = prepare, timeout: float = PREPARE_SECONDS):
        self.workers, self.task, self.timeout = workers, task, timeout
        self.ahead = ahead or max(2, 8 * workers)
        self._pool: ProcessPoolExecutor | None = None
        # Which pool a future ran on (a counter), and the worker processes' ids as each
        # reports them on starting: what a timeout kills, without the executor's internals.
        self._generation = 0
        self._started: multiprocessing.SimpleQueue | None = None
        self._pids: set[int] = set()
        self._making_pool = threading.Lock()  # `warm_up` may run in a thread of its own

    def map(self, items: Iterable[T], load: Callable[[T], Loaded | None]) -> Iterator[
            tuple[T, Prepared | Exception | None]]:
        """(item, its Prepared or the exception that stopped it), in order; `load` gives the
        item's raw bytes and time of arrival, or None for an item with nothing to prepare
        (its result is None). Items are drawn from `items` only as room frees up, so a
        download feeding them overlaps the work."""
        window: deque[tuple[T, Loaded | Exception | None, Future | None]] = deque()
        source = iter(items)
        while True:
            while len(window) < (self.ahead if self.workers else 1) and (item := next(source, _END)) is not _END:
                loaded = _call(load, item)
                running = self._submit(loaded) if self.workers and isinstance(loaded, tuple) else None
                window.append((item, loaded, running))
            if not window:
                return
            item, loaded, running = window.popleft()
            yield item, self._result(loaded, running)

    def warm_up(self) -> None:
        """Start the workers now, not when the first mail is waiting for them (the fork
        server imports every reader once, about 1.5 s); safe in a thread of its own while
        this one goes on (`intake.run.poll.poll_once` logs in and downloads meanwhile)."""
        if self.workers:
            for started in [self._executor().submit(int) for _ in range(self.workers)]:
                started.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _submit(self, loaded: Loaded) -> Future:
        try:
            running = self._executor().submit(self.task, *loaded)
        except BrokenProcessPool:
            self._restart()
            running = self._executor().submit(self.task, *loaded)
        running.generation = self._generation
        return running

    def _result(self, loaded: Loaded | Exception | None, running: Future | None) -> Prepared | Exception | None:
        if not isinstance(loaded, tuple):
            return loaded
        if running is None:
            return _call(lambda args: self.task(*args), loaded)
        try:
            try:
                return self._wait(running)
            except BrokenProcessPool:
                # The pool is gone and every message in it; only the one that killed it
                # should pay. Its turn comes first (order), so it is tried again, once.
                self._restart(broken=running)
                running = self._submit(loaded)
                return self._wait(running)
        except BrokenProcessPool:
            self._restart(broken=running)
            return WorkerDied("读取附件的进程异常退出（文件可能经过恶意构造）")
        except Exception as err:  # noqa: BLE001 - a timeout, a result that would not unpickle, ...
            return err

    def _wait(self, running: Future) -> Prepared:
        try:
            return running.result(timeout=self.timeout)
        except FutureTimeout:
            # A running task cannot be cancelled: its worker is killed (the others' messages
            # are then tried again) and the pool started afresh.
            self._kill_workers()
            self._restart()
            raise PrepareTimeout(f"读取附件超过 {self.timeout:g} 秒仍未完成（文件结构异常），已停止") from None

    def _executor(self) -> ProcessPoolExecutor:
        with self._making_pool:
            return self._current_pool()

    def _current_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            # Imported once in the fork server, shared by every worker: datasketch (and scipy,
            # 56 MB) only workers need, for the copy check's signatures.
            context.set_forkserver_preload(["intake.run.prepare", "intake.extractors.attachments", "intake.mime.downloads",
                                            "datasketch"])
            self._started = context.SimpleQueue()
            self._pids = set()
            self._generation += 1
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_report_start,
                                             initargs=(self._started,))
        return self._pool

    def _kill_workers(self) -> None:
        """Kill the current pool's workers (a running task cannot be cancelled otherwise)."""
        while self._started is not None and not self._started.empty():
            self._pids.add(self._started.get())
        for pid in self._pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _restart(self, broken: Future | None = None) -> None:
        """Drop the pool (the next task starts a new one); with `broken`, the future that
        found its pool broken: only if that pool is still the current one (a new, working
        pool is kept)."""
        if broken is not None and getattr(broken, "generation", None) != self._generation:
            return
        log.warning("Prepare: a worker process died or was stopped; starting the pool again")
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


def _report_start(started) -> None:
    """In each new worker: tell the parent its process id."""
    started.put(os.getpid())
