#!/usr/bin/env python3
"""How well `detect_stamp` tells a unit seal (公章) from everything else.

Builds a labelled set with the fixture builder: seals as people paste them
(round, oval, rotated, faded, small, transparent, JPEG), colour scans, JPEG
photos and phone photos on a brown desk with a seal; hard negatives (the
same scans and photos without a seal, red letterheads, red titles, red
handwriting alone and on a page, black-and-white scans where no seal's
colour can show). Prints per-category counts of present / uncertain /
absent, then accuracy, precision and recall of "present" against the
label, and timing.

    .venv/bin/python scripts/seal_accuracy.py            # 8 pictures per category, ~40 s
    .venv/bin/python scripts/seal_accuracy.py --n 20 --json

"present" is the only positive answer: "uncertain" goes to a person and
counts as not present (on a stamped picture it is a miss, on the others a
correct refusal).
"""
from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from intake.extractors import detect_stamp  # noqa: E402
from samples.forms import entry_form_lines  # noqa: E402
from samples.entries import sample_entry  # noqa: E402
from samples.scans import photo_of_page, scan_of_form_png  # noqa: E402
from samples.seals import red_letterhead_png, red_text_png, seal_png  # noqa: E402
from intake.base.model import Stamp  # noqa: E402

LETTERHEADS = ("山西省信息业工会联合会文件", "山西省通信行业协会", "关于开展2023年竞赛活动的通知",
               "中国移动通信集团山西有限公司文件", "晋信息业工发〔2023〕1号")
HANDWRITING = ("同意推荐", "张三", "李明 2023.2.20", "情况属实，同意上报", "王喆", "公章", "国", "回")
RED = (205, 25, 35)


@dataclass(frozen=True)
class Case:
    category: str
    sealed: bool
    image: bytes


@dataclass(frozen=True)
class Category:
    name: str
    sealed: bool
    make: Callable[[random.Random, int], bytes]


def _entry(i: int):
    return sample_entry(7000 + i)


