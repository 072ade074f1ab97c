"""The console's Chinese: labels for codes the store keeps in English."""
from __future__ import annotations

from notifier.digest import ACTION_LABELS, REPLY_LABELS
from notifier.registry import STATUS_LABELS, finding_title

__all__ = ["ACTION_LABELS", "CLASS_LABELS", "KIND_LABELS", "NOTICE_CODES", "OUTBOX_LABELS", "REPLY_LABELS",
           "STAMP_LABELS", "STATUS_LABELS", "finding_title", "label"]

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

_TABLES = {"class": CLASS_LABELS, "status": STATUS_LABELS, "message_status": MESSAGE_STATUS_LABELS,
           "verdict": VERDICT_LABELS, "kind": KIND_LABELS, "stamp": STAMP_LABELS, "severity": SEVERITY_LABELS,
           "outbox": OUTBOX_LABELS, "action": ACTION_LABELS, "reply": REPLY_LABELS}


def label(table: str, code: str | None) -> str:
    """The Chinese for a code of one table; the code itself when unknown, '' for None."""
    if code is None:
        return ""
    if table == "finding":
        return finding_title(code)
    return _TABLES[table].get(code, code)
