"""Tesseract against RapidOCR (PP-OCR models on onnxruntime) on the project's scan fixtures (issue 16).

Builds a varied set of scans with `samples/` (every official form the samples
can lay out as a printed page, clean, tilted, photographed, low-resolution,
sideways, oversized, image-only PDFs, and pictures that are no form at all),
then reads each with every engine and reading, single-threaded, and prints
correct / wrong (another form claimed: the worst) / missed, seconds per
picture and peak memory.

Readings:
  pipeline  Tesseract: the project's own `ocr.recognise_scan`. RapidOCR: the shape
            that function had in stop 21 (`_prepare`, `looks_like_paper`,
            `_deskewed`, the head, turned upright when sideways, the whole page;
            not the title strip first, which came later and was measured with
            Tesseract only) with RapidOCR's lines, joined top to bottom, fed to
            the same `_reading`/`recognise`.
  title     the cheapest reading: prepared and levelled as above, then only the top
            TITLE_SHARE of the page, scaled so its long side is TITLE_SIDE px.

Each engine and reading runs in its own child process (so peak RSS is its own),
with OMP_THREAD_LIMIT=1 and onnxruntime intra/inter_op_num_threads=1.

    .venv/bin/python scripts/ocr_compare.py                # Tesseract only, if rapidocr is missing
    /tmp/ocrvenv/bin/python scripts/ocr_compare.py         # both (see INSTALL)
    ... --engines tesseract --readings title --detail      # a part, and the per-picture table

RapidOCR stays out of the project's environment: install it into a separate venv.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INSTALL = ("python3 -m venv /tmp/ocrvenv && /tmp/ocrvenv/bin/pip install -e . rapidocr-onnxruntime\n"
           "  then: /tmp/ocrvenv/bin/python scripts/ocr_compare.py")
NAME = "IMG_20230227_0931.jpg"   # a file name that tells nothing: OCR alone decides
TITLE_SHARE = 0.15               # of the page height: the title line
TITLE_SIDE = 1000                # px: the long side of that strip
NONE = "none"                    # expected (or found) for pictures that are no form
RAPID_LIMIT_TYPE = os.environ.get("RAPID_LIMIT_TYPE", "max")  # see Rapid.__init__


@dataclass
class Fixture:
    name: str
    group: str
    expected: str        # a DocumentKind value, or NONE
    pages: list[bytes]


# ---------------------------------------------------------------- fixtures

def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "……"


def _docx_lines(data: bytes) -> list[str]:
    """A sample .docx form as `scan_of_form_png` lines: paragraphs, table rows as "a|b|c".

    The "附件N：" line is dropped so the form's title is the first (title-sized) line,
    as `entry_form_lines` does; long texts are cut as there.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc, out = docx.Document(io.BytesIO(data)), []
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(el, doc).text.strip()
            if text and not (text.startswith("附件") and len(text) <= 5):
                out.append(_clip(text, 70))
        elif tag == "tbl":
            for row in Table(el, doc).rows:
                cells, seen = [], set()
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(_clip(cell.text, 40))
                if any(cells):
                    out.append("|".join(cells) if len(cells) > 1 else cells[0])
    return out


def _xlsx_lines(data: bytes) -> list[str]:
    import openpyxl

    out = []
    for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True):
        cells = [_clip(str(v), 40) for v in row if v not in (None, "")]
        if cells and not (len(cells) == 1 and cells[0].startswith("附件") and len(cells[0]) <= 5):
            out.append("|".join(cells) if len(cells) > 1 else cells[0])
    return out


