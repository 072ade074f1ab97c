"""Where the time of a pipeline run went: worker stages, attachment kinds, idle periods.

The inputs are what scripts/bench/staged_poll.py leaves (the main process's
timed intervals, one JSON line per message from each worker) and the
machine's CPU use sampled from /proc/stat every 0.2 s during the run. All
times are time.monotonic(), one clock for every process.

An idle period is a stretch of at least 1 s, before the last decision was
recorded (mail still unprocessed), in which the two cores together were
less than 150 % busy: at least half a core unused the whole time.
"""
from __future__ import annotations

import json
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path

SAMPLE_S = 0.2
IDLE_BELOW = 1.5  # busy cores (of 2): below this, a sample counts as idle
MIN_IDLE_S = 1.0
KIND_ORDER = ("docx", "doc/wps", "xlsx", "text PDF", "scan/photo", "archive", "other")


class CpuSampler:
    """Busy fraction of each core, every SAMPLE_S, in a thread: [(end time, [busy, ...])]."""

    def __init__(self):
        self.samples: list[tuple[float, list[float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        before = _jiffies()
        while not self._stop.wait(SAMPLE_S):
            after = _jiffies()
            self.samples.append((time.monotonic(), [(b2 - b1) / max(1, t2 - t1)
                                                    for (b1, t1), (b2, t2) in zip(before, after)]))
            before = after


def _jiffies() -> list[tuple[int, int]]:
    rows = []
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            values = [int(v) for v in line.split()[1:8]]
            rows.append((sum(values) - values[3] - values[4], sum(values)))
    return rows


def read_worker_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def worker_stages(messages: list[dict]) -> dict:
    """Wall seconds summed over the workers: prepare (whole messages) and its parts."""
    totals: dict[str, float] = defaultdict(float)
    for m in messages:
        totals["prepare"] += m["end"] - m["start"]
        for name, seconds in m.get("stages", {}).items():
            totals[name] += seconds
    return {name: round(seconds, 2) for name, seconds in totals.items()}


def kinds(messages: list[dict]) -> dict:
    """Per attachment kind: files, total and median seconds of their read. An archive's
    members count under "archive", one entry per mail, with the unpacking."""
    times: dict[str, list[float]] = defaultdict(list)
    for m in messages:
        archived = 0.0
        for kind, seconds in m.get("files", []):
            if kind == "archive":
                archived += seconds
            else:
                times[kind].append(seconds)
        if archived:
            times["archive"].append(archived + m.get("stages", {}).get("unpack", 0.0))
    return {kind: {"count": len(times[kind]), "total_s": round(sum(times[kind]), 1),
                   "median_s": round(statistics.median(times[kind]), 3)}
            for kind in KIND_ORDER if times.get(kind)}


def idle_periods(samples: list[tuple[float, list[float]]], started: float, until: float,
                 intervals: list, messages: list[dict]) -> dict:
    """The idle periods between `started` and `until` (the last decision), with what the
    main process and the workers were doing in them."""
    periods, run = [], []
    for t, busy in samples:
        if t - SAMPLE_S < started or t - SAMPLE_S > until:
            continue
        if sum(busy) < IDLE_BELOW:
            run.append((t, busy))
            continue
        _close(run, periods)
        run = []
    _close(run, periods)
    for period in periods:
        period.update(_doing(period["start"], period["end"], intervals, messages))
        period["start"], period["end"] = round(period["start"] - started, 1), round(period["end"] - started, 1)
    in_window = [busy for t, busy in samples if started <= t - SAMPLE_S <= until]
    unused = sum(len(b) - sum(b) for b in in_window) * SAMPLE_S
    return {"periods": periods, "idle_total_s": round(sum(p["length_s"] for p in periods), 1),
            "window_s": round(until - started, 1), "unused_core_s": round(unused, 1)}


def _close(run: list, periods: list) -> None:
    if run and len(run) * SAMPLE_S >= MIN_IDLE_S:
        cores = list(zip(*(busy for _, busy in run)))
        periods.append({"start": run[0][0] - SAMPLE_S, "end": run[-1][0], "length_s": round(len(run) * SAMPLE_S, 1),
                        "busy_pct": [round(100 * statistics.mean(c)) for c in cores]})


def _doing(start: float, end: float, intervals: list, messages: list[dict]) -> dict:
    """Seconds of each main-process stage in [start, end], and the mean number of
    messages the workers were preparing."""
    main: dict[str, float] = defaultdict(float)
    for name, t0, t1 in intervals:
        overlap = min(end, t1) - max(start, t0)
        if overlap > 0:
            main[name] += overlap
    in_workers = sum(max(0.0, min(end, m["end"]) - max(start, m["start"])) for m in messages)
    length = max(end - start, 1e-9)
    return {"main": {k: round(v, 1) for k, v in sorted(main.items(), key=lambda kv: -kv[1]) if v >= 0.05},
            "workers_busy": round(in_workers / length, 2)}
