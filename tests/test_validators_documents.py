"""intake.validators.documents: did the mail bring files we can read at all?"""
from __future__ import annotations

from intake.extractors import INTERNAL_FAILURE
from intake.base.model import Severity
from intake.validators.documents import check_has_documents, check_readable
from tests.readings import basic_files, context, entry, submission


def test_mail_without_attachments_has_no_documents():
    data = entry()
    [finding] = check_has_documents(submission([], data, body="报名材料随后补发。"), context())
    assert (finding.code, finding.severity, finding.detail) == ("NO_DOCUMENTS", Severity.DEFICIENCY, "邮件中没有附件。")


def test_truncated_word_file_is_unreadable_and_named():
    data = entry()
    form_name, form = basic_files(data)[0]
    sub = submission([(form_name, form[: len(form) // 3]), basic_files(data)[1]], data)
    assert check_has_documents(sub, context()) == []
    [finding] = check_readable(sub, context())
    assert (finding.code, finding.severity, finding.document) == ("UNREADABLE_DOCUMENT", Severity.DEFICIENCY,
                                                                  form_name)
    assert "无法打开" in finding.detail and finding.detail != INTERNAL_FAILURE


def test_files_sent_only_as_a_share_link_are_asked_for_as_attachments():
    data = entry()
    body = ("您好！报名材料较大，已上传百度网盘：\n"
            "链接: https://pan.baidu.com/s/1Qx7vKp2LmN8rTz 提取码: k3m9\n谢谢！")
    [finding] = check_has_documents(submission([], data, body=body), context())
    assert (finding.code, finding.severity) == ("LINK_ONLY_ATTACHMENT", Severity.DEFICIENCY)
    assert "提取码 k3m9" in finding.detail
    assert "请将这些文件直接作为邮件附件发送" in finding.detail


def test_readable_files_need_nothing():
    data = entry()
    sub = submission(basic_files(data), data)
    assert check_has_documents(sub, context()) == [] and check_readable(sub, context()) == []