def build_fixtures() -> list[Fixture]:
    from intake.base.model import DocumentKind as K
    from intake.extractors.ocr import MAX_PAGES
    from intake.extractors.pdf_reader import rendered_pages
    from samples import charts
    from samples.entries import enterprise_story, sample_entries, sample_entry, sample_members
    from samples.forms import entry_form_lines
    from samples.forms_extra import promoter_nomination_docx, promoter_story, sample_team, team_nomination_docx
    from samples.forms_other import (enterprise_nomination_docx, group_registration_docx, statistics_xlsx,
                                     summary_docx)
    from samples.scans import (oversized_scan_tiff, phone_jpeg, photo_of_page, photo_of_scene, scan_of_form_png,
                               scan_pdf)
    from samples.seals import seal_png
    from samples.strangers import ROWS, TRAINEES, UNIT_FIELDS
    from samples.strangers_files import receipt_form_docx, scanned_pages_pdf

    entry = K.ENTRY_FORM.value
    fx: list[Fixture] = []

    def add(name, group, expected, *pages):
        fx.append(Fixture(name, group, expected, list(pages)))

    def pdf_pages(pdf: bytes) -> list[bytes]:  # as read.py hands an image-only PDF to OCR
        return list(rendered_pages(pdf, MAX_PAGES))

    def stamped(seed, **kw):
        data = sample_entry(seed)
        return scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise), **kw)

    # 报名表 (附件2), scanned cleanly: different entries and enterprises
    for i, (seed, skew) in enumerate([(101, 0.0), (102, 0.0), (103, 0.6), (104, -0.8), (105, 1.2), (106, 0.0)]):
        add(f"entry {seed} stamped scan skew {skew}", "clean", entry, stamped(seed, skew=skew))
    for seed in (107, 108):
        add(f"entry {seed} unstamped scan", "clean", entry,
            scan_of_form_png(entry_form_lines(sample_entry(seed)), seal=None))
    for seed in (109, 110):
        add(f"entry {seed} black-and-white scan", "clean", entry, stamped(seed, grayscale=True))
    add("entry 111 red title", "clean", entry,
        scan_of_form_png(entry_form_lines(sample_entry(111)), seal=None, title_color=(205, 25, 35), skew=0.7))
    add("entry 112 WeChat JPEG q60", "clean", entry, phone_jpeg(stamped(112), quality=60))
    add("entry 113 image-only PDF", "clean", entry, *pdf_pages(scan_pdf([stamped(113, skew=-0.8)])))
    add("entry 114 CamScanner PDF, 2 pages", "clean", entry,
        *pdf_pages(scan_pdf([stamped(114), stamped(115)], watermark="Scanned with CamScanner")))
    # tilted scans and phone photos on a desk
    add("entry 116 scanner skew 2.5", "tilted/photo", entry, stamped(116, skew=2.5))
    add("entry 117 scanner skew -3.0", "tilted/photo", entry, stamped(117, skew=-3.0))
    for seed, tilt in ((118, -3.5), (119, 4.0), (120, 5.5)):
        add(f"entry {seed} desk photo tilt {tilt}", "tilted/photo", entry,
            photo_of_page(stamped(seed), tilt=tilt, seed=seed))
    # low resolution (enlarged by _prepare to LONG_SIDE)
    add("entry 121 JPEG at 0.6 (600x848)", "low-res", entry, phone_jpeg(stamped(121), scale=0.6, quality=80))
    add("entry 122 JPEG at 0.45 (450x636)", "low-res", entry, phone_jpeg(stamped(122), scale=0.45, quality=80))
    add("entry 123 desk photo at 0.5", "low-res", entry,
        phone_jpeg(photo_of_page(stamped(123), tilt=3.0, seed=123), scale=0.5, quality=75))
    # large
    add("entry 124 phone JPEG at 3x", "large", entry, phone_jpeg(stamped(124), scale=3.0, quality=80))
    # sideways (no EXIF), as tests/test_ocr.py
    add("entry 126 sideways +90", "sideways", entry, phone_jpeg(stamped(126), turn=90))
    add("entry 127 sideways -90", "sideways", entry, phone_jpeg(stamped(127), turn=-90))
    add("entry 128 desk photo sideways +90", "sideways", entry,
        phone_jpeg(photo_of_page(stamped(128), tilt=2.0, seed=128), turn=90))

    # the other official forms, laid out from the samples' Word/Excel files and scanned
    e = sample_entry(131)
    others = [
        (K.ENTERPRISE_NOMINATION, "附件3 enterprise nomination", _docx_lines(enterprise_nomination_docx(
            e.enterprise, e.phone, e.address, e.postcode, enterprise_story(e.enterprise)))),
        (K.PROMOTER_NOMINATION, "附件4 promoter nomination", _docx_lines(promoter_nomination_docx(
            "王建国", "男", "质量部主任", e.enterprise, e.phone, e.address, e.postcode,
            promoter_story(e.enterprise, "王建国")))),
        (K.GROUP_REGISTRATION, "附件5 group registration", _docx_lines(group_registration_docx(e, sample_members(e)))),
        (K.TEAM_NOMINATION, "附件6 team nomination", _docx_lines(team_nomination_docx(
            e.enterprise, "装维一班", sample_team(e.enterprise, "装维一班", 6), address=e.address,
            postcode=e.postcode, contact=e.contact, phone=e.phone))),
        (K.ACTIVITY_STATISTICS, "附件7 activity statistics", _xlsx_lines(statistics_xlsx())),
        (K.NOMINATION_SUMMARY, "附件8 nomination summary", _docx_lines(summary_docx(sample_entries(4, seed=3)))),
    ]
    seal = seal_png(e.enterprise)
    for kind, label, lines in others:
        add(f"{label} scan", "other forms", kind.value, scan_of_form_png(lines, seal=seal))
    add("附件5 group registration desk photo", "other forms", K.GROUP_REGISTRATION.value,
        photo_of_page(scan_of_form_png(others[2][2], seal=seal), tilt=-3.0, seed=5))
    add("附件3 enterprise nomination JPEG at 0.6", "other forms", K.ENTERPRISE_NOMINATION.value,
        phone_jpeg(scan_of_form_png(others[0][2], seal=seal, skew=1.0), scale=0.6, quality=80))

    # pictures that are no form: OCR must recognise nothing
    add("photo of a scene 1600x1200", "not a form", NONE, photo_of_scene(3))
    add("photo of a scene 900x1200", "not a form", NONE, photo_of_scene(77, size=(900, 1200)))
    add("pareto chart", "not a form", NONE,
        charts.pareto_png([("接头松动", 46), ("光衰超标", 31), ("跳纤错误", 12), ("其他", 6)], "问题类型排列图"))
    add("trend chart", "not a form", NONE,
        charts.trend_png(["1月", "2月", "3月", "4月", "5月", "6月"], [91.2, 92.5, 94.1, 95.8, 96.4, 97.0],
                         96.0, "装维一次成功率趋势图", "%"))
    data = sample_entry(141)
    add("stamped 情况说明 letter scan", "not a form", NONE, scan_of_form_png(
        ["情况说明", f"兹证明{data.group}为我单位正式注册的QC小组，特此说明。", "",
         f"{'　' * 17}单位（章）　　2023年2月20日"], seal=seal_png(data.enterprise)))
    add("结业证书 photo", "not a form", NONE, photo_of_page(scan_of_form_png(
        ["结 业 证 书", "学员：卫东", "于2022年11月参加全面质量管理基础知识培训，", "考核合格，特发此证。",
         "单位（章）：山西省质量协会"], seal=seal_png("山西省质量协会")), seed=5))
    training = receipt_form_docx("QC小组活动推进与成果发表技巧培训班报名回执表", UNIT_FIELDS + [
        ("开票信息", "单位名称：　　　　税号：")], TRAINEES, ROWS, lead="附件：",
        note="注：请于3月10日前将回执发送至 hqpx2023@126.com，或传真至010-63958721。")
    add("another body's QC course 报名回执表 scan", "not a form", NONE,
        scan_of_form_png(_docx_lines(training), seal=None))
    add("meeting minutes image-only PDF", "not a form", NONE, *pdf_pages(scanned_pages_pdf(
        [["2023年第一次理事会会议纪要", "时间：2023年2月10日", "地点：协会三楼会议室",
          "一、审议通过2022年工作报告。", "二、研究2023年重点工作。"]])))

    # last: decoding it costs ~200 MB, so the peak RSS before it is reported apart
    add("entry 125 oversized 1200-dpi TIFF 7350x9800", "large", entry, oversized_scan_tiff(stamped(125)))
    return fx


