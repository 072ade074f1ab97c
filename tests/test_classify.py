"""Who gets an automatic answer: a mail is a registration only on evidence (SPEC §5).

Real mails through the pipeline; what is asserted is what the sender and the
secretariat see: the classification with its reason, and whether a reply
is queued.
"""
from __future__ import annotations

import dataclasses
import functools

import pytest

from intake.base.config import load_settings
from samples import _docx as d
from samples.forms import entry_form_docx
from samples.mails import submission_mail
from samples.mails_other import inquiry_mail
from samples.mails_raw import odd_mail
from samples.report_personal import HEADINGS, personal_report_docx
from samples.entries import sample_entry
from samples.scans import photo_of_scene, scan_of_form_png, scan_pdf
from samples.seals import seal_png
from intake.run.pipeline import Pipeline
from tests.configs import feed, write_config


@pytest.fixture
def pipeline(tmp_path):
    pipe = Pipeline.open(load_settings(write_config(tmp_path)))
    yield pipe
    pipe.close()


def codes(outcome: dict) -> list[str]:
    return sorted(f["code"] for f in outcome["deficiencies"])


@functools.lru_cache(maxsize=None)
def course_notice_docx() -> bytes:
    """Another body's QC training course: the steps listed as a syllabus, and its own 报名回执."""
    doc = d.new_document()
    d.title(doc, "关于举办2023年QC小组活动骨干培训班的通知")
    d.para(doc, "各会员单位：为提高QC小组活动水平，我中心定于3月15日至17日在太原举办QC小组活动骨干培训班。")
    d.para(doc, "培训内容：")
    for n, step in enumerate(("选择课题", "现状调查", "设定目标", "原因分析", "要因确认", "制定对策",
                              "对策实施", "效果检查", "巩固措施", "总结和下一步打算"), 1):
        d.para(doc, f"{n}. {step}")
    d.para(doc, "培训费：每人1800元（含资料费），食宿统一安排，费用自理。请于3月10日前将报名回执发送至会务组。")
    d.para(doc, "开户行：中国工商银行太原迎泽支行　户名：山西某某质量咨询中心")
    d.title(doc, "报名回执", size=14)
    table = d.grid_table(doc, 4, 4)
    d.fill_row(table, 0, ("单位名称", "", "邮编", ""))
    d.fill_row(table, 1, ("通讯地址", "", "联系人", ""))
    d.fill_row(table, 2, ("参训人员", "", "电话", ""))
    d.fill_row(table, 3, ("职务", "", "是否住宿", ""))
    return d.to_bytes(doc)


@pytest.mark.parametrize("style", range(len(HEADINGS)))
def test_a_report_written_in_other_words_is_still_the_report(pipeline, style):
    data = sample_entry(style + 1)  # seeds 1–3 are 问题解决型 topics, as the report is written
    files = [("报名表.docx", entry_form_docx(data, seal=seal_png(data.enterprise))),
             (f"{data.group}成果.docx", personal_report_docx(data, style=style, numbering=style))]
    outcome = feed(pipeline, submission_mail(data, files))
    assert outcome["classification"] == "submission"
    assert {doc["kind"] for doc in outcome["documents"]} == {"entry_form", "qc_report"}
    assert outcome["verdict"] == "accepted" and outcome["reply"]["type"] == "acknowledgement"
    assert not [f for f in outcome["review_flags"] if f["code"] == "REPORT_STRUCTURE"]


def test_a_course_advertisement_with_its_own_reply_form_gets_no_answer(pipeline):
    raw = odd_mail(sender="peixun@zhiliang-zx.cn", sender_name="山西某某质量咨询中心",
                   subject="关于举办2023年QC小组活动骨干培训班的通知（附报名回执）",
                   text="各会员单位：\n现将QC小组活动骨干培训班通知及报名回执发给你们，请组织报名。\n会务组",
                   attachments=[("培训班通知及报名回执.docx", course_notice_docx())])
    outcome = feed(pipeline, raw)
    assert outcome["classification"] == "inquiry"
    assert outcome["reply"] is None and not pipeline.store.all_replies()
    assert [doc["kind"] for doc in outcome["documents"]] == ["other"], "their 回执 is not our 报名表"
    assert "培训班" in outcome["classification_reason"]


def test_photos_alone_are_no_registration(pipeline):
    raw = odd_mail(sender="wangli@126.com", sender_name="王丽", subject="上周活动的照片",
                   text="任老师好，上周活动的照片发给您，请查收。",
                   attachments=[(f"IMG_48{n}.JPG", photo_of_scene(seed=n)) for n in range(3)])
    outcome = feed(pipeline, raw)
    assert outcome["classification"] == "inquiry" and outcome["reply"] is None
    assert "没有识别出本次竞赛的报名表或成果报告" in outcome["classification_reason"]


def test_a_stamped_contract_scan_is_no_registration(pipeline):
    page = scan_of_form_png(["技术服务合同", "甲方：山西某某通信工程有限公司", "乙方：太原某某科技有限公司",
                             "合同金额：人民币叁万元整"], seal=seal_png("太原某某科技有限公司"))
    raw = odd_mail(sender="sales@tyky-tech.cn", sender_name="太原某某科技", subject="合同扫描件",
                   text="您好，盖章合同扫描件见附件。", attachments=[("扫描全能王 2023-02-27 10.15.pdf", scan_pdf([page]))])
    outcome = feed(pipeline, raw)
    assert outcome["classification"] == "inquiry" and outcome["reply"] is None


