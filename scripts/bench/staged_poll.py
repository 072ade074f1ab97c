"""`intake poll --once` with a stopwatch on each stage (run by the benchmark).

    python scripts/bench/staged_poll.py STAGES.json --config X poll --once

Runs intake.cli.main unchanged, after wrapping the stage functions it calls
with timers; the totals (seconds) and each timed interval (monotonic clock,
for the benchmark's idle analysis) are written to STAGES.json at exit.
In the main process (wall time): fetch (waiting for the IMAP download,
which a thread runs ahead), archive
(Pipeline.accept: archive file + ledger row), wait (for a worker's result:
the main process had nothing else to do), validate (Pipeline.judge:
lookups, classify, rules; also split into the functions it calls: look_up,
classify_content, repeated_mail, repeated_results, rule_history, validate,
check_copies), store (record_decision), reply (delivery over
SMTP). In the worker processes (CPU time, sampled with psutil): prepare
(parse_mail + extract_all).

The workers are started by a fork server, not forked from here, so the
wrappers above do not reach them; but each worker imports this script as
`__mp_main__` (multiprocessing does so for the main module of a forkserver
or spawn parent), and then wraps its own stage functions: prepare, parse,
unpack, each file's read (by kind: docx, doc/wps, xlsx, text PDF, scan or
photo, archive), and within the reads LibreOffice, OCR, the PDF parse child,
seal detection and form recognition. Each worker appends one JSON line per
message to $INTAKE_BENCH_EVENTS (a file per run, set here before the fork
server starts), which the benchmark aggregates. Also the peak memory of all the processes
together (proportional set size, so pages the fork server shares with its
workers count once; sampled every 0.2 s).
"""
from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import intake.run.pipeline as pipeline_module
import intake.run.poll as poll_module
import intake.run.prepare as prepare_module
from intake.cli import main

TOTALS: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)
INTERVALS: list[tuple[str, float, float]] = []  # main process: (stage, start, end), time.monotonic()
WORKER_CPU: dict[int, float] = {}
PEAK = {"rss_all_mb": 0.0, "rss_workers_mb": 0.0}


