"""Did the mail bring files we can read at all?"""
from __future__ import annotations

from intake.model import Finding, Submission
from intake.extractors import INTERNAL_FAILURE
from intake.validators.context import RuleContext, deficiency, review


def check_has_documents(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """NO_DOCUMENTS, or LINK_ONLY_ATTACHMENT when the files are 163 download links."""
    if any(doc.error is None for doc in sub.documents):
        return []
    if sub.link_files:
        names = "、".join(f"《{name}》" for name in sub.link_files)
        return [deficiency("LINK_ONLY_ATTACHMENT",
                           f"{names}以“超大附件”下载链接形式发送，未作为附件随邮件送达，系统无法自动接收。")]
    if not sub.documents:
        return [deficiency("NO_DOCUMENTS", "邮件中没有附件。")]
    return [deficiency("NO_DOCUMENTS", "邮件中的附件均无法读取。")]


def check_readable(sub: Submission, ctx: RuleContext) -> list[Finding]:
    """UNREADABLE_DOCUMENT for each corrupt, encrypted or unsupported file.

    When reading failed on our side (a reader bug), the sender is not to
    blame: a person looks at the file instead.
    """
    return [review("MANUAL_REVIEW", doc.error, document=doc.filename) if doc.error == INTERNAL_FAILURE
            else deficiency("UNREADABLE_DOCUMENT", doc.error, document=doc.filename)
            for doc in sub.documents if doc.error]
