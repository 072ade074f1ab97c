"""Documents as the console hands them out: downloads, image previews, PDF pages, the seal."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from store import console as console_store

from console import evidence
from console.auth import EVERYONE, guarded


def _document(request: Request):
    """The document and its bytes from the archive, or (None, None)."""
    doc = console_store.document(request.app.state.store, request.path_params["document_id"])
    if doc is None or not doc.archive_path:
        return None, None
    root = Path(request.app.state.settings.store.archive_dir).resolve()
    path = (root / doc.archive_path).resolve()
    if root not in path.parents or not path.is_file():
        return None, None
    return doc, path.read_bytes()


def _missing() -> Response:
    return Response("文件不存在或已不在存档中。", status_code=404, media_type="text/plain; charset=utf-8")


def _unavailable(err: Exception) -> Response:
    return Response(str(err), status_code=415, media_type="text/plain; charset=utf-8")


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png")


@guarded(roles=EVERYONE)
def download(request: Request) -> Response:
    """Always an attachment, never shown inline: a sender's HTML or SVG cannot run here."""
    doc, data = _document(request)
    if doc is None:
        return _missing()
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in doc.filename)
    disposition = f"attachment; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(doc.filename)}"
    return Response(data, media_type="application/octet-stream", headers={"content-disposition": disposition})


@guarded(roles=EVERYONE)
def image(request: Request) -> Response:
    doc, data = _document(request)
    if doc is None or evidence.preview_kind(doc.filename) != "image":
        return _missing()
    try:
        body, media_type = evidence.image_for_browser(data)
    except evidence.PreviewUnavailable as err:
        return _unavailable(err)
    return Response(body, media_type=media_type)


@guarded(roles=EVERYONE)
def pdf_page(request: Request) -> Response:
    doc, data = _document(request)
    index = request.path_params["index"]
    if doc is None or evidence.preview_kind(doc.filename) != "pdf" or index >= evidence.MAX_PAGES:
        return _missing()
    try:
        png, _ = evidence.pdf_page(data, index)
    except evidence.PreviewUnavailable as err:
        return _unavailable(err)
    return _png(png) if png else _missing()


@guarded(roles=EVERYONE)
def media(request: Request) -> Response:
    doc, data = _document(request)
    pictures = evidence.docx_media(data) if doc is not None and evidence.preview_kind(doc.filename) == "docx" else []
    index = request.path_params["index"]
    if index >= len(pictures):
        return _missing()
    try:
        body, media_type = evidence.image_for_browser(pictures[index][1])
    except evidence.PreviewUnavailable as err:
        return _unavailable(err)
    return Response(body, media_type=media_type)


@guarded(roles=EVERYONE)
def seal(request: Request) -> Response:
    """The likeliest seal of a document, cropped: the reddest picture of a .docx, the image
    itself, or the first page of a PDF; the whole picture when nothing is red."""
    doc, data = _document(request)
    kind = evidence.preview_kind(doc.filename) if doc is not None else None
    try:
        if kind == "image":
            picture = data
        elif kind == "docx":
            pictures = [p for _, p in evidence.docx_media(data)]
            if not pictures:
                return _missing()
            picture = max(pictures, key=evidence.red_share)
        elif kind == "pdf":
            picture, _ = evidence.pdf_page(data, 0)
            if picture is None:
                return _missing()
        else:
            return _missing()
        return _png(evidence.seal_crop(picture))
    except evidence.PreviewUnavailable as err:
        return _unavailable(err)
