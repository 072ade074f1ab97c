"""Did the mail bring files we can read at all?"""
from __future__ import annotations

from intake.extractors.failures import INTERNAL_FAILURE
from intake.mime.links import MAIL_PROVIDERS, PROVIDERS
from intake.base.model import Finding, LinkAttachment, Submission
from intake.validators.context import RuleContext, deficiency, review


def check_has_documents(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """NO_DOCUMENTS when no file came; LINK_ONLY_ATTACHMENT naming each file that came only
    as a download link (超大附件, 网盘) and could not be fetched, also beside attached files.

    A share link that names no file, in a mail whose files did arrive, may hold
    extras: a person looks at it rather than the sender being told to resend.
    """
    readable = any(doc.error is None for doc in sub.documents)
    named = [link for link in sub.link_files if link.filename]
    unnamed = [link for link in sub.link_files if not link.filename]
    if not readable and not sub.link_files:
        return [deficiency("NO_DOCUMENTS", "邮件中的附件均无法读取。" if sub.documents else "邮件中没有附件。")]
    findings = []
    if named or (unnamed and not readable):
        findings.append(deficiency("LINK_ONLY_ATTACHMENT", _link_only_detail(named if readable else sub.link_files)))
    if unnamed and readable:
        findings.append(review("MANUAL_REVIEW", f"邮件正文含{_describe(unnamed)}，系统未能自动下载，"
                                                "请人工查看其中是否有需要登记的材料。"))
    return findings


def _link_only_detail(links: list[LinkAttachment]) -> str:
    return (f"{_describe(links)}以下载链接形式发送，未作为附件随邮件送达，系统无法自动接收"
            f"{'（网盘分享需要提取码或登录才能下载）' if any(not _is_mail_link(link) for link in links) else ''}。"
            "请将这些文件直接作为邮件附件发送；文件较大时，请压缩或分成几封邮件发送，"
            "使每封邮件的附件不超过邮箱普通附件的大小上限（超过上限时邮箱会自动改为“超大附件”链接）。")


def _describe(links: list[LinkAttachment]) -> str:
    """《报名材料.zip》（网易邮箱超大附件）、一个百度网盘分享链接（提取码 ab12）"""
    parts = []
    for link in links:
        kind = PROVIDERS.get(link.provider, "下载链接")
        code = f"，提取码 {link.code}" if link.code else ""
        parts.append(f"《{link.filename}》（{kind}{code}）" if link.filename
                     else f"一个{kind}{'' if _is_mail_link(link) else '分享'}链接（{link.url or '地址不全'}{code}）")
    return "、".join(parts)


def _is_mail_link(link: LinkAttachment) -> bool:
    return link.provider in MAIL_PROVIDERS


def check_readable(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """UNREADABLE_DOCUMENT for each corrupt, encrypted or unsupported file.

    When reading failed on our side (a reader bug), the sender is not to
    blame: a person looks at the file instead.
    """
    return [review("MANUAL_REVIEW", doc.error, document=doc.filename) if doc.error == INTERNAL_FAILURE
            else deficiency("UNREADABLE_DOCUMENT", doc.error, document=doc.filename)
            for doc in sub.documents if doc.error]
