"""The benchmark's mail set: N realistic submission mails, built once and cached.

Every mail carries a stamped 报名表 .docx and a results report .docx with 1-3
chart images, sent by one of the real client renderers; every third mail
also carries a scan of the stamped form as an image-only PDF, every fourth
an 附件7 统计表 .xlsx. Mail i is deterministic for seed i, so the cache
(one .eml per mail) is valid across runs; building runs on every core.
"""
from __future__ import annotations

import os
import random
from multiprocessing import Pool
from pathlib import Path

CACHE_VERSION = "v1"
DEFAULT_CACHE = Path(os.environ.get("INTAKE_BENCH_CACHE", "/var/tmp/qc-intake-bench"))


def build_mail(seed: int) -> bytes:
    """One submission mail: the complete_submission pair, plus a scan PDF / .xlsx for some."""
    from samples.forms import (
        ENTRY_LAYOUTS,
        entry_form_docx,
        entry_form_lines,
        qc_report_docx,
    )
    from samples.forms_other import statistics_xlsx
    from samples.mails import attachment_names, client_for, submission_mail
    from samples.entries import sample_entry
    from samples.scans import scan_of_form_png, scan_pdf
    from samples.seals import seal_png

    # The same steps as samples.mails.complete_submission, with extra files.
    data = sample_entry(seed)
    rng = random.Random(f"complete:{seed}")
    layout = rng.choice(ENTRY_LAYOUTS)
    client = client_for(data.sender, rng)
    seal = seal_png(data.enterprise, rotation=rng.uniform(-25, 25))
    entry_name, report_name = attachment_names(data, rng)
    files = [(entry_name, entry_form_docx(data, layout=layout, seal=seal)),
             (report_name, qc_report_docx(data, images=rng.randint(1, 3)))]
    if seed % 3 == 0:
        page = scan_of_form_png(entry_form_lines(data), seal=seal, skew=rng.uniform(-1.5, 1.5))
        files.append((f"报名表扫描件-{data.group}.pdf", scan_pdf([page])))
    if seed % 4 == 0:
        files.append(("附件7：活动统计表.xlsx", statistics_xlsx()))
    return submission_mail(data, files, client=client)


def small_mail(index: int) -> bytes:
    """A small plain mail (a question), for filling a mailbox to 10,000 cheaply."""
    return (f"From: asker{index}@example.test\r\nTo: 18603456030@163.com\r\n"
            f"Subject: question {index}\r\nMessage-ID: <filler-{index}@bench.test>\r\n"
            f"Date: Mon, 20 Feb 2023 09:30:00 +0800\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"请问报名截止日期是哪天？ ({index})\r\n").encode()


def _build_to(args: tuple[int, str]) -> int:
    seed, folder = args
    path = Path(folder) / f"{seed:06d}.eml"
    raw = build_mail(seed)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(raw)
    tmp.replace(path)
    return seed


def ensure_mails(count: int, cache: Path = DEFAULT_CACHE, workers: int | None = None,
                 progress=print) -> list[Path]:
    """Paths of mails 1..count in the cache, building the missing ones in parallel."""
    folder = cache / CACHE_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{seed:06d}.eml" for seed in range(1, count + 1)]
    missing = [seed for seed, path in zip(range(1, count + 1), paths) if not path.exists()]
    if missing:
        progress(f"building {len(missing)} fixture mails into {folder} (cached for later runs)")
        with Pool(workers or os.cpu_count() or 2) as pool:
            for done, _ in enumerate(pool.imap_unordered(_build_to, [(s, str(folder)) for s in missing],
                                                         chunksize=4), 1):
                if done % 100 == 0:
                    progress(f"  built {done}/{len(missing)}")
    return paths