# ---------------------------------------------------------------- engines

class Tesseract:
    name = "tesseract"

    def __init__(self, threads: int = 1) -> None:
        from intake.extractors import ocr

        if not ocr.ocr_available():
            raise RuntimeError("Tesseract with chi_sim is not installed (Debian: tesseract-ocr-chi-sim)")
        self.ocr = ocr

    def pipeline(self, pages: list[bytes]):
        return self.ocr.recognise_scan(pages, NAME)

    def text(self, image) -> str:
        return self.ocr.read_text(image)


class Rapid:
    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        import cv2
        from rapidocr_onnxruntime import RapidOCR

        if threads > 0:
            cv2.setNumThreads(threads)
        self.cv2 = cv2
        self.engine = RapidOCR(intra_op_num_threads=threads if threads > 0 else -1,
                               inter_op_num_threads=threads if threads > 0 else -1)
        # The detector's default ("min", 736) enlarges a picture until its short side is 736 px:
        # a 1000x210 title strip becomes 3500x736 and costs more than the page's head. "max"
        # only ever reduces (to 960/1500/2000 px), so each picture is read at its own size;
        # pages here are at most ocr.LONG_SIDE anyway.
        self.engine.text_det.limit_type = RAPID_LIMIT_TYPE

    def _bgr(self, image):
        import numpy as np

        return self.cv2.cvtColor(np.asarray(image.convert("L")), self.cv2.COLOR_GRAY2BGR)

    def text(self, image) -> str:
        """RapidOCR's detected lines, grouped into text lines top to bottom (cells of a row
        side by side, left to right), as Tesseract's --psm 6 gives them."""
        result, _ = self.engine(self._bgr(image))
        if not result:
            return ""
        boxes = []
        for box, text, _score in result:
            ys, xs = [p[1] for p in box], [p[0] for p in box]
            boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
        boxes.sort()
        lines: list[list] = []
        for cy, h, x, text in boxes:
            if lines and abs(cy - lines[-1][0]) < max(lines[-1][1], h) / 2:
                lines[-1][2].append((x, text))
            else:
                lines.append([cy, h, [(x, text)]])
        return "\n".join(" ".join(t for _, t in sorted(parts)) for _, _, parts in lines)

    def upright(self, page):
        """A landscape page turned upright when most of its text lines stand on end: which way
        is told by RapidOCR's own 0/180 line classifier on those lines (Tesseract's OSD here)."""
        img = self._bgr(page)
        boxes, _ = self.engine.text_det(img)
        if boxes is None or len(boxes) < 3:
            return None
        boxes = self.engine.sorted_boxes(boxes)
        tall = [b for b in boxes
                if max(abs(b[0][1] - b[3][1]), 1) / max(abs(b[0][0] - b[1][0]), 1) >= 1.5]
        if len(tall) < max(3, len(boxes) / 2):
            return None
        crops = self.engine.get_crop_img_list(img, tall[:30])  # tall crops come turned a quarter left
        _, labels, _ = self.engine.text_cls(crops)
        flipped = sum(label == "180" for label, _ in labels)
        if max(flipped, len(labels) - flipped) < 2 * len(labels) / 3:
            return None
        # text reading upwards (page turned left): turn it right; else turn it left
        return page.rotate(-90 if flipped > len(labels) / 2 else 90, expand=True)

    def pipeline(self, pages: list[bytes]):
        """`ocr.recognise_scan` and `ocr._read_page` step by step, with RapidOCR's text."""
        from intake.extractors import ocr

        deadline = time.monotonic() + ocr.BUDGET
        for number, data in enumerate(pages, start=1):
            if number > ocr.MAX_PAGES or time.monotonic() > deadline:
                break
            page = ocr._prepare(data)
            if page is None or not ocr.looks_like_paper(page):
                continue
            reading = self._read_page(page, deadline)
            if reading is not None:
                return reading
        return None

    def _read_page(self, page, deadline):
        from intake.extractors import ocr

        page = ocr._deskewed(page)
        text = self.text(ocr._head(page))
        reading = ocr._reading(text, NAME)
        if reading is not None or time.monotonic() > deadline:
            return reading
        if page.width > page.height:
            turned = self.upright(page)
            if turned is not None:
                return self._read_page(turned, deadline) if time.monotonic() <= deadline else None
        if ocr._hanzi(text) >= ocr.MIN_HEAD_HANZI:
            return ocr._reading(self.text(page), NAME)
        return None


