#!/usr/bin/env python3
"""Benchmark of the copy check (intake/review/copies.py) against an archive of earlier reports.

    .venv/bin/python scripts/bench_copies.py [-n 10000] [--small 1000] [--checks 7] [--no-postgres]

Builds N earlier reports at text level (`samples.report.report_text`: every
entry its own enterprise, topic and wording, as different writers write),
loads them through the store API (`store.copies.add_source`) on SQLite, and on
PostgreSQL when 127.0.0.1:5432 answers ($INTAKE_TEST_POSTGRES for another
admin URL), then prints:

- the time to check one new report (`check_copies`, median of --checks new
  reports) and the peak RSS of a fresh process doing those checks, with
  --small and with N reports archived: memory must not grow with the archive;
- detection on the full archive, on each store: planted copies (a third of the
  passages of an archived report, names, department, units and figures changed;
  a whole archived report under another enterprise's name; the archived
  report's tables under new names in the copier's own words), built as .docx
  and read by the real extractor, against honest reports on the same subjects
  in their own words: how many were flagged with the right source, the shares
  of text and of table data each case has with its source (honest ones too,
  flagged or not), and the time of each check.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.base.model import Attachment, Document, DocumentKind  # noqa: E402
from intake.review.copies import check_copies, compare, signature  # noqa: E402
from samples.entries import sample_entry  # noqa: E402
from samples.report import report_text  # noqa: E402
from store import Store  # noqa: E402
from store.copies import add_source, count_sources  # noqa: E402
from store.models import CopySource  # noqa: E402

BATCH = 250
# Seeds of the archive are 0..N-1, new reports start here.
NEW = 10_000_000


def past_entry(seed: int):
    """An archived report's entry, its group its own: the samples draw a group's figures from its
    unit, group and topic, and two archived namesakes would be one report's data twice."""
    return sample_entry(seed, group=f"第{seed}号创优QC小组")


def archived(seed: int) -> tuple[int, str, tuple[int, ...]]:
    text = report_text(past_entry(seed), wording=seed)
    return seed, text, signature(text).keys


def load(url: str, start: int, stop: int) -> float:
    """Archive reports start..stop-1 through the store API; seconds taken."""
    store, began = Store(url), time.perf_counter()
    try:
        with multiprocessing.Pool(os.cpu_count()) as pool:
            batch = []
            for seed, text, keys in pool.imap(archived, range(start, stop), chunksize=50):
                batch.append((seed, text, keys))
                if len(batch) == BATCH or seed == stop - 1:
                    with store.session() as s:
                        for seed_, text_, keys_ in batch:
                            add_source(s, CopySource(year=2022, filename=f"{seed_}.docx",
                                                     sha256=hashlib.sha256(text_.encode()).hexdigest(),
                                                     text=text_), keys_)
                    batch = []
    finally:
        store.close()
    return time.perf_counter() - began


def newcomer(seed: int, **overrides):
    """An entry of a group no archived report has: the samples draw a group's figures from
    its unit, group and topic, so an archived namesake would be last year's data again."""
    return sample_entry(seed, group=f"第{seed % 100000}号攻关QC小组", **overrides)


def new_report(seed: int) -> Document:
    data = newcomer(seed)
    text = report_text(data, wording=seed)
    return Document(filename=f"{data.topic}.docx", sha256=hashlib.sha256(text.encode()).hexdigest(),
                    kind=DocumentKind.QC_REPORT, text=text)


