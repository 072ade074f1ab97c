"""Documents as the console hands them out: downloads, image previews, PDF pages, the seal.

Every picture is made once and then served from the disk (console/previews.py):
the archived file is read only to download it or to draw a picture not drawn yet.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from store import console as console_store
from store.console import REVIEWER

from console import evidence, previews
from console.auth import EVERYONE, guarded


def _document(request: Request):
    """The document and the path of its archived file, or (None, None)."""
    doc = console_store.document(request.app.state.store, request.path_params["document_id"])
    if doc is None or not doc.archive_path:
        return None, None
    # An expert reads the registered results' files, not the mailbox (inquiries, unregistered mail).
    if request.state.account.role == REVIEWER and doc.registration_id is None:
        return None, None
    root = Path(request.app.state.settings.store.archive_dir).resolve()
    path = (root / doc.archive_path).resolve()
    if root not in path.parents or not path.is_file():
        return None, None
    return doc, path


def _missing() -> Response:
    return Response("文件不存在或已不在存档中。", status_code=404, media_type="text/plain; charset=utf-8")


def _unavailable(err: Exception) -> Response:
    return Response(str(err), status_code=415, media_type="text/plain; charset=utf-8")


def _picture(request: Request, kind: str, picture: str, draw) -> Response:
    """A picture of a document of the given preview kind: `draw(file bytes)` → (bytes, media type)
    or None, run once per document and picture; then from the cache."""
    doc, path = _document(request)
    if doc is None or evidence.preview_kind(doc.filename) != kind:
        return _missing()
    root = Path(request.app.state.settings.store.archive_dir).resolve()
    try:
        shown = previews.preview(root, doc.sha256, picture, lambda: draw(path.read_bytes()))
    except evidence.PreviewUnavailable as err:
        return _unavailable(err)
    if shown is None:
        return _missing()
    return Response(shown[0], media_type=shown[1])


@guarded(roles=EVERYONE)
def download(request: Request) -> Response:
    """Always an attachment, never shown inline: a sender's HTML or SVG cannot run here."""
    doc, path = _document(request)
    if doc is None:
        return _missing()
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in doc.filename)
    disposition = f"attachment; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(doc.filename)}"
    return Response(path.read_bytes(), media_type="application/octet-stream",
                    headers={"content-disposition": disposition})


@guarded(roles=EVERYONE)
def image(request: Request) -> Response:
    return _picture(request, "image", "image", evidence.image_for_browser)


def _page(data: bytes, index: int):
    png, _ = evidence.pdf_page(data, index)
    return (png, "image/png") if png else None


@guarded(roles=EVERYONE)
def pdf_page(request: Request) -> Response:
    index = request.path_params["index"]
    if index >= evidence.MAX_PAGES:
        return _missing()
    return _picture(request, "pdf", f"page-{index}", lambda data: _page(data, index))


def _medium(data: bytes, index: int):
    pictures = evidence.docx_media(data)
    return evidence.image_for_browser(pictures[index][1]) if index < len(pictures) else None


@guarded(roles=EVERYONE)
def media(request: Request) -> Response:
    index = request.path_params["index"]
    if index >= evidence.MAX_MEDIA:
        return _missing()
    return _picture(request, "docx", f"media-{index}", lambda data: _medium(data, index))


def _seal(kind: str, data: bytes):
    """The likeliest seal of a document, cropped: the reddest picture of a .docx, the image
    itself, or the first page of a PDF; the whole picture when nothing is red."""
    if kind == "image":
        picture = data
    elif kind == "docx":
        pictures = [p for _, p in evidence.docx_media(data)]
        if not pictures:
            return None
        picture = max(pictures, key=evidence.red_share)
    else:
        picture, _ = evidence.pdf_page(data, 0)
        if picture is None:
            return None
    return evidence.seal_crop(picture), "image/png"


@guarded(roles=EVERYONE)
def seal(request: Request) -> Response:
    doc, _ = _document(request)
    kind = evidence.preview_kind(doc.filename) if doc is not None else None
    if kind is None:
        return _missing()
    return _picture(request, kind, "seal", lambda data: _seal(kind, data))