def title_only(engine, pages: list[bytes]):
    """The cheapest reading: prepared, levelled, then only the title strip at TITLE_SIDE px."""
    from PIL import Image

    from intake.extractors import ocr

    for number, data in enumerate(pages, start=1):
        if number > ocr.MAX_PAGES:
            break
        page = ocr._prepare(data)
        if page is None or not ocr.looks_like_paper(page):
            continue
        page = ocr._deskewed(page)
        strip = page.crop((0, 0, page.width, max(1, int(page.height * TITLE_SHARE))))
        ratio = TITLE_SIDE / max(strip.size)
        strip = strip.resize((max(1, round(strip.width * ratio)), max(1, round(strip.height * ratio))),
                             Image.LANCZOS)
        reading = ocr._reading(engine.text(strip), NAME)
        if reading is not None:
            return reading
    return None


ENGINES = {"tesseract": Tesseract, "rapidocr": Rapid}


def rapid_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- one run (child process)

def _mb(kb: int) -> float:
    return kb / 1024  # Linux: ru_maxrss in KiB


def save_fixtures(fixtures: list[Fixture], folder: str) -> None:
    """Each page a file, so a run holds one picture at a time (its RSS is the engine's, not the set's)."""
    index = []
    for i, fx in enumerate(fixtures):
        names = []
        for j, data in enumerate(fx.pages):
            names.append(f"{i:02d}-{j}.bin")
            Path(folder, names[-1]).write_bytes(data)
        index.append({"name": fx.name, "group": fx.group, "expected": fx.expected, "pages": names})
    Path(folder, "index.json").write_text(json.dumps(index, ensure_ascii=False))