def timed(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            end = time.monotonic()
            TOTALS[name] += end - start
            COUNTS[name] += 1
            INTERVALS.append((name, start, end))
    return wrapper


def timed_generator(name, fn):
    """Time spent inside a generator (each next()), not in its consumer."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        source = fn(*args, **kwargs)
        while True:
            start = time.monotonic()
            try:
                item = next(source)
            except StopIteration:
                return
            finally:
                TOTALS[name] += time.monotonic() - start
                INTERVALS.append((name, start, time.monotonic()))
            COUNTS[name] += 1
            yield item
    return wrapper


def sample_workers(stop: threading.Event) -> None:
    """CPU time of every descendant process: the fork server's own, each worker's with
    the PDF children it reaped (the fork server's reaped children are the workers,
    counted already)."""
    me = psutil.Process()
    while True:
        workers_rss = 0
        direct = {child.pid for child in me.children()}
        for child in me.children(recursive=True):
            try:
                t = child.cpu_times()
                reaped = 0 if child.pid in direct else t.children_user + t.children_system
                WORKER_CPU[child.pid] = t.user + t.system + reaped
                workers_rss += child.memory_full_info().pss  # shared pages counted once
            except psutil.Error:
                pass
        PEAK["rss_workers_mb"] = max(PEAK["rss_workers_mb"], workers_rss / 2 ** 20)
        PEAK["rss_all_mb"] = max(PEAK["rss_all_mb"], (workers_rss + me.memory_full_info().pss) / 2 ** 20)
        if stop.wait(0.2):
            return


poll_module.downloading_ahead = timed_generator("fetch", poll_module.downloading_ahead)
pipeline_module.Pipeline.accept = timed("archive", pipeline_module.Pipeline.accept)
pipeline_module.Pipeline.judge = timed("validate", pipeline_module.Pipeline.judge)
pipeline_module.record_decision = timed("store", pipeline_module.record_decision)
prepare_module.Preparer._result = timed("wait", prepare_module.Preparer._result)
poll_module.deliver = timed("reply", poll_module.deliver)
# Within validate: where Pipeline.judge spends its time.
for _name in ("look_up", "classify_content", "repeated_mail", "repeated_results", "rule_history", "validate",
              "check_copies"):
    setattr(pipeline_module, _name, timed(f"validate.{_name}", getattr(pipeline_module, _name)))


# ---- in each worker process -------------------------------------------------

KINDS = {"docx": "docx", "doc": "doc/wps", "wps": "doc/wps", "rtf": "doc/wps", "odt": "doc/wps",
         "xlsx": "xlsx", "xls": "xlsx", "pdf": "text PDF",
         **dict.fromkeys(("png", "jpeg", "gif", "bmp", "tiff", "webp"), "scan/photo")}
MESSAGE: dict = {}  # the message this worker is preparing


def worker_timed(name, fn):
    """Add fn's wall time to the current message's `name`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            stage = MESSAGE.setdefault("stages", {})
            stage[name] = stage.get(name, 0.0) + time.monotonic() - start
    return wrapper


def timed_read(fn, sniff):
    """extract_document or read_scan, its time filed under the attachment's kind (an
    archive's members under "archive"; a PDF that is a scan under "scan/photo"); a scan
    read by OCR afterwards adds its time to its first reading."""
    @functools.wraps(fn)
    def wrapper(attachment, *args, **kwargs):
        start, doc = time.monotonic(), None
        try:
            doc = fn(attachment, *args, **kwargs)
            return doc
        finally:
            seconds = time.monotonic() - start
            if "/" in attachment.origin:
                kind = "archive"
            else:
                kind = KINDS.get(sniff(attachment.payload, attachment.filename), "other")
                if kind == "text PDF" and doc is not None and (doc.kind.value == "scan" or doc.recognised_by == "ocr"):
                    kind = "scan/photo"
            files, index = MESSAGE.setdefault("files", []), MESSAGE.setdefault("file_index", {})
            if attachment.sha256 in index:
                files[index[attachment.sha256]][1] += seconds
            else:
                index[attachment.sha256] = len(files)
                files.append([kind, seconds])
    return wrapper


def timed_prepare(fn, path: str):
    """prepare (one message), writing the message's line to `path` when it is done."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        MESSAGE.clear()
        MESSAGE.update(pid=os.getpid(), start=time.monotonic())
        try:
            return fn(*args, **kwargs)
        finally:
            MESSAGE["end"] = time.monotonic()
            with open(path, "a", encoding="utf-8") as out:  # one write per line: whole lines
                out.write(json.dumps(MESSAGE) + "\n")
    return wrapper


def wrap_worker(path: str) -> None:
    """The worker's stage functions, wrapped where their callers look them up."""
    import intake.extractors.attachments as attachments_module
    import intake.extractors.build as build_module
    import intake.extractors.read as read_module
    from intake.extractors.sniff import sniff

    prepare_module.parse_mail = worker_timed("parse", prepare_module.parse_mail)
    prepare_module.report_signature = worker_timed("copy signature", prepare_module.report_signature)
    attachments_module.expand = worker_timed("unpack", attachments_module.expand)
    for name in ("extract_document", "read_scan"):
        setattr(attachments_module, name, worker_timed("read files", timed_read(getattr(attachments_module, name), sniff)))
    read_module.convert = worker_timed("LibreOffice", read_module.convert)
    read_module.run_limited = worker_timed("PDF parse (child)", read_module.run_limited)
    build_module.recognise_scan = worker_timed("OCR", build_module.recognise_scan)
    build_module.recognise = worker_timed("form recognition", build_module.recognise)
    build_module.stamp_of_pictures = worker_timed("seal detection", build_module.stamp_of_pictures)
    build_module.detect_stamp = worker_timed("seal detection", build_module.detect_stamp)
    # Only here: the main process pickles the original `prepare` by name.
    prepare_module.prepare = timed_prepare(prepare_module.prepare, path)


if __name__ == "__mp_main__" and os.environ.get("INTAKE_BENCH_EVENTS"):
    wrap_worker(os.environ["INTAKE_BENCH_EVENTS"])


MAIN_STAGES = ("fetch", "archive", "wait", "validate", "store", "reply")


def stages() -> dict[str, float]:
    return {name: round(TOTALS[name], 2) for name in MAIN_STAGES}


def validate_parts() -> dict[str, float]:
    return {name.split(".", 1)[1]: round(TOTALS[name], 2) for name in TOTALS if name.startswith("validate.")}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    os.environ["INTAKE_BENCH_EVENTS"] = str(out.with_suffix(".workers.jsonl"))  # before the fork server starts
    started = time.monotonic()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_workers, args=(stop,), daemon=True)
    sampler.start()
    try:
        code = main(sys.argv[2:])
    finally:
        stop.set()
        sampler.join()
        out.write_text(json.dumps({"stages_s": stages(), "validate_s": validate_parts(),
                                   "calls": dict(COUNTS), "started": started,
                                   "intervals": INTERVALS,
                                   "workers_cpu_s": {"prepare": round(sum(WORKER_CPU.values()), 2)},
                                   **{f"peak_{k}": round(v, 1) for k, v in PEAK.items()}}))
    sys.exit(code)
