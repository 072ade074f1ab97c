"""Files sent as "超大附件" download links in the body instead of as attachments.

NetEase web mail (163, 126, yeah.net) adds a block headed
"从网易163邮箱发来的超大附件" listing each file as
"报名材料.zip (25.3M, 2023年3月10日 14:30 到期)" with a download link
(mail.163.com/large-attachment-download/…, dashi.163.com/…, fs.163.com/…).
QQ mail writes "从QQ邮箱发来的超大附件" and
"名称 (大小, 日期 到期)进入下载页面：http://mail.qq.com/cgi-bin/ftnExs_download?…"
or a wx.mail.qq.com/ftn/download?… link. The body may be the plain part,
text made from the HTML part (links lost), or the HTML itself (links kept).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from intake.parse import html_to_text

_HEADER = re.compile(r"从[^\n]{0,24}?发来的(?:超大|云)附件")
_DOWNLOAD = re.compile(
    r"""https?://(?:
        (?:mail|webmail)\.(?:163|126)\.com/large-attachment-download/
      | mail\.yeah\.net/large-attachment-download/
      | dashi\.163\.com/[^\s<>"']
      | fs\.163\.com/
      | (?:i?wx\.)?mail\.qq\.com/(?:ftn/download|cgi-bin/ftnExs_download)
    )[^\s<>"'()（）\[\]]*""", re.X | re.I)
_ITEM = re.compile(
    r"(?P<name>[^\s(（:：][^\n]*?\.[A-Za-z0-9]{1,8})\s*[(（]\s*\d+(?:\.\d+)?\s*[KMGT]B?\s*"
    r"(?:[,，]\s*(?P<expires>[^)）\n]*?))?\s*[)）]", re.I)
# HTML line breaks often fall between a file's name and its "(size, expiry)".
_SPLIT_ITEM = re.compile(r"(\.[A-Za-z0-9]{1,8})[ \t]*\n\s*(?=[(（]\s*\d+(?:\.\d+)?\s*[KMGT])", re.I)
_ANCHOR = re.compile(r"""(?is)<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>""")


@dataclass(frozen=True)
class LinkAttachment:
    """One file offered as a download link; `expires` as the body wrote it, e.g. "2023年3月10日 14:30"."""

    filename: str
    url: str
    expires: str | None


def find_link_attachments(body_text: str) -> tuple[LinkAttachment, ...]:
    """The files the body lists as 超大附件, with their links where the text still has them."""
    text = _SPLIT_ITEM.sub(r"\1 ", _as_text(body_text or ""))
    header = _HEADER.search(text)
    if not header and not _DOWNLOAD.search(text):
        return ()
    items, loose = _scan(text[header.start():] if header else text)
    spare = [url for url in dict.fromkeys(loose) if url not in {item[1] for item in items}]
    for item in items:  # a link printed before its file name (an icon link)
        if not item[1] and spare:
            item[1] = spare.pop(0)
    items += [["", url, None] for url in spare]
    unique = dict.fromkeys(LinkAttachment(name, url, expires) for name, url, expires in items)
    return tuple(unique)


def _scan(text: str) -> tuple[list[list], list[str]]:
    """Listed files in order; a link on a later line belongs to the file above it."""
    items: list[list] = []
    loose: list[str] = []
    for line in text.splitlines():
        urls = [url.rstrip(".,;，。；") for url in _DOWNLOAD.findall(line)]
        match = _ITEM.search(_DOWNLOAD.sub(" ", line))
        if match:
            items.append([match["name"].strip(), urls[0] if urls else "", _expiry(match["expires"])])
        elif urls and items and not items[-1][1]:
            items[-1][1] = urls[0]
        else:
            loose += urls
    return items, loose


def _expiry(value: str | None) -> str | None:
    value = re.sub(r"\s*到期\s*$", "", (value or "").strip())
    return value or None


def _as_text(body: str) -> str:
    """HTML keeps each link's address beside its text; plain text is used as it is."""
    if not _ANCHOR.search(body):
        return body
    return html_to_text(_ANCHOR.sub(lambda m: f" {m[1]} {m[2]} ", body))
