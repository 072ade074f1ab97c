"""How long the console takes to show a 72-megapixel scan: the first view (drawn in a limited
child process, then cached beside the archive) and the views after it (read from the cache).

    .venv/bin/python scripts/console_previews.py [--views 5]

Prints one line per figure; run from the repository root.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samples import entry_form_docx, entry_form_lines, mails, oversized_scan_tiff, sample_entry, scan_of_form_png, seal_png  # noqa: E402
from tests.test_console_common import close, login, make_console  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=5)
    args = parser.parse_args()
    data = sample_entry(88)
    scan = oversized_scan_tiff(scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise)))
    raw = mails.submission_mail(data, [(f"报名表-{data.group}.docx", entry_form_docx(data)),
                                       ("报名表盖章扫描件.tif", scan)])
    with tempfile.TemporaryDirectory() as folder:
        console = make_console(Path(folder), None, (), extra_mail={"scan": raw})
        try:
            login(console.client)
            from sqlmodel import select
            from store.models import StoredDocument

            with console.store.session() as s:
                doc = s.exec(select(StoredDocument).where(StoredDocument.filename.endswith(".tif"))).one()
            number = console.numbers["scan"]
            views = []
            for _ in range(args.views + 1):
                started = time.perf_counter()
                console.client.get(f"/registrations/{number}")
                console.client.get(f"/documents/{doc.id}/image")
                console.client.get(f"/documents/{doc.id}/seal")
                views.append(time.perf_counter() - started)
        finally:
            close(console)
    print(f"scan: 7350 x 9800 px TIFF, {len(scan) / 1e6:.1f} MB")
    print(f"first view (page + preview + seal, drawn): {views[0]:.2f} s")
    print(f"later views, median of {args.views}: {statistics.median(views[1:]) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
