#!/usr/bin/env python3
"""How long the 初审表 of one report takes, computed from what the store keeps (text and rows).

    .venv/bin/python scripts/bench_review_sheet.py [-n 60] [--repeat 5]

Builds N varied results reports with the fixture builder (both 课题类型, both
wording styles, some with evidence left out), reads them with the real
extractors, passes their rows through JSON as the store gives them back, then
times `review_report` per report. Prints the figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.extractors import extract_document  # noqa: E402
from intake.fetch.archive import sha256_hex  # noqa: E402
from intake.base.model import Attachment  # noqa: E402
from intake.review.sheet import review_report  # noqa: E402
from samples._report_common import DEFECTS  # noqa: E402
from samples.entries import sample_entry  # noqa: E402
from samples.forms import qc_report_docx  # noqa: E402


def reports(count: int):
    for seed in range(count):
        data = sample_entry(1000 + seed)
        defects = (DEFECTS[seed % len(DEFECTS)],) if seed % 3 == 0 else ()
        payload = qc_report_docx(data, images=seed % 6, defects=defects, style=seed % 2)
        doc = extract_document(Attachment(filename=f"{data.topic}.docx", content_type="application/octet-stream",
                                          payload=payload, sha256=sha256_hex(payload)))
        # What comes back from the store's JSON column.
        yield data, doc.text, json.loads(json.dumps(doc.rows, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="reports to build")
    parser.add_argument("--repeat", type=int, default=5, help="timings per report (the best is kept)")
    args = parser.parse_args()
    built = list(reports(args.n))
    per_report = []
    for data, text, rows in built:
        best = min(_time(lambda: review_report(text, rows, data.topic_type, data.topic)) for _ in range(args.repeat))
        per_report.append(best * 1000)
    chars = statistics.mean(len(text) for _, text, _ in built)
    print(f"reports: {len(built)} (mean {chars:,.0f} characters of text)")
    print(f"初审表 per report: median {statistics.median(per_report):.1f} ms, "
          f"p95 {sorted(per_report)[int(0.95 * (len(per_report) - 1))]:.1f} ms, max {max(per_report):.1f} ms")
    print(f"all {len(built)} reports: {sum(per_report):.0f} ms "
          f"(an export of 1,000 registrations: about {statistics.mean(per_report):.1f} s)")


def _time(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