def worker(engine_name: str, reading: str, threads: int, folder: str) -> dict:
    import logging

    logging.disable(logging.WARNING)
    index = json.loads(Path(folder, "index.json").read_text())
    from intake.extractors import ocr  # (imports as the pipeline has them)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    engine = ENGINES[engine_name](threads)
    init = time.perf_counter() - started
    after_init = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results, before_tiff = [], None
    for number, fx in enumerate(index):
        if number == len(index) - 1:  # the oversized TIFF
            before_tiff = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pages = [Path(folder, name).read_bytes() for name in fx["pages"]]
        started = time.perf_counter()
        found = engine.pipeline(pages) if reading == "pipeline" else title_only(engine, pages)
        seconds = time.perf_counter() - started
        results.append({"name": fx["name"], "found": found.kind.value if found else NONE, "seconds": seconds})
        del pages
    return {"results": results, "init": init, "rss_base": _mb(base), "rss_init": _mb(after_init),
            "rss_before_tiff": _mb(before_tiff), "rss_peak": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def run_child(engine: str, reading: str, threads: int, folder: str) -> dict:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    if threads > 0:
        env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    else:
        env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run([sys.executable, __file__, "--worker", engine, reading, str(threads), folder],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{engine}/{reading} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report

def score(fixtures: list[Fixture], run: dict) -> dict:
    right = wrong = miss = 0
    for fx, res in zip(fixtures, run["results"]):
        if res["found"] == fx.expected:
            right += 1
        elif res["found"] == NONE:
            miss += 1
        else:
            wrong += 1
    secs = [r["seconds"] for r in run["results"]]
    return {"right": right, "wrong": wrong, "miss": miss, "median": statistics.median(secs),
            "mean": statistics.fmean(secs), "max": max(secs), "total": sum(secs)}


def report(fixtures: list[Fixture], runs: dict, detail: bool) -> None:
    n = len(fixtures)
    groups: dict[str, int] = {}
    for fx in fixtures:
        groups[fx.group] = groups.get(fx.group, 0) + 1
    print(f"\n{n} pictures: " + ", ".join(f"{g} {c}" for g, c in groups.items())
          + f"; {sum(fx.expected != NONE for fx in fixtures)} forms, {sum(fx.expected == NONE for fx in fixtures)} not forms")
    print("right = kind right (a non-form recognised as nothing); wrong = a form claimed that is not there "
          "(the worst); miss = a form not recognised\n")
    head = (f"{'engine / reading':34} {'right':>7} {'wrong':>5} {'miss':>4}  {'median s':>8} {'mean s':>6} "
            f"{'max s':>6} {'total s':>7}  {'init s':>6}  {'RSS MB: base':>12} {'+engine':>7} {'peak*':>6} "
            f"{'w/ tiff':>7}")
    print(head)
    print("-" * len(head))
    for label, run in runs.items():
        s = score(fixtures, run)
        print(f"{label:34} {s['right']:>3}/{n:<3} {s['wrong']:>5} {s['miss']:>4}  {s['median']:>8.2f} {s['mean']:>6.2f} "
              f"{s['max']:>6.2f} {s['total']:>7.1f}  {run['init']:>6.2f}  {run['rss_base']:>12.0f} "
              f"{run['rss_init'] - run['rss_base']:>+7.0f} {run['rss_before_tiff']:>6.0f} {run['rss_peak']:>7.0f}")
    print("\nRSS: base = the worker with the project imported; +engine = after the engine is loaded;"
          " peak* = peak before the\noversized TIFF (decoding its 72 megapixels makes the 'w/ tiff' peak); Tesseract"
          " runs in the worker (tesserocr)")
    print("\nright per group:")
    print(f"{'engine / reading':34} " + " ".join(f"{g:>14}" for g in groups))
    for label, run in runs.items():
        cells = []
        for g, count in groups.items():
            ok = sum(r["found"] == fx.expected for fx, r in zip(fixtures, run["results"]) if fx.group == g)
            cells.append(f"{ok}/{count}")
        print(f"{label:34} " + " ".join(f"{c:>14}" for c in cells))
    failures = [(fx, label, r) for label, run in runs.items() for fx, r in zip(fixtures, run["results"])
                if r["found"] != fx.expected]
    if failures:
        print("\nnot right:")
        for fx, label, r in failures:
            print(f"  {label:34} {fx.name:44} expected {fx.expected:22} got {r['found']:22} {r['seconds']:.2f} s")
    if detail:
        labels = list(runs)
        print("\nseconds per picture (x = not right):")
        print(f"{'picture':46} " + " ".join(f"{lb[:16]:>16}" for lb in labels))
        for i, fx in enumerate(fixtures):
            cells = []
            for lb in labels:
                r = runs[lb]["results"][i]
                cells.append(f"{r['seconds']:.2f}{'' if r['found'] == fx.expected else ' x'}")
            print(f"{fx.name[:46]:46} " + " ".join(f"{c:>16}" for c in cells))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        engine, reading, threads, path = sys.argv[2:6]
        print(json.dumps(worker(engine, reading, int(threads), path)))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        save_fixtures(build_fixtures(), sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--readings", default="pipeline,title")
    parser.add_argument("--all-cores", action="store_true",
                        help="also RapidOCR's pipeline with onnxruntime's default threads")
    parser.add_argument("--detail", action="store_true", help="seconds per picture and engine")
    args = parser.parse_args()

    engines = [e for e in args.engines.split(",") if e]
    if "rapidocr" in engines and not rapid_available():
        print("RapidOCR is not installed here: only Tesseract is measured. To compare, install it apart from "
              "the project's .venv:\n  " + INSTALL + "\n")
        engines.remove("rapidocr")
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Built in a process of their own: a worker forked from a process holding them all
        # would count that process's memory in its own peak RSS (ru_maxrss survives exec).
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", tmp], check=True)
        index = json.loads(Path(tmp, "index.json").read_text())
        fixtures = [Fixture(fx["name"], fx["group"], fx["expected"], []) for fx in index]
        print(f"built {len(fixtures)} pictures in {time.perf_counter() - started:.1f} s "
              f"({sum(len(fx['pages']) for fx in index)} pages)", flush=True)
        plan = [(e, r, 1) for e in engines for r in args.readings.split(",")]
        if args.all_cores and "rapidocr" in engines:
            plan.append(("rapidocr", "pipeline", 0))
        for engine, reading, threads in plan:
            label = f"{engine} {reading}" + (" (1 thread)" if threads == 1 else " (all cores)")
            started = time.perf_counter()
            runs[label] = run_child(engine, reading, threads, tmp)
            print(f"  ran {label} in {time.perf_counter() - started:.0f} s", flush=True)
    report(fixtures, runs, args.detail)


if __name__ == "__main__":
    main()
