"""`intake poll --once` with a stopwatch on each stage (run by the benchmark).

    python scripts/bench/staged_poll.py STAGES.json --config X poll --once

Runs intake.cli.main unchanged, after wrapping the stage functions it calls
with timers; the totals (seconds) are written to STAGES.json at exit:
fetch (IMAP download, fetch_new minus archive), archive (Pipeline.accept:
archive file + ledger row), parse (parse_mail), extract (extract_all),
validate (the rest of Pipeline.decide: lookups, classify, rules),
store (record_decision), reply (delivery over SMTP).
"""
from __future__ import annotations

import functools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import intake.pipeline as pipeline_module
import intake.poll as poll_module
from intake.cli import main

TOTALS: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)


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


pipeline_module.Pipeline.accept = timed("accept", pipeline_module.Pipeline.accept)
pipeline_module.Pipeline.decide = timed("decide", pipeline_module.Pipeline.decide)
pipeline_module.parse_mail = timed("parse", pipeline_module.parse_mail)
pipeline_module.extract_all = timed("extract", pipeline_module.extract_all)
pipeline_module.record_decision = timed("store", pipeline_module.record_decision)
poll_module.fetch_new = timed("fetch_new", poll_module.fetch_new)
poll_module.deliver = timed("reply", poll_module.deliver)


def stages() -> dict[str, float]:
    return {
        "fetch": TOTALS["fetch_new"] - TOTALS["accept"],
        "archive": TOTALS["accept"],
        "parse": TOTALS["parse"],
        "extract": TOTALS["extract"],
        "validate": TOTALS["decide"] - TOTALS["extract"],
        "store": TOTALS["store"],
        "reply": TOTALS["reply"],
    }


if __name__ == "__main__":
    out = Path(sys.argv[1])
    try:
        code = main(sys.argv[2:])
    finally:
        out.write_text(json.dumps({"stages_s": stages(), "calls": dict(COUNTS)}))
    sys.exit(code)