def test_a_registration_that_forgot_its_files_is_told_so(pipeline):
    data = sample_entry(11)
    raw = submission_mail(data, [], subject=f"2023年QC成果竞赛报名材料-{data.enterprise}",
                          body="任老师您好：\n我单位QC小组成果竞赛报名表和成果报告见附件，请查收。\n谢谢！")
    outcome = feed(pipeline, raw)
    assert outcome["classification"] == "submission"
    assert codes(outcome) == ["NO_DOCUMENTS"] and outcome["reply"]["type"] == "deficiency_notice"
    assert "报名参加本次竞赛" in outcome["classification_reason"]


def test_a_question_about_registering_is_left_to_a_person(pipeline):
    outcome = feed(pipeline, inquiry_mail("liu.qc@sx.chinamobile.com", "请问QC成果竞赛报名表必须盖公章吗？扫描件可以吗？"))
    assert outcome["classification"] == "inquiry" and outcome["reply"] is None


def test_a_read_receipt_is_never_answered(pipeline):
    report = ("Reporting-UA: mail.example.cn\r\nFinal-Recipient: rfc822; zhang@example.cn\r\n"
              "Original-Message-ID: <abc@sxcia.example>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n")
    raw = ("From: =?UTF-8?B?5byg5LyfIA==?= <zhang@example.cn>\r\nTo: 18603456030@163.com\r\n"
           "Subject: =?UTF-8?B?5bey6K+7OiDlhbPkuo5RQ+aIkOaenOernui1m+eahOWbnuaJpw==?=\r\n"
           "Date: Tue, 21 Feb 2023 10:12:05 +0800\r\nMessage-ID: <mdn1@example.cn>\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/report; report-type=disposition-notification; boundary="b1"\r\n\r\n'
           "--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nYour message was displayed.\r\n"
           f"--b1\r\nContent-Type: message/disposition-notification\r\n\r\n{report}\r\n--b1--\r\n").encode()
    outcome = feed(pipeline, raw)
    assert outcome["classification"] == "auto_reply" and outcome["reply"] is None
    assert outcome["classification_reason"] == "已读回执"


def test_a_photo_of_the_form_beside_the_report_goes_to_a_person_not_back_as_missing(pipeline):
    """The notice asks for the stamped form: a photo of it is one, even if we cannot read it."""
    data = sample_entry(12)
    files = [("IMG_4821.JPG", photo_of_scene(seed=9)),
             (f"{data.topic}.docx", personal_report_docx(data, style=1))]
    outcome = feed(pipeline, submission_mail(data, files))
    assert outcome["classification"] == "submission"
    assert "MISSING_ENTRY_FORM" not in codes(outcome)
    assert any("IMG_4821.JPG" in f["detail"] for f in outcome["review_flags"] if f["code"] == "MANUAL_REVIEW")


def test_a_thank_you_to_our_receipt_gets_no_second_receipt(pipeline):
    data = sample_entry(2)
    files = [("报名表.docx", entry_form_docx(data, seal=seal_png(data.enterprise))),
             ("成果报告.docx", personal_report_docx(data))]
    first = feed(pipeline, submission_mail(data, files))
    receipt = pipeline.store.all_replies()[-1]
    thanks = submission_mail(data, [], subject=f"回复：{receipt.subject}", body="收到，谢谢！",
                             in_reply_to=receipt.reply_message_id, references=(receipt.reply_message_id,))
    outcome = feed(pipeline, thanks)
    assert first["reply"]["type"] == "acknowledgement"
    assert outcome["classification"] == "inquiry" and outcome["reply"] is None
    assert len(pipeline.store.all_replies()) == 1
    assert first["submissions"][0]["number"] in outcome["classification_reason"]


# -- the classifier on its own ------------------------------------------------------------

def test_the_envelope_decides_our_own_mail_and_a_citation_with_files():
    from intake.mime.parse import parse_mail
    from intake.sort.classify import classify_envelope

    data = sample_entry(5)
    ours = parse_mail(submission_mail(dataclasses.replace(data, sender="qc@sxcia.example"), []))
    cited = parse_mail(submission_mail(data, [("报名表.docx", entry_form_docx(data))]))
    own = frozenset({"qc@sxcia.example"})
    assert classify_envelope(ours, own_addresses=own, duplicate=False, cites=None).kind.value == "own_mail"
    found = classify_envelope(cited, own_addresses=own, duplicate=False, cites="邮件引用总编号QC2023-001，按补正处理")
    assert found.kind.value == "correction" and "QC2023-001" in found.reason
    assert classify_envelope(cited, own_addresses=own, duplicate=False, cites=None) is None


def test_words_alone_without_our_competition_are_no_registration(tmp_path):
    from intake.base.config import load_settings
    from intake.mime.parse import parse_mail
    from intake.sort.classify import classify_content

    competition = load_settings(write_config(tmp_path)).competition
    data = sample_entry(6)
    training = parse_mail(submission_mail(data, [], subject="QC小组培训班报名",
                                          body="我单位报名参加贵中心的QC小组成果发表培训班，培训费已汇款，请查收。"))
    ours = parse_mail(submission_mail(data, [], subject="QC成果竞赛报名",
                                      body="我单位报名参加2023年全省全面质量管理成果竞赛，报名材料随后发送。"))
    assert classify_content(training, (), competition).kind.value == "inquiry"
    assert classify_content(ours, (), competition).kind.value == "submission"
