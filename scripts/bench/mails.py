"""The benchmark's mail set: N submission mails in deadline-day proportions, built once and cached.

Every mail is a stamped 报名表 and a results report (1-3 charts) sent by one of
the real client renderers, the report in its writer's own words (`wording=seed`:
reports from one template would all be copy candidates of each other); by
seed (exact shares, counted over any 240 consecutive seeds):

- 1/3 also carry the stamped form as a scan or a photo beside the Word form,
  named as the phone or scanner app names it, so only OCR can tell what it is:
  in turn a scanner-app PDF ("扫描全能王 2023-02-27 10.15.pdf", image only,
  the app's one-line watermark), a phone photo of the page ("IMG_4821.JPG"),
  and a WeChat-forwarded JPEG of the scan ("微信图片_20230227101523.jpg");
  in half of these mails (seeds 9k to 9k+8 in turn, about 1/6 of all) the
  Word form has no seal of its own, so the scan's seal must be placed and
  OCR reads it; in the other half the pasted seal settles it and the scan
  is not read (`intake.extractors.attachments.scans_can_matter`);
- 1/16 send the 报名表 as a Word 97 .doc and 1/16 the report as a .wps (a
  .doc inside, as WPS saves it), both made by LibreOffice: 1/8 read through
  LibreOffice in the pipeline;
- 21/240 send the report as a text PDF (exported by LibreOffice) instead of
  .docx (1/10 of seeds, less those whose report is already the .wps);
- 1/4 add the 附件7 统计表 .xlsx;
- 1/20 pack all their files into one archive, in turn .zip (GBK names),
  .rar (RAR4, stored) and .7z.

Mail i is deterministic for seed i, so the cache (one .eml per mail) is
valid across runs; building runs on every core.
"""
from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from multiprocessing import Pool
from pathlib import Path

CACHE_VERSION = "v4"
DEFAULT_CACHE = Path(os.environ.get("INTAKE_BENCH_CACHE", "/var/tmp/qc-intake-bench"))


def build_mail(seed: int) -> bytes:
    """One submission mail: the complete_submission pair, with the extra files and formats above."""
    from samples.forms import ENTRY_LAYOUTS, entry_form_docx, qc_report_docx
    from samples.forms_other import statistics_xlsx
    from samples.mails import attachment_names, client_for, submission_mail
    from samples.entries import sample_entry
    from samples.seals import seal_png

    # The same steps as samples.mails.complete_submission, with extra files.
    data = sample_entry(seed)
    rng = random.Random(f"complete:{seed}")
    layout = rng.choice(ENTRY_LAYOUTS)
    client = client_for(data.sender, rng)
    seal = seal_png(data.enterprise, rotation=rng.uniform(-25, 25))
    entry_name, report_name = attachment_names(data, rng)
    scanned = seed % 3 == 0
    word_sealed = not scanned or (seed // 9) % 2 == 1  # the scan is the only seal: half of them
    entry = entry_form_docx(data, layout=layout, seal=seal if word_sealed else None)
    report = qc_report_docx(data, images=rng.randint(1, 3), wording=seed)  # every writer in their own words
    if seed % 16 == 1:
        entry_name, entry = _renamed(entry_name, ".doc"), _converted(entry, "doc")
    if seed % 16 == 9:
        report_name, report = _renamed(report_name, ".wps"), _converted(report, "doc")
    elif seed % 10 == 7:
        report_name, report = _renamed(report_name, ".pdf"), _converted(report, "pdf")
    files = [(entry_name, entry), (report_name, report)]
    if scanned:
        files.append(scan_beside(data, seal, seed, rng))
    if seed % 4 == 0:
        files.append(("附件7：活动统计表.xlsx", statistics_xlsx()))
    if seed % 20 == 13:
        files = [archive_of(files, data, seed)]
    return submission_mail(data, files, client=client)


def scan_beside(data, seal: bytes, seed: int, rng: random.Random) -> tuple[str, bytes]:
    """The stamped form as a scanner app, a phone camera or WeChat hands it on, under the
    name that app gives it (it says nothing about the form)."""
    from samples.forms import entry_form_lines
    from samples.scans import phone_jpeg, photo_of_page, scan_of_form_png, scan_pdf

    page = scan_of_form_png(entry_form_lines(data), seal=seal, skew=rng.uniform(-1.5, 1.5))
    when = datetime(2023, 2, 20, 8, 0) + timedelta(minutes=rng.randint(0, 9 * 24 * 60), seconds=rng.randint(0, 59))
    turn = (seed // 3) % 3
    if turn == 0:
        return f"扫描全能王 {when:%Y-%m-%d %H.%M}.pdf", scan_pdf([page], watermark="Scanned with CamScanner")
    if turn == 1:
        return f"IMG_{4000 + seed % 6000}.JPG", photo_of_page(page, tilt=rng.uniform(-5, 5), seed=seed)
    return f"微信图片_{when:%Y%m%d%H%M%S}.jpg", phone_jpeg(page, scale=0.8, quality=80)


def archive_of(files: list[tuple[str, bytes]], data, seed: int) -> tuple[str, bytes]:
    """All the mail's files in one archive named after the group, as .zip, .rar or .7z in turn."""
    from samples.containers import rar_of, seven_zip_of
    from samples.mails import zip_of

    kind = (seed // 20) % 3
    ext, pack = [(".zip", zip_of), (".rar", rar_of), (".7z", seven_zip_of)][kind]
    return f"{data.group}报名材料{ext}", pack(files)


def _converted(docx: bytes, target: str) -> bytes:
    from intake.extractors.convert import convert  # LibreOffice, as tests/test_extract_libreoffice.py makes .doc

    return convert(docx, "docx", target, timeout=180)


def _renamed(name: str, ext: str) -> str:
    return name.rsplit(".", 1)[0] + ext


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
