"""Files sent as download links in the body instead of as attachments.

Mail providers write a block headed "从网易163邮箱发来的超大附件" (126, yeah.net
alike), "从QQ邮箱发来的超大附件" (腾讯企业邮箱 too) or "从139邮箱发来的超大附件",
listing each file as "报名材料.zip (25.3M, 2023年3月10日 14:30 到期)" with its
link on the same or the next line (mail.163.com/large-attachment-download/…,
mail.qq.com/cgi-bin/ftnExs_download?…, wx.mail.qq.com/ftn/download?…,
caiyun.139.com/…). Senders also paste cloud-drive shares: "链接:
https://pan.baidu.com/s/1Ab… 提取码: abcd", 阿里云盘, 夸克, 天翼云盘 ("访问码"),
123云盘, 蓝奏云 ("密码"), 微云, 115, 中国移动云盘.

The body may be the plain part, text made from the HTML part (links lost),
or the HTML itself (links kept). Finding a link says nothing about what the
mail is: classification is not decided here.
"""
from __future__ import annotations

import re

from intake.base.model import IncomingMail, LinkAttachment
from intake.mime.parse import html_to_text

__all__ = ["LinkAttachment", "PROVIDERS", "MAIL_PROVIDERS", "find_link_attachments", "links_in_mail"]

# Provider key → how a person calls it (used in replies).
PROVIDERS = {
    "netease": "网易邮箱超大附件", "qq": "QQ邮箱超大附件", "139": "139邮箱超大附件", "mail": "邮箱超大附件",
    "baidu": "百度网盘", "aliyun": "阿里云盘", "quark": "夸克网盘", "tianyi": "天翼云盘", "123pan": "123云盘",
    "lanzou": "蓝奏云", "weiyun": "腾讯微云", "115": "115网盘", "caiyun": "中国移动云盘",
}
# Mail providers' 超大附件: a download the sender's mailbox hosts, no share code.
MAIL_PROVIDERS = frozenset({"netease", "qq", "139", "mail"})

# Case-sensitive: under re.I, [^\u0080-\uffff] would refuse "i", "k" and "s" (İ, K, ſ fold to them).
_URL_TAIL = r"""(?-i:[^\s<>"'()（）\[\]\u0080-\uffff])*"""
_PROVIDER_URLS = [(key, re.compile(rf"https?://(?:{hosts}){_URL_TAIL}", re.X | re.I)) for key, hosts in [
    ("netease", r"""(?:mail|webmail)\.(?:163|126)\.com/large-attachment-download/ | mail\.yeah\.net/large-attachment-download/
                  | dashi\.163\.com/[^\s<>"'] | fs\.163\.com/"""),
    ("qq", r"""(?:(?:i?wx|exmail|m)\.)?mail\.qq\.com/(?:ftn/download|cgi-bin/ftnExs_download)
             | exmail\.qq\.com/cgi-bin/ftnExs_download | [\w-]+\.ftn\.qq\.com/ftn_handler/"""),
    ("139", r"""(?:[\w-]+\.)*mail\.10086\.cn/[^\s<>"']*(?:download|bigattach|fileshare)"""),
    ("caiyun", r"""(?:caiyun|yun)\.139\.com/(?:m/i\?|w/i/|w/r\?|shareweb/|w/\#/)"""),
    ("baidu", r"""pan\.baidu\.com/(?:s/[\w-]|share/init\?surl=)"""),
    ("aliyun", r"""(?:www\.)?(?:alipan|aliyundrive)\.com/s/\w"""),
    ("quark", r"""pan\.quark\.cn/s/\w"""),
    ("tianyi", r"""(?:h5\.)?cloud\.189\.cn/(?:t/\w|web/share\?code=|share\.html\#/t/)"""),
    ("123pan", r"""(?:www\.)?123(?:pan|684|865|912)\.(?:com|cn)/s/[\w-]"""),
    ("lanzou", r"""(?:[\w-]+\.)?i?lanzou[a-z]?\.com/(?:s/)?[\w-]{4}"""),
    ("weiyun", r"""share\.weiyun\.com/\w"""),
    ("115", r"""(?:115|115cdn)\.com/s/\w"""),
]]
_ANY_URL = re.compile(rf"https?://[\w.-]+(?::\d+)?(?:/{_URL_TAIL})?", re.I)
_TRIM = ".,;#，。；"

