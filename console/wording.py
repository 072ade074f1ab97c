"""The console's Chinese: the one table of labels for codes the store keeps in English.

Every code, enum value or status a page shows goes through `label`; finding
codes take their titles from notifier/templates/findings.j2 and review_flags.j2
(the same words the replies and the digest use). A code without a label shows
as a Chinese placeholder, never as itself, and is logged so that one is added.
"""
from __future__ import annotations

import errno
import logging
import re

from notifier.digest import ACTION_LABELS, REPLY_LABELS
from notifier.registry import STATUS_LABELS, finding_title

__all__ = ["ACTION_LABELS", "CLASS_LABELS", "KIND_LABELS", "NOTICE_CODES", "OUTBOX_LABELS", "REPLY_LABELS",
           "STAMP_LABELS", "STATUS_LABELS", "error_text", "finding_title", "label"]

log = logging.getLogger("intake.console")

CLASS_LABELS = {
    "submission": "报名", "correction": "补正", "observer": "观摩报名", "inquiry": "咨询",
    "auto_reply": "自动回复", "bounce": "退信", "duplicate": "重复来信", "own_mail": "本邮箱发出",
    "unreadable": "无法解析",
}
MESSAGE_STATUS_LABELS = {"pending": "待处理", "processed": "已处理", "quarantined": "处理出错（已隔离）"}
VERDICT_LABELS = {"accepted": "材料齐全", "deficient": "需补正"}
KIND_LABELS = {
    "entry_form": "报名表（附件2）", "enterprise_nomination": "优秀企业报名表（附件3）",
    "promoter_nomination": "优秀推进者报名表（附件4）", "group_registration": "QC小组注册登记表（附件5）",
    "team_nomination": "质量信得过班组报名表（附件6）", "activity_statistics": "活动统计表（附件7）",
    "nomination_summary": "推荐汇总表（附件8）", "qc_report": "成果报告", "presentation": "发表材料",
    "scan": "扫描件", "other": "其他文件",
}
STAMP_LABELS = {"present": "有公章", "absent": "未见公章", "uncertain": "公章不确定"}
SEVERITY_LABELS = {"deficiency": "需补正", "review": "需核查"}
OUTBOX_LABELS = {"queued": "等待发送", "sending": "正在发送", "sent": "已发送", "failed": "发送失败",
                 "uncertain": "不确定是否送达"}
# Deficiencies the secretariat may put in a notice, with the sentence used when
# the registration has no such finding of its own to quote.
NOTICE_CODES = {
    "MISSING_ENTRY_FORM": "未收到该成果的竞赛活动报名表（附件2）。",
    "MISSING_QC_REPORT": "未收到该成果的QC小组成果报告。",
    "QC_REPORT_NOT_WORD": "成果报告未提供Word版。",
    "MISSING_STAMP": "经秘书处核查，报名表上未见清晰的单位公章。",
    "MISSING_FIELD": "报名表有栏目未填写。",
    "INVALID_TOPIC_TYPE": "课题类型填写不符合要求。",
    "PRESENTER_COUNT": "发表人数不符合要求。",
    "WORD_LIMIT": "部分内容超过规定字数。",
    "CONFIDENTIAL_MARKING": "材料中含有涉密标识或涉密内容。",
    "UNREADABLE_DOCUMENT": "有文件无法打开。",
    "INCONSISTENT_DOCUMENTS": "各表中的小组名称、人数或课题类型不一致。",
}
# The free-text item of a notice (its title is in notifier/templates/findings.j2).
NOTE_CODE = "SECRETARIAT_NOTE"

# What a message is, for the count by kind: its class once processed, else its status.
MAIL_LABELS = {**MESSAGE_STATUS_LABELS, **CLASS_LABELS}

_TABLES = {"class": CLASS_LABELS, "status": STATUS_LABELS, "message_status": MESSAGE_STATUS_LABELS,
           "mail": MAIL_LABELS, "verdict": VERDICT_LABELS, "kind": KIND_LABELS, "stamp": STAMP_LABELS,
           "severity": SEVERITY_LABELS, "outbox": OUTBOX_LABELS, "action": ACTION_LABELS, "reply": REPLY_LABELS}
# Shown for a code no table knows (a new one): Chinese, and the detail beside it still says what it is.
UNKNOWN = {"finding": "其他事项"}
UNKNOWN_LABEL = "未分类"


def label(table: str, code: str | None) -> str:
    """The Chinese for a code of one table; '' for None; a Chinese placeholder when unknown."""
    if code is None or code == "":
        return ""
    known = finding_title(code) if table == "finding" else _TABLES[table].get(code, code)
    if known == code and not _looks_chinese(code):
        log.warning("Console: no Chinese label for %s code %r", table, code)
        return UNKNOWN.get(table, UNKNOWN_LABEL)
    return known


def _looks_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Why processing failed, as `note_failure` recorded it ("OSError: [Errno 28] ..."), said in Chinese.
_ERRNO_TEXT = {errno.ENOSPC: "存档所在磁盘已满", errno.EDQUOT: "存档所在磁盘已满",
               errno.EROFS: "存档目录不可写入", errno.EACCES: "存档目录不可写入", errno.EPERM: "存档目录不可写入",
               errno.EIO: "存档读写出错"}
_ERRNO = re.compile(r"\[Errno (\d+)\]")
_DATABASE = ("OperationalError", "DatabaseError", "IntegrityError", "database is locked")


def error_text(error: str | None) -> str:
    """A stored processing error in words for the secretariat; the raw text stays in the log.

    Reasons the pipeline wrote in Chinese (an unreadable mail) are kept as they are."""
    if not error:
        return ""
    if _looks_chinese(error):
        return error
    if (found := _ERRNO.search(error)) and int(found.group(1)) in _ERRNO_TEXT:
        return _ERRNO_TEXT[int(found.group(1))]
    if any(word in error for word in _DATABASE):
        return "数据库暂时无法写入"
    return "程序处理出错（详情见日志）"