def _jpeg(data: bytes, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _seal(rng: random.Random, i: int, **kw) -> bytes:
    return seal_png(_entry(i).enterprise, **kw)


def _scan(rng: random.Random, i: int, seal: bytes | None, **kw) -> bytes:
    return scan_of_form_png(entry_form_lines(_entry(i)), seal=seal, skew=rng.uniform(-2.0, 2.0), **kw)


CATEGORIES = (
    Category("seal_round", True, lambda r, i: _seal(r, i)),
    Category("seal_oval", True, lambda r, i: _seal(r, i, style="oval", bottom_text=r.choice(("", "合同专用章")))),
    Category("seal_rotated", True, lambda r, i: _seal(r, i, rotation=r.uniform(-75, 75))),
    Category("seal_faded", True, lambda r, i: _seal(r, i, faded=True, rotation=r.uniform(-20, 20))),
    Category("seal_small", True, lambda r, i: _seal(r, i, size=r.randint(90, 150))),
    Category("seal_transparent", True, lambda r, i: _seal(r, i, transparent=True, rotation=r.uniform(-20, 20))),
    Category("seal_jpeg", True, lambda r, i: _jpeg(_seal(r, i, rotation=r.uniform(-20, 20)), r.randint(55, 85))),
    Category("scan_colour_sealed", True,
             lambda r, i: _scan(r, i, _seal(r, i, style="oval" if r.random() < 0.3 else "round"))),
    Category("photo_colour_sealed", True, lambda r, i: _jpeg(_scan(r, i, _seal(r, i, faded=r.random() < 0.5)),
                                                             r.randint(45, 90))),
    Category("desk_photo_sealed", True, lambda r, i: photo_of_page(_scan(r, i, _seal(r, i)), tilt=r.uniform(-5, 5),
                                                                    seed=i)),
    Category("scan_colour_plain", False, lambda r, i: _scan(r, i, None)),
    Category("photo_colour_plain", False, lambda r, i: _jpeg(_scan(r, i, None), r.randint(60, 90))),
    Category("desk_photo_plain", False, lambda r, i: photo_of_page(_scan(r, i, None), tilt=r.uniform(-5, 5), seed=i)),
    Category("red_letterhead", False, lambda r, i: red_letterhead_png(r.choice(LETTERHEADS))),
    Category("red_title_page", False, lambda r, i: _scan(r, i, None, title_color=RED)),
    Category("red_handwriting", False, lambda r, i: red_text_png(r.choice(HANDWRITING))),
    Category("scan_red_handwriting", False, lambda r, i: _scan(r, i, red_text_png(r.choice(HANDWRITING)))),
    Category("scan_bw_sealed", False, lambda r, i: _scan(r, i, _seal(r, i), grayscale=True)),
    Category("scan_bw_plain", False, lambda r, i: _scan(r, i, None, grayscale=True)),
)


def build_set(n: int, seed: int) -> list[Case]:
    cases = []
    for category in CATEGORIES:
        rng = random.Random(f"{seed}:{category.name}")
        cases += [Case(category.name, category.sealed, category.make(rng, i)) for i in range(n)]
    return cases


def evaluate(cases: list[Case]) -> dict:
    per: dict[str, dict] = {}
    times: list[float] = []
    tp = fp = fn = tn = 0
    for case in cases:
        started = time.perf_counter()
        stamp, _ = detect_stamp(case.image)
        times.append(time.perf_counter() - started)
        row = per.setdefault(case.category, {"sealed": case.sealed, "n": 0, "present": 0, "uncertain": 0,
                                             "absent": 0, "correct": 0})
        row["n"] += 1
        row[stamp.value] += 1
        said = stamp is Stamp.PRESENT
        row["correct"] += said == case.sealed
        tp, fp = tp + (said and case.sealed), fp + (said and not case.sealed)
        fn, tn = fn + (not said and case.sealed), tn + (not said and not case.sealed)
    total = tp + fp + fn + tn
    return {
        "categories": per,
        "overall": {"n": total, "true_positive": tp, "false_positive": fp, "false_negative": fn,
                    "true_negative": tn, "accuracy": round((tp + tn) / total, 4) if total else None,
                    "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                    "recall": round(tp / (tp + fn), 4) if tp + fn else None,
                    "uncertain": sum(row["uncertain"] for row in per.values())},
        "timing_ms": {"mean": round(1000 * statistics.fmean(times), 1),
                      "p95": round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 1),
                      "max": round(1000 * max(times), 1), "total": round(1000 * sum(times), 1)},
    }


def print_table(result: dict, build_seconds: float) -> None:
    print(f"{'category':24}{'label':>8}{'n':>5}{'present':>9}{'uncertain':>11}{'absent':>8}{'correct':>9}")
    for name, row in result["categories"].items():
        label = "seal" if row["sealed"] else "none"
        print(f"{name:24}{label:>8}{row['n']:>5}{row['present']:>9}{row['uncertain']:>11}"
              f"{row['absent']:>8}{row['correct']:>9}")
    o, t = result["overall"], result["timing_ms"]
    print(f"\noverall: n={o['n']}  accuracy={o['accuracy']}  precision={o['precision']}  recall={o['recall']}"
          f"  (TP {o['true_positive']}, FP {o['false_positive']}, FN {o['false_negative']}, "
          f"TN {o['true_negative']}; uncertain {o['uncertain']})")
    print(f"detect_stamp: mean {t['mean']} ms, p95 {t['p95']} ms, max {t['max']} ms, total {t['total']} ms;"
          f" building the set took {build_seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=8, help="pictures per category (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="another seed draws another set")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    started = time.perf_counter()
    cases = build_set(args.n, args.seed)
    build_seconds = time.perf_counter() - started
    result = evaluate(cases)
    result["timing_ms"]["build_set"] = round(1000 * build_seconds, 1)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result, build_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