_HEADER = re.compile(r"从(?P<who>[^\n]{0,24}?)发来的(?:超大|云)附件")
_ITEM = re.compile(
    r"(?P<name>[^\s(（:：][^\n]*?\.[A-Za-z0-9]{1,8})\s*[(（]\s*\d+(?:\.\d+)?\s*[KMGT]B?\s*"
    r"(?:[,，]\s*(?P<expires>[^)）\n]*?))?\s*[)）]", re.I)
# HTML line breaks often fall between a file's name and its "(size, expiry)".
_SPLIT_ITEM = re.compile(r"(\.[A-Za-z0-9]{1,8})[ \t]*\n\s*(?=[(（]\s*\d+(?:\.\d+)?\s*[KMGT])", re.I)
_ANCHOR = re.compile(r"""(?is)<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>""")

# 提取码: abcd / 访问码：ab12 / 密码:abcd / ?pwd=abcd
_CODE = re.compile(r"(?:提取码|提取密码|访问码|取件码|密码|pwd|password|passwd)\s*[:：=]?\s*(?P<code>[A-Za-z0-9]{4,8})\b",
                   re.I)
_CODE_IN_URL = re.compile(r"[?&](?:pwd|password|passwd)=(?P<code>[A-Za-z0-9]{4,8})", re.I)
# 「报名材料.zip」 / 分享的文件：报名材料.zip等2个文件 / 报名材料.zip：https://…
_SHARE_NAME = re.compile(r"「(?P<a>[^」\n]{1,100})」|分享的文件[：:]\s*(?P<b>[^\n]+?)(?:等\d+个文件)?\s*(?:\n|链接|$)"
                         r"|(?P<c>[^\s：:，,「」]+\.[A-Za-z0-9]{1,8})\s*[：:]?\s*(?:链接\s*[：:]?\s*)?$")


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def links_in_mail(mail: IncomingMail) -> tuple[LinkAttachment, ...]:
    """The mail's linked files: from its HTML where it has one (the addresses are kept
    there), completed by what only its text lists."""
    found = list(find_link_attachments(mail.body_html)) if mail.body_html else []
    names, urls = {link.filename for link in found if link.filename}, {link.url for link in found}
    for link in find_link_attachments(mail.body_text):
        if (link.filename and link.filename in names) or (link.url and link.url in urls):
            continue
        found.append(link)
    return tuple(found)


def find_link_attachments(body_text: str) -> tuple[LinkAttachment, ...]:
    """The files the body offers as 超大附件 or cloud-drive links, with their links where
    the text still has them."""
    text = _SPLIT_ITEM.sub(r"\1 ", _as_text(body_text or ""))
    found = _mail_blocks(text) + _shares(text)
    unique: dict[str, LinkAttachment] = {}
    for link in found:
        unique.setdefault(link.url or f"name:{link.filename}", link)
    return tuple(unique.values())


def provider_of(url: str) -> str | None:
    """The provider whose download or share address this is, or None."""
    return next((key for key, pattern in _PROVIDER_URLS if pattern.match(url)), None)


def _known_urls(line: str, keys: frozenset[str] | None = None) -> list[str]:
    return [m[0].rstrip(_TRIM) for m in _ANY_URL.finditer(line)
            if (key := provider_of(m[0])) and (keys is None or key in keys)]


