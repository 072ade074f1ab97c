"""Fetch the files a mail offers as download links, where a link gives the file itself.

Safety first: nothing is fetched unless `[links] fetch` is on; only mail
providers' 超大附件 links without a 提取码 are tried (a cloud-drive share is
a page behind a login or a code); the first request and every redirect must
go to an allowed host, over https unless the host is allowed plain http;
a file larger than `max_mb` or slower than the time limits is given up. An
HTML answer is a login or download page: not fetchable. A fetched file is
archived before anything reads it, and a re-run reads that copy.
"""
from __future__ import annotations

import http.client
import logging
import mimetypes
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from intake.fetch.archive import Archive, safe_filename, sha256_hex
from intake.base.config import LinksSettings
from intake.mime.links import MAIL_PROVIDERS, links_in_mail
from intake.base.model import Attachment, IncomingMail, LinkAttachment

log = logging.getLogger(__name__)

# A whole download ends well before `intake.run.prepare` gives up on the message (300 s).
DOWNLOAD_SECONDS = 240.0
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_CHUNK = 1 << 16


class NotFetchable(Exception):
    """The link does not give the file (a page, a login, refused, too big, too slow)."""


@dataclass(frozen=True)
class Harvest:
    """What a mail's links brought: files to read, and links whose files did not arrive."""

    files: tuple[Attachment, ...] = ()
    missing: tuple[LinkAttachment, ...] = ()


@dataclass(frozen=True)
class LinkFetcher:
    """Downloads links into the archive under the [links] settings (picklable: it crosses
    into the worker processes)."""

    settings: LinksSettings
    archive_root: Path

    @classmethod
    def configured(cls, settings: LinksSettings, archive: Archive) -> "LinkFetcher | None":
        return cls(settings, archive.root) if settings.fetch else None

    def fetch(self, message_sha: str, link: LinkAttachment) -> Attachment | None:
        """The link's file from the archive, else downloaded and archived; None if not fetchable."""
        archive = Archive(self.archive_root)
        kept = archive.fetched_link(message_sha, link.url)
        if kept is None:
            try:
                name, payload = download(link, self.settings)
            except NotFetchable as why:
                log.info("Links: %s not fetched: %s", link.url, why)
                return None
            path = archive.store_fetched_link(message_sha, link.url, name, payload)
            kept = (PurePosixPath(path).name, payload)
        name, payload = kept
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Attachment(filename=name, content_type=content_type, payload=payload, sha256=sha256_hex(payload),
                          origin=f"超大附件/{name}")


def harvest_links(mail: IncomingMail, fetcher: LinkFetcher | None = None) -> Harvest:
    """Fetch what may be fetched; a link whose file is attached anyway is no gap."""
    attached = {attachment.filename for attachment in mail.attachments}
    files, missing = [], []
    for link in links_in_mail(mail):
        if link.filename and link.filename in attached:
            continue
        file = fetcher.fetch(mail.raw_sha256, link) if fetcher and may_fetch(link) else None
        (files if file else missing).append(file or link)
    return Harvest(tuple(files), tuple(missing))


def may_fetch(link: LinkAttachment) -> bool:
    """Only a mail provider's 超大附件 can be a direct download; a share needing a code never is."""
    return bool(link.url) and link.code is None and link.provider in MAIL_PROVIDERS


def download(link: LinkAttachment, settings: LinksSettings) -> tuple[str, bytes]:
    """(file name, bytes) from the link, or NotFetchable saying why."""
    check_allowed(link.url, settings)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _GuardedRedirects(settings))
    request = urllib.request.Request(link.url, headers={"User-Agent": "Mozilla/5.0 (intake)", "Accept": "*/*"})
    cap = int(settings.max_mb * 1024 * 1024)
    try:
        with opener.open(request, timeout=settings.timeout) as response:
            if response.headers.get_content_type() in _HTML_TYPES:
                raise NotFetchable("the link answers with a web page (login or download page)")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise NotFetchable(f"{int(declared)} bytes, more than max_mb")
            payload = _read_capped(response, cap)
            served = _served_name(response.headers)
    except NotFetchable:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        raise NotFetchable(f"{type(err).__name__}: {err}") from None
    if payload.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise NotFetchable("the link answers with a web page (login or download page)")
    return _file_name(link, served), payload


def check_allowed(url: str, settings: LinksSettings) -> None:
    """Raise NotFetchable unless the address is on an allowed host, over an allowed scheme."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if "@" in parts.netloc or not any(_host_matches(host, allowed) for allowed in settings.hosts):
        raise NotFetchable(f"host {host or '?'} is not allowed")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in settings.http_hosts):
        raise NotFetchable(f"{parts.scheme}:// is not allowed for {host}")


def _host_matches(host: str, allowed: str) -> bool:
    allowed = allowed.lower()
    return host.endswith(allowed[1:]) if allowed.startswith("*.") else host == allowed


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an allowed host, and only a few times."""

    max_redirections = 5

    def __init__(self, settings: LinksSettings):
        super().__init__()
        self.settings = settings

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_allowed(newurl, self.settings)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_capped(response, cap: int) -> bytes:
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    chunks, size = [], 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > cap:
            raise NotFetchable("larger than max_mb")
        if time.monotonic() > deadline:
            raise NotFetchable(f"still downloading after {DOWNLOAD_SECONDS:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _served_name(headers) -> str:
    """The name in Content-Disposition; raw UTF-8 or GBK bytes arrive read as Latin-1."""
    name = headers.get_filename() or ""
    try:
        raw = name.encode("latin-1")
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def _file_name(link: LinkAttachment, served: str) -> str:
    """The body's name when it has an extension (what the sender sees), else the server's,
    else the address's last part."""
    from_url = unquote(PurePosixPath(urlsplit(link.url).path).name)
    for name in (link.filename, served, from_url):
        if name and PurePosixPath(name).suffix:
            return safe_filename(name)
    return safe_filename(link.filename or served or from_url, fallback="超大附件")
