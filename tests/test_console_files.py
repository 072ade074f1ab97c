"""console/files.py over HTTP: a fed console hands out the archived files of real fixture mails —
downloads always as attachments, previews of scans and pasted seals, nothing outside the archive."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from PIL import Image
from sqlmodel import select

from samples import entry_form_docx, entry_form_lines, mails, oversized_scan_tiff, sample_entry, scan_of_form_png, seal_png
from store.models import StoredDocument
from tests.test_console_common import close, login, make_console


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    fed = make_console(tmp_path_factory.mktemp("files"), None, ("accepted", "flagged"))
    assert login(fed.client).status_code == 303
    yield fed
    close(fed)


def _documents(console, key: str) -> dict[str, StoredDocument]:
    with console.store.session() as s:
        return {d.filename: d for d in s.exec(select(StoredDocument).where(
            StoredDocument.message_id == console.message_ids[key]))}


def _by_suffix(console, key: str, suffix: str) -> StoredDocument:
    return next(d for name, d in _documents(console, key).items() if name.lower().endswith(suffix))


def _png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


def test_download_is_the_archived_file_as_an_attachment(console):
    doc = _by_suffix(console, "flagged", ".pdf")
    response = console.client.get(f"/documents/{doc.id}/download")
    archived = (console.settings.store.archive_dir / doc.archive_path).read_bytes()
    assert response.status_code == 200 and response.content == archived
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(doc.filename)}" in disposition


def test_scan_pages_and_its_seal_are_shown_as_pictures(console):
    scan = _by_suffix(console, "flagged", ".pdf")
    page = console.client.get(f"/documents/{scan.id}/page/0")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert console.client.get(f"/documents/{scan.id}/page/1").status_code == 404  # one page
    seal = console.client.get(f"/documents/{scan.id}/seal")
    # A black-and-white scan: nothing red to crop to, so the whole first page is shown.
    assert seal.status_code == 200 and _png_size(seal.content) == _png_size(page.content)


def test_the_seal_pasted_in_the_word_form_is_its_reddest_picture(console):
    form = next(d for d in _documents(console, "accepted").values() if d.kind == "entry_form")
    media = console.client.get(f"/documents/{form.id}/media/0")
    assert media.status_code == 200 and media.headers["content-type"].startswith("image/")
    assert console.client.get(f"/documents/{form.id}/seal").status_code == 200
    assert console.client.get(f"/documents/{form.id}/media/5").status_code == 404
    unstamped = next(d for d in _documents(console, "flagged").values() if d.kind == "entry_form"
                     and d.filename.endswith(".docx"))
    missing = console.client.get(f"/documents/{unstamped.id}/seal")
    assert missing.status_code == 404 and "文件不存在" in missing.text


def test_a_preview_of_the_wrong_kind_or_an_unknown_file_is_refused(console):
    report = _by_suffix(console, "flagged", ".docx")
    assert console.client.get(f"/documents/{report.id}/image").status_code == 404
    assert console.client.get(f"/documents/{report.id}/page/0").status_code == 404
    assert console.client.get("/documents/99999/download").status_code == 404


def test_a_path_outside_the_archive_is_never_served(console):
    doc = _by_suffix(console, "flagged", ".pdf")
    with console.store.session() as s:
        row = s.get(StoredDocument, doc.id)
        row.archive_path = "../config.toml"
        s.add(row)
    try:
        response = console.client.get(f"/documents/{doc.id}/download")
        assert response.status_code == 404 and "已不在存档中" in response.text
    finally:
        with console.store.session() as s:
            row = s.get(StoredDocument, doc.id)
            row.archive_path = doc.archive_path
            s.add(row)


def test_a_72_megapixel_scan_is_drawn_once_into_a_bounded_picture(tmp_path):
    """The enterprise's 1200 dpi TIFF: its preview and seal are drawn at the first view, at most
    2400 pixels a side, and served from the disk after that; the TIFF is not decoded again
    (shown here by spoiling the archived file after the first view: the pictures still come)."""
    data = sample_entry(88)
    scan = oversized_scan_tiff(scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise)))
    raw = mails.submission_mail(data, [(f"报名表-{data.group}.docx", entry_form_docx(data)),
                                       ("报名表盖章扫描件.tif", scan)])
    console = make_console(tmp_path, None, (), extra_mail={"scan": raw})
    try:
        assert login(console.client).status_code == 303
        [doc] = [d for d in _documents(console, "scan").values() if d.filename.endswith(".tif")]
        assert Image.open(io.BytesIO(scan)).size == (7350, 9800)
        first = console.client.get(f"/documents/{doc.id}/image")
        seal = console.client.get(f"/documents/{doc.id}/seal")
        assert first.status_code == 200 and max(_png_size(first.content)) <= 2400
        assert seal.status_code == 200 and max(_png_size(seal.content)) <= 2400
        (console.settings.store.archive_dir / doc.archive_path).write_bytes(b"II*\x00 spoiled")
        for _ in range(3):
            page = console.client.get(f"/registrations/{console.numbers['scan']}")
            assert page.status_code == 200 and f"/documents/{doc.id}/image" in page.text
            again = console.client.get(f"/documents/{doc.id}/image")
            assert again.status_code == 200 and again.content == first.content
            assert console.client.get(f"/documents/{doc.id}/seal").content == seal.content
    finally:
        close(console)


def test_a_pdfs_pages_are_counted_once_not_at_every_view(tmp_path):
    """Counting a PDF's pages takes a child process: the registration page asks once per file
    (shown by spoiling the archived PDF after the first view: its page links stay)."""
    fresh = make_console(tmp_path, None, ("flagged",))
    try:
        assert login(fresh.client).status_code == 303
        pdf = _by_suffix(fresh, "flagged", ".pdf")
        page = f"/registrations/{fresh.numbers['flagged']}"
        assert f"/documents/{pdf.id}/page/0" in fresh.client.get(page).text
        (fresh.settings.store.archive_dir / pdf.archive_path).write_bytes(b"%PDF-1.4 spoiled")
        assert f"/documents/{pdf.id}/page/0" in fresh.client.get(page).text
    finally:
        close(fresh)