def _mail_blocks(text: str) -> list[LinkAttachment]:
    """Files listed under a "从…发来的超大附件" header, or bare mail-provider download links."""
    header = _HEADER.search(text)
    if not header and not _known_urls(text, MAIL_PROVIDERS):
        return []
    default = _header_provider(header["who"]) if header else "mail"
    items, loose = _scan(text[header.end():] if header else text, inside=bool(header))
    taken = {item[1] for item in items}
    spare = [url for url in dict.fromkeys(loose) if url not in taken]
    for item in items:  # a link printed before its file name (an icon link)
        if not item[1] and spare:
            item[1] = spare.pop(0)
    items += [["", url, None] for url in spare]
    return [LinkAttachment(name, url, expires, provider_of(url) or default if url else default)
            for name, url, expires in items]


def _scan(text: str, inside: bool) -> tuple[list[list], list[str]]:
    """Listed files in order; a link on a later line belongs to the file above it.

    Inside a provider's block any address beside a file is its link (providers move
    their download hosts); outside it, only a known mail-provider address counts."""
    items: list[list] = []
    loose: list[str] = []
    for line in text.splitlines():
        known = _known_urls(line, MAIL_PROVIDERS)
        near = known or ([m[0].rstrip(_TRIM) for m in _ANY_URL.finditer(line)] if inside else [])
        match = _ITEM.search(_ANY_URL.sub(" ", line))
        if match:
            items.append([match["name"].strip(), near[0] if near else "", _expiry(match["expires"])])
        elif near and items and not items[-1][1] and _is_download_line(line):
            items[-1][1] = near[0]
        else:
            loose += known
    return items, loose


def _is_download_line(line: str) -> bool:
    """A line that is only a link and a word such as 下载 / 进入下载页面 (not a promotion)."""
    rest = _ANY_URL.sub("", line).strip(" ：:")
    return len(rest) <= 8 and "客户端" not in rest


def _shares(text: str) -> list[LinkAttachment]:
    """Cloud-drive share links, with the file name before and the code after them."""
    matches = [m for m in _ANY_URL.finditer(text)
               if (key := provider_of(m[0])) and key not in MAIL_PROVIDERS]
    links = []
    for i, match in enumerate(matches):
        url = match[0].rstrip(_TRIM)
        start = matches[i - 1].end() if i else max(0, match.start() - 200)
        # HTML prints a share's address twice (href and text): the code follows the last copy.
        end = next((m.start() for m in matches[i + 1:] if m[0].rstrip(_TRIM) != url), len(text))
        after = text[match.end():min(end, match.end() + 240)]
        code = _CODE_IN_URL.search(url) or _CODE.search(after.split("\n\n")[0])
        links.append(LinkAttachment(_share_name(text[start:match.start()]), url, None, provider_of(url),
                                    code["code"] if code else None))
    return links


def _share_name(before: str) -> str:
    """The shared file's name as the share text gives it, else ''. Share texts also quote
    the app ("打开「夸克APP」"): a name with an extension wins, an app's name never."""
    before = "\n".join(before.rstrip().splitlines()[-3:]).rstrip()
    names = [re.sub(r"等\d+个文件$", "", next(g for g in m.groups() if g)).strip()
             for m in _SHARE_NAME.finditer(before)]
    names = [name for name in names if name and not re.search(r"APP|网盘|云盘", name, re.I)]
    return next((name for name in names if _EXTENSION.search(name)), names[0] if names else "")


def _header_provider(who: str) -> str:
    if "网易" in who or re.search(r"163|126|yeah", who, re.I):
        return "netease"
    if "QQ" in who.upper() or "腾讯" in who:
        return "qq"
    return "139" if "139" in who else "mail"


def _expiry(value: str | None) -> str | None:
    value = re.sub(r"\s*到期\s*$", "", (value or "").strip())
    return value or None


def _as_text(body: str) -> str:
    """HTML keeps each link's address beside its text; plain text is used as it is."""
    if not _ANCHOR.search(body) and not re.search(r"(?i)<(?:div|p|br|span|html|body)\b", body):
        return body
    return html_to_text(_ANCHOR.sub(lambda m: f" {m[1]} {m[2]} ", body))
