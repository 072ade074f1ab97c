"""`intake poll --once` with a stopwatch on each stage (run by the benchmark).

    python scripts/bench/staged_poll.py STAGES.json --config X poll --once

Runs intake.cli.main unchanged, after wrapping the stage functions it calls
with timers; the totals (seconds) are written to STAGES.json at exit.
In the main process (wall time): fetch (waiting for the IMAP download,
which a thread runs ahead), archive
(Pipeline.accept: archive file + ledger row), wait (for a worker's result:
the main process had nothing else to do), validate (Pipeline.judge:
lookups, classify, rules), store (record_decision), reply (delivery over
SMTP). In the worker processes (CPU time, sampled with psutil): prepare
(parse_mail + extract_all). Also the peak memory of all the processes
together (proportional set size, so pages the fork server shares with its
workers count once; sampled every 0.2 s).
"""
from __future__ import annotations

import functools
import json
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
WORKER_CPU: dict[int, float] = {}
PEAK = {"rss_all_mb": 0.0, "rss_workers_mb": 0.0}


def timed(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TOTALS[name] += time.perf_counter() - start
            COUNTS[name] += 1
    return wrapper


def timed_generator(name, fn):
    """Time spent inside a generator (each next()), not in its consumer."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        source = fn(*args, **kwargs)
        while True:
            start = time.perf_counter()
            try:
                item = next(source)
            except StopIteration:
                return
            finally:
                TOTALS[name] += time.perf_counter() - start
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


def stages() -> dict[str, float]:
    return {name: round(TOTALS[name], 2) for name in ("fetch", "archive", "wait", "validate", "store", "reply")}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    stop = threading.Event()
    sampler = threading.Thread(target=sample_workers, args=(stop,), daemon=True)
    sampler.start()
    try:
        code = main(sys.argv[2:])
    finally:
        stop.set()
        sampler.join()
        out.write_text(json.dumps({"stages_s": stages(), "calls": dict(COUNTS),
                                   "workers_cpu_s": {"prepare": round(sum(WORKER_CPU.values()), 2)},
                                   **{f"peak_{k}": round(v, 1) for k, v in PEAK.items()}}))
    sys.exit(code)
