#!/usr/bin/env python3
"""Precision benchmark: does the service answer only the competition, and answer it right?

    .venv/bin/python scripts/precision.py [--corpus] [--json]

Runs the hard-negative corpus (`samples.strangers`), the labelled
registration set (`samples.labelled`) and, with --corpus, every
mail of ../shared/corpus/public-mime through a real `Pipeline` on a
temporary SQLite store (deadline: the notice's, 2023-03-03), then prints:
notices to non-participants, acknowledgements to strangers, false
deficiencies per 100 registrations, recall/precision of `submission`,
verdict accuracy, deficiency recall/precision per code, and every miss.
Exit status 0 when the figures were measured (they may still be bad).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.base.config import load_settings  # noqa: E402
from samples.labelled import DEADLINE, labelled_registrations  # noqa: E402
from samples.strangers import stranger_mails  # noqa: E402
from intake.mime.parse import file_received_time  # noqa: E402
from intake.run.pipeline import Pipeline  # noqa: E402
from intake.fetch.sources import read_messages  # noqa: E402
from tests.configs import write_config  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "public-mime"
ANSWERED = ("submission", "correction", "observer")


def run(pipeline: Pipeline, raw: bytes, folder: str) -> dict:
    """Archive and process one mail as if just read from the mailbox; its outcome."""
    message, _ = pipeline.accept(raw, account="precision", folder=folder, received_at=file_received_time(raw))
    return pipeline.process(message)


def corpus_mails() -> list[tuple[str, bytes]]:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv", "SOURCES.md"))
    return [(str(path.relative_to(CORPUS)), item.raw) for path in files for item in read_messages([path])]


def measure(with_corpus: bool) -> dict:
    """Build the sets, run them on a fresh store, and score the outcomes."""
    started = time.monotonic()
    strangers, labelled = stranger_mails(), labelled_registrations()
    corpus = corpus_mails() if with_corpus else []
    built = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="precision-") as tmp:
        settings = load_settings(write_config(Path(tmp), deadline=DEADLINE))
        with Pipeline.open(settings) as pipeline:
            got_s = [(s, run(pipeline, s.raw, "strangers")) for s in strangers]
            got_l = [(r, run(pipeline, r.raw, "labelled")) for r in labelled]
            got_c = [(name, run(pipeline, raw, "corpus")) for name, raw in corpus]
            outbox = Counter(reply.message_id for reply in pipeline.store.all_replies())
    ran = time.monotonic()
    return score(got_s, got_l, got_c) | {"outbox_rows": sum(outbox.values()),
                                         "seconds_build": round(built - started, 1),
                                         "seconds_run": round(ran - built, 1)}


def _codes(outcome: dict) -> set[str]:
    return {f["code"] for f in outcome["deficiencies"]}


def _reply(outcome: dict) -> str | None:
    return outcome["reply"]["type"] if outcome["reply"] else None


def _said(outcome: dict) -> str:
    codes = ",".join(sorted(_codes(outcome))) or "-"
    kinds = ",".join(sorted({d["kind"] for d in outcome["documents"]})) or "none"
    return (f"{outcome['classification']}, verdict {outcome['verdict']}, deficiencies {codes}, "
            f"reply {_reply(outcome)}, documents read as {kinds}")


def score(strangers: list, labelled: list, corpus: list) -> dict:
    misses = []
    for s, out in strangers:
        if _reply(out) or out["classification"] not in s.allowed:
            misses.append(("stranger", s.kind, _said(out)))
    for name, out in corpus:
        if _reply(out) in ("acknowledgement", "deficiency_notice"):
            misses.append(("corpus", name, _said(out)))
    false_codes, per_code = 0, {}
    for r, out in labelled:
        found = _codes(out)
        false_codes += len(found - r.codes)
        for code in found | r.codes:
            tp, fn, fp = per_code.get(code, (0, 0, 0))
            per_code[code] = (tp + (code in found and code in r.codes), fn + (code in r.codes and code not in found),
                              fp + (code in found and code not in r.codes))
        if (out["classification"], out["verdict"], found, _reply(out)) != (r.classification, r.verdict, set(r.codes),
                                                                           r.reply):
            misses.append(("registration", r.kind, f"{_said(out)} (expected {r.verdict}, "
                                                   f"{','.join(sorted(r.codes)) or '-'})"))
    tp = sum(out["classification"] == "submission" for _, out in labelled)
    fp = sum(out["classification"] == "submission" for _, out in strangers + corpus)
    strangers_answered = sum(bool(_reply(out)) for _, out in strangers)
    corpus_answered = sum(bool(_reply(out)) for _, out in corpus)
    return {
        "strangers": len(strangers), "registrations": len(labelled), "corpus": len(corpus),
        "notices_to_non_participants": strangers_answered + corpus_answered,
        "strangers_answered": strangers_answered, "corpus_answered": corpus_answered,
        "acknowledgements_to_strangers": sum(_reply(out) == "acknowledgement" for _, out in strangers + corpus),
        "deficiency_notices_to_strangers": sum(_reply(out) == "deficiency_notice" for _, out in strangers + corpus),
        "strangers_as_answered_kinds": sum(out["classification"] in ANSWERED for _, out in strangers),
        "false_deficiencies_per_100": round(100 * false_codes / max(1, len(labelled)), 1),
        "submission_recall": round(tp / max(1, len(labelled)), 3),
        "submission_precision": round(tp / max(1, tp + fp), 3),
        "verdict_accuracy": round(sum(out["verdict"] == r.verdict for r, out in labelled) / max(1, len(labelled)), 3),
        "deficiency_codes": {code: {"tp": t, "fn": n, "fp": p} for code, (t, n, p) in sorted(per_code.items())},
        "misses": misses,
    }


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def print_table(r: dict) -> None:
    rows = [
        ("mails: strangers / registrations / public corpus",
         f"{r['strangers']} / {r['registrations']} / {r['corpus']}"),
        ("notices to non-participants (strangers + corpus)",
         f"{r['notices_to_non_participants']} ({r['strangers_answered']} + {r['corpus_answered']})"),
        ("acknowledgements to strangers", r["acknowledgements_to_strangers"]),
        ("deficiency notices to strangers", r["deficiency_notices_to_strangers"]),
        ("strangers classified submission/correction/observer", r["strangers_as_answered_kinds"]),
        ("false deficiencies per 100 registrations", r["false_deficiencies_per_100"]),
        ("submission recall / precision", f"{r['submission_recall']} / {r['submission_precision']}"),
        ("verdict accuracy", r["verdict_accuracy"]),
        ("outbox rows written", r["outbox_rows"]),
        ("seconds: build / run", f"{r['seconds_build']} / {r['seconds_run']}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(f"\n{'deficiency code':<24}{'recall':>8}{'precision':>11}{'tp':>5}{'fn':>5}{'fp':>5}")
    for code, c in r["deficiency_codes"].items():
        print(f"{code:<24}{_ratio(c['tp'], c['tp'] + c['fn']):>8}{_ratio(c['tp'], c['tp'] + c['fp']):>11}"
              f"{c['tp']:>5}{c['fn']:>5}{c['fp']:>5}")
    print(f"\nmisses ({len(r['misses'])}):")
    for group, kind, what in r["misses"]:
        print(f"  [{group}] {kind}: {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="store_true", help=f"also run every mail of {CORPUS}")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.corpus and not CORPUS.is_dir():
        print(f"precision: {CORPUS} missing (clone the repository beside ../shared)", file=sys.stderr)
        return 2
    result = measure(args.corpus)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