def probe(url: str, checks: int) -> dict:
    """In this process: check `checks` new honest reports; times and peak RSS."""
    store = Store(url)
    reports = [new_report(NEW + k) for k in range(checks + 1)]
    check_copies(store, reports[:1])  # warm: imports, connection, datasketch's parameters
    times, flags = [], 0
    for doc in reports[1:]:
        began = time.perf_counter()
        [result] = check_copies(store, [doc])
        times.append(time.perf_counter() - began)
        flags += result.finding is not None
    with store.session() as s:
        archive = count_sources(s)
    store.close()
    return {"archive": archive, "median_s": statistics.median(times), "max_s": max(times),
            "false_flags": flags, "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM): getrusage's ru_maxrss
    would carry over the peak of the parent that forked it."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def probe_in_child(url: str, checks: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--probe", url, "--checks", str(checks)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def detection(url: str, n: int, trials: int) -> dict:
    """Planted copies of archived reports and honest same-subject reports, as .docx read back."""
    from intake.extractors.read import extract_document
    from samples.copies import copied_data_docx, copied_report_docx
    from samples.forms import qc_report_docx
    from samples.report_problem import STEPS

    def read(payload: bytes, name: str) -> Document:
        return extract_document(Attachment(name, "application/octet-stream", payload,
                                           hashlib.sha256(payload).hexdigest()))

    store = Store(url)
    cases_ = ("third", "whole", "data", "honest")
    found = dict.fromkeys(cases_, 0)
    shares: dict[str, list[tuple[float, float]]] = {case: [] for case in cases_}
    times: dict[str, list[float]] = {case: [] for case in cases_}
    try:
        for k in range(trials):
            source_seed = (k * 7919) % n
            source = past_entry(source_seed)
            own = newcomer(NEW + 1000 + k, topic=source.topic, topic_type=source.topic_type)
            cases = {
                "third": copied_report_docx(own, source, own_wording=NEW + k, source_wording=source_seed,
                                            steps=_third(source.topic_type)),
                "whole": copied_report_docx(own, source, own_wording=source_seed, source_wording=source_seed,
                                            steps=_all(source.topic_type, STEPS), change_figures=False),
                "data": copied_data_docx(own, source, own_wording=NEW + 3000 + k, source_wording=source_seed),
                "honest": qc_report_docx(own, images=0, wording=NEW + 5000 + k),
            }
            origin = CopySource(filename="source", sha256="", text=report_text(source, wording=source_seed))
            for case, payload in cases.items():
                doc = read(payload, f"{case}-{k}.docx")
                began = time.perf_counter()
                [result] = check_copies(store, [doc])
                times[case].append(time.perf_counter() - began)
                hit = result.match is not None and result.match.source.filename == f"{source_seed}.docx"
                found[case] += hit if case != "honest" else result.finding is not None
                pair = compare(doc.text, origin)  # the shares with its source, flagged or not
                shares[case].append((pair.text_share, pair.data_share))
    finally:
        store.close()
    return {"trials": trials, "found": found,
            "shares": {case: {"text": _spread([a for a, _ in v]), "data": _spread([b for _, b in v])}
                       for case, v in shares.items()},
            "check_ms": {case: round(statistics.median(v) * 1000) for case, v in times.items()}}


def _spread(values: list[float]) -> str:
    """'median 4% (2-17%)'."""
    return f"median {statistics.median(values):.0%} ({min(values):.0%}-{max(values):.0%})"



def _third(topic_type: str) -> tuple[str, ...]:
    from samples.copies import THIRD
    from samples.report_innovation import STEPS as INNOVATION_STEPS

    return THIRD if topic_type == "问题解决型" else INNOVATION_STEPS[1::3]


def _all(topic_type: str, problem_steps) -> tuple[str, ...]:
    from samples.report_innovation import STEPS as INNOVATION_STEPS

    return problem_steps if topic_type == "问题解决型" else INNOVATION_STEPS


ADMIN = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_database(create: bool) -> str | None:
    """A fresh benchmark database (`create`), or none left behind; its URL, None without a server."""
    try:
        import psycopg

        with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS qc_bench_copies WITH (FORCE)")
            if create:
                conn.execute("CREATE DATABASE qc_bench_copies")
    except Exception as err:  # noqa: BLE001 - no server: SQLite only
        print(f"PostgreSQL not reachable ({err}); SQLite only", file=sys.stderr)
        return None
    return ADMIN.rsplit("/", 1)[0] + "/qc_bench_copies"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--checks", type=int, default=7)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.checks)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"SQLite": f"sqlite:///{tmp}/bench.db"}
        if not args.no_postgres and (pg := postgres_database(create=True)):
            urls["PostgreSQL"] = pg
        for name, url in urls.items():
            Store(url).close()
            small_load = load(url, 0, args.small)
            small = probe_in_child(url, args.checks)
            full_load = load(url, args.small, args.n)
            full = probe_in_child(url, args.checks)
            print(f"{name}: loading {args.small:,} reports {small_load:.1f} s, then {args.n - args.small:,} more "
                  f"{full_load:.1f} s")
            for row in (small, full):
                print(f"  archive {row['archive']:>6,}: check of one new report median {row['median_s'] * 1000:.0f} ms "
                      f"(max {row['max_s'] * 1000:.0f} ms), peak RSS {row['peak_rss_mb']:.0f} MB, "
                      f"honest new reports flagged {row['false_flags']}/{args.checks}")
            found = detection(url, args.n, args.trials)
            print(f"  detection, {found['trials']} trials each (flagged with the right source; honest: flagged at all):")
            for case, label in (("third", "a third copied"), ("whole", "whole report"), ("data", "tables copied"),
                                ("honest", "honest, same subject")):
                shares = found["shares"][case]
                print(f"    {label:<21} {found['found'][case]:>3}/{found['trials']}  text {shares['text']}, "
                      f"table data {shares['data']}, check median {found['check_ms'][case]} ms")
        if "PostgreSQL" in urls:
            postgres_database(create=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
