"""The notice's rules end to end: real mails through `Pipeline`, on SQLite and PostgreSQL.

What is asserted is what people see: the outcome line, the registrations
stored, and the text of the reply queued for the sender.
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
import functools
from datetime import datetime

import pytest

from intake.base.config import load_settings
from samples import mails
from samples._mime import CST
from samples.forms import (enterprise_nomination_docx, entry_form_docx, group_registration_docx,
                                   qc_report_docx, statistics_xlsx, summary_docx)
from samples.forms_extra import (entry_form_with_presenters_docx, sample_team, team_nomination_docx,
                                         write_up_docx)
from samples.report_problem import STEPS as PROBLEM_STEPS
from samples.entries import enterprise_story, sample_entry, sample_members
from samples.seals import seal_png
from intake.run.pipeline import Pipeline
from tests.configs import feed, write_config

DEADLINE = "2023-03-03T00:00:00+08:00"
# Twenty-one results of one enterprise: more than the notice allows.
TOPICS = ("降低家宽装机超时率", "提高4G基站一次开通率", "降低基站退服时长", "提高光缆抢修及时率", "降低客户投诉率",
          "提高宽带故障修复及时率", "缩短5G基站开通周期", "降低机房空调能耗", "提高铁塔巡检效率", "降低光缆中断次数",
          "提高VoLTE接通率", "降低营业厅客户等待时长", "提高电费稽核准确率", "降低蓄电池故障率", "提高工单回单准确率",
          "缩短政企专线开通时长", "降低传输网告警数量", "提高资源数据准确率", "降低装维二次上门率",
          "提高网格经理营销成功率", "降低动环监控误告警率")


@pytest.fixture
def pipeline(tmp_path, store_url):
    settings = load_settings(write_config(tmp_path, store_url=store_url, deadline=DEADLINE))
    pipe = Pipeline.open(settings)
    yield pipe
    pipe.store.close()


def codes(outcome: dict, kind: str = "deficiencies") -> list[str]:
    return sorted(f["code"] for f in outcome[kind])


def reply_text(pipeline: Pipeline) -> str:
    """The plain text of the last reply queued."""
    raw = pipeline.store.all_replies()[-1].raw
    return email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()


def reply_to(pipeline: Pipeline, data, files, original: bytes, **options) -> bytes:
    """A reply to our last notice or receipt, as a mail client threads it."""
    notice = pipeline.store.all_replies()[-1]
    message_id = str(email.message_from_bytes(original, policy=email.policy.default)["Message-ID"])
    return mails.submission_mail(data, files, subject=f"回复：{notice.subject}", in_reply_to=notice.reply_message_id,
                                 references=(message_id, notice.reply_message_id), **options)


@functools.lru_cache(maxsize=None)
def seal(enterprise: str) -> bytes:
    return seal_png(enterprise)


@functools.lru_cache(maxsize=None)
def result_files(data, *, stamped: bool = True, **report) -> tuple[tuple[str, bytes], ...]:
    return ((f"报名表-{data.group}.docx", entry_form_docx(data, seal=seal(data.enterprise) if stamped else None)),
            (f"{data.topic}成果报告.docx", qc_report_docx(data, images=0, **report)))


@functools.lru_cache(maxsize=None)
def enterprise_form(data, *, chars: int = 600, stamped: bool = True) -> bytes:
    return enterprise_nomination_docx(data.enterprise, data.phone, data.address, data.postcode,
                                      enterprise_story(data.enterprise, seed=chars, chars=chars),
                                      seal=seal(data.enterprise) if stamped else None)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2023, 2, day, hour, 0, tzinfo=CST)


# -- across mails: quota, nominations ------------------------------------------------

@functools.lru_cache(maxsize=None)
def quota_mails() -> tuple[bytes, bytes, bytes, tuple]:
    """Ten results from one address, ten from a colleague (the name typed with a space),
    one more from a third address (a full-width space at the end)."""
    base = sample_entry(600)
    name = base.enterprise
    spaced = name.replace("有限公司", "有限公司 ")
    entries = [sample_entry(600 + i, enterprise=name if i < 10 else spaced if i < 20 else name + "\u3000",
                            topic=topic, group=f"{topic[2:6]}QC小组", presenters=())
               for i, topic in enumerate(TOPICS)]
    senders = [("wang.li@sx.chinamobile.com", "王丽"), ("zhao.qiang@sx.chinamobile.com", "赵强"),
               ("1397766@qq.com", "刘洋")]
    raws = []
    for k, chunk in enumerate((entries[:10], entries[10:20], entries[20:])):
        first = dataclasses.replace(chunk[0], sender=senders[k][0], sender_name=senders[k][1])
        files = [f for e in chunk for f in result_files(e)]
        raws.append(mails.submission_mail(first, files, date=at(20 + k), body="报名材料见附件，请查收。"))
    return raws[0], raws[1], raws[2], tuple(entries)


def test_twenty_first_result_of_one_enterprise_exceeds_the_quota_across_mails(pipeline):
    first, second, third, entries = quota_mails()
    outcomes = [feed(pipeline, first), feed(pipeline, second)]
    assert [o["verdict"] for o in outcomes] == ["accepted", "accepted"]
    assert sum(len(o["submissions"]) for o in outcomes) == 20

    late = feed(pipeline, third)
    assert late["verdict"] == "deficient" and codes(late) == ["QUOTA_EXCEEDED"]
    [quota] = late["deficiencies"]
    assert quota["detail"] == (f"“{entries[20].enterprise.strip()}”此前已报名20个QC小组成果，课题“{TOPICS[20]}”是第21个，"
                               "超过同一企业最多申报20个的限制。")
    [number] = [s["number"] for s in late["submissions"]]
    assert f"【超过申报数量上限】《报名表-{entries[20].group}.docx》{quota['detail']}" in reply_text(pipeline)

    # Correcting one of the twenty does not make it a twenty-second.
    fixed = dataclasses.replace(entries[0], phone="0359-2345678")
    registered = pipeline.store.all_registrations()[0]
    again = feed(pipeline, mails.submission_mail(fixed, list(result_files(fixed)), date=at(24),
                                                 subject=f"{registered.number} 更正联系电话"))
    assert again["classification"] == "correction"
    assert again["verdict"] == "accepted", again["deficiencies"]
    statuses = {r.number: r.status for r in pipeline.store.all_registrations()}
    assert len(statuses) == 21 and statuses[number] == "deficient"
    assert list(statuses.values()).count("accepted") == 20


def test_second_enterprise_nomination_of_a_unit_in_a_later_mail(pipeline):
    data = sample_entry(610)
    files = [*result_files(data), ("附件3 优秀企业报名表.docx", enterprise_form(data))]
    first = feed(pipeline, mails.submission_mail(data, files, date=at(20)))
    assert first["verdict"] == "accepted"

    # The receipt answered with a revised form replaces it: no second nomination.
    raw_first = mails.submission_mail(data, files, date=at(20))
    revised = feed(pipeline, reply_to(pipeline, data, [("附件3 优秀企业报名表（修改）.docx",
                                                        enterprise_form(data, chars=500))], raw_first, date=at(21)))
    assert revised["classification"] == "correction" and revised["verdict"] == "accepted"

    colleague = sample_entry(611, enterprise=data.enterprise, sender="qc.office@163.com", sender_name="孙敏")
    later = feed(pipeline, mails.submission_mail(colleague, [*result_files(colleague),
                                                             ("优秀企业推荐表.docx", enterprise_form(data, chars=550))],
                                                 date=at(23)))
    assert later["verdict"] == "deficient" and codes(later) == ["NOMINATION_LIMIT"]
    [limit] = later["deficiencies"]
    assert limit["document"] == "优秀企业推荐表.docx"
    assert limit["detail"].startswith(f"“{data.enterprise}”已于2023年2月21日报送过优秀企业报名表（附件3）"
                                      "《附件3 优秀企业报名表（修改）.docx》，各会员单位限推荐1个优秀企业。")
    assert "【推荐名额超限】《优秀企业推荐表.docx》" in reply_text(pipeline)


# -- corrections see the whole registration ----------------------------------------

def test_correction_that_fixes_a_deficiency_clears_it_and_keeps_the_number(pipeline):
    data = sample_entry(620, topic_type="问题解决型", topic="降低基站退服时长")
    wrong = group_registration_docx(dataclasses.replace(data, topic_type="创新型"), sample_members(data),
                                    seal=seal(data.enterprise))
    original = mails.submission_mail(data, [*result_files(data), ("QC小组注册登记表.docx", wrong)], date=at(20))
    first = feed(pipeline, original)
    assert codes(first) == ["INCONSISTENT_DOCUMENTS"]
    number = first["submissions"][0]["number"]
    assert "报名表中的课题类型为“问题解决型”，QC小组注册登记表（附件5）《QC小组注册登记表.docx》中为“创新型”" \
        in reply_text(pipeline)

    right = group_registration_docx(data, sample_members(data), seal=seal(data.enterprise))
    fixed = feed(pipeline, reply_to(pipeline, data, [("QC小组注册登记表（更正）.docx", right)], original, date=at(21)))
    assert fixed["classification"] == "correction" and fixed["verdict"] == "accepted", fixed["deficiencies"]
    assert [s["number"] for s in fixed["submissions"]] == [number]
    [registration] = pipeline.store.all_registrations()
    assert (registration.number, registration.status) == (number, "accepted")


def test_correction_is_checked_against_the_documents_of_earlier_mails(pipeline):
    data = sample_entry(621)
    registration = group_registration_docx(data, sample_members(data), seal=seal(data.enterprise))
    original = mails.submission_mail(data, [*result_files(data, marking="秘密★1年"),
                                            ("登记表.docx", registration)], date=at(20))
    first = feed(pipeline, original)
    assert codes(first) == ["CONFIDENTIAL_MARKING"]
    number = first["submissions"][0]["number"]

    # Only a new 报名表 (with one more member): the marked report and the register still count.
    bigger = dataclasses.replace(data, members=data.members + 1)
    form = [(f"报名表-{data.group}.docx", entry_form_docx(bigger, seal=seal(data.enterprise)))]
    second = feed(pipeline, mails.submission_mail(data, form, subject=f"{number} 更正报名表", date=at(21)))
    assert second["classification"] == "correction"
    assert codes(second) == ["CONFIDENTIAL_MARKING", "INCONSISTENT_DOCUMENTS"]
    inconsistent = next(f for f in second["deficiencies"] if f["code"] == "INCONSISTENT_DOCUMENTS")
    assert inconsistent["detail"] == (f"报名表中的人数为{data.members + 1}人，QC小组注册登记表（附件5）《登记表.docx》"
                                      f"列出的小组成员（含组长）为{data.members}人，两者不一致。")


def test_confidential_marking_quoted_in_the_deficiency_notice(pipeline):
    data = sample_entry(622)
    outcome = feed(pipeline, mails.submission_mail(data, list(result_files(data, marking="机密★")), date=at(20)))
    assert codes(outcome) == ["CONFIDENTIAL_MARKING"]
    text = reply_text(pipeline)
    assert f"【材料含有涉密标识】《{data.topic}成果报告.docx》文档开头有密级或保密标识“机密★”。" in text
    assert "补正方法：报送材料不得出现涉密信息" in text

    # The fixed report, sent as a reply quoting our notice, is accepted: the quote is not the sender's.
    body = ("任老师您好，已删除密级标识，请查收。\n\n------------------ 原始邮件 ------------------\n"
            f"发件人: \"山西省通信行业协会秘书处\"\n{text}")
    fixed = feed(pipeline, reply_to(pipeline, data, [(f"{data.topic}成果报告.docx", qc_report_docx(data, images=0))],
                                    mails.submission_mail(data, list(result_files(data, marking="机密★")), date=at(20)),
                                    body=body, date=at(21)))
    assert fixed["verdict"] == "accepted", fixed["deficiencies"]


# -- the deadline --------------------------------------------------------------------

def test_mail_after_the_deadline_is_late_but_a_late_correction_goes_to_a_person(pipeline):
    data = sample_entry(630)
    late = feed(pipeline, mails.submission_mail(data, list(result_files(data)),
                                                date=datetime(2023, 3, 3, 9, 0, tzinfo=CST)))
    assert codes(late) == ["LATE_SUBMISSION"]
    assert late["deficiencies"][0]["detail"] == "邮件于2023年3月3日 09:00收到，晚于通知规定的报名截止时间（3月3日前）。"

    other = sample_entry(631)
    original = mails.submission_mail(other, list(result_files(other, stamped=False)), date=at(28))
    assert codes(feed(pipeline, original)) == ["MISSING_STAMP"]
    fixed = feed(pipeline, reply_to(pipeline, other, list(result_files(other)), original,
                                    date=datetime(2023, 3, 3, 8, 30, tzinfo=CST)))
    assert fixed["verdict"] == "accepted"
    [flag] = fixed["review_flags"]
    assert flag["code"] == "MANUAL_REVIEW" and "原报名于2023年2月28日 10:00收到，未逾期" in flag["detail"]


# -- one mail, one rule: what the sender or the secretariat is told ---------------------------

def _unstamped_nomination(data):
    return [*result_files(data), ("优秀企业报名表.docx", enterprise_form(data, stamped=False))]


def _long_story(data):
    return [*result_files(data), ("优秀企业报名表.docx", enterprise_form(data, chars=900))]


def _long_summary(data):
    return [*result_files(data), ("QC小组工作总结.docx", write_up_docx("QC小组工作总结", 3300))]


def _former_topic_type(data):
    register = group_registration_docx(dataclasses.replace(data, topic_type="攻关型"), sample_members(data),
                                       seal=seal(data.enterprise))
    return [*result_files(data), ("注册登记表.docx", register)]


def _six_presenters(data):
    form = entry_form_with_presenters_docx(data, "张伟、王芳、李娜、刘洋、陈静、杨帆", seal=seal(data.enterprise))
    return [("报名表.docx", form), (f"{data.topic}.docx", qc_report_docx(data, images=0))]


def _team_with_incident(data):
    team = team_nomination_docx(data.enterprise, "网络维护班", sample_team(data.enterprise, "网络维护班", 6),
                                address=data.address, postcode=data.postcode, contact=data.contact, phone=data.phone,
                                indicators={"年质量、安全事故数": "2"}, seal=seal(data.enterprise))
    return [*result_files(data), ("质量信得过班组报名表.docx", team)]


def _summary_disagrees(data):
    return [*result_files(data), ("推荐汇总表.docx", summary_docx([dataclasses.replace(data, members=data.members + 1)]))]


def _rates_out_of_range(data):
    return [*result_files(data), ("活动统计表.xlsx", statistics_xlsx({"本年度QC小组普及率": 126}))]


def _report_without_causes(data):
    steps = tuple(s for s in PROBLEM_STEPS if s not in ("原因分析", "确定主要原因"))
    return list(result_files(data, steps=steps))


def _internal_note(data):
    return list(result_files(data, extra_text="本报告所附网管数据仅供内部使用。"))


SINGLE_MAIL = [
    # scenario, entry overrides, code, where the finding points (document), words of the detail
    (_unstamped_nomination, {}, "MISSING_STAMP", "优秀企业报名表.docx", "优秀企业报名表（附件3）未加盖单位公章"),
    (_long_story, {}, "WORD_LIMIT", "优秀企业报名表.docx", "“经验事迹简介”约"),
    (_long_summary, {}, "WORD_LIMIT", "QC小组工作总结.docx", "QC小组工作总结约"),
    (_former_topic_type, {}, "INVALID_TOPIC_TYPE", "注册登记表.docx", "课题类型填写为“攻关型”"),
    (_six_presenters, {}, "PRESENTER_COUNT", "报名表.docx", "“发表人”一栏为6人"),
    (_team_with_incident, {}, "TEAM_INELIGIBLE", "质量信得过班组报名表.docx", "“年质量、安全事故数”填写为2"),
    (_summary_disagrees, {}, "INCONSISTENT_DOCUMENTS", None, "推荐汇总表（附件8）《推荐汇总表.docx》中的小组人数"),
]
SINGLE_MAIL_REVIEW = [
    (_rates_out_of_range, {}, "STATISTICS_MISMATCH", "活动统计表.xlsx", "QC小组普及率为126%"),
    (_report_without_causes, {"topic": "降低基站退服时长", "topic_type": "问题解决型"}, "REPORT_STRUCTURE", None,
     "未找到以下步骤：原因分析、确定主要原因"),
    (_internal_note, {}, "POSSIBLE_CONFIDENTIAL", None, "“本报告所附网管数据仅供内部使用。”"),
    (lambda data: list(result_files(data)), {"enterprise": "晋城铁塔"}, "NAME_ABBREVIATED", None, "“晋城铁塔”，疑似简称"),
]


@pytest.mark.parametrize("build, overrides, code, document, words", SINGLE_MAIL,
                         ids=[case[2] + "-" + case[0].__name__ for case in SINGLE_MAIL])
def test_deficiency_reaches_the_sender(pipeline, build, overrides, code, document, words):
    data = sample_entry(640, **overrides)
    outcome = feed(pipeline, mails.submission_mail(data, build(data), date=at(22)))
    assert outcome["verdict"] == "deficient" and codes(outcome) == [code], outcome["deficiencies"]
    [finding] = outcome["deficiencies"]
    assert words in finding["detail"]
    if document:
        assert finding["document"] == document
    assert finding["detail"] in reply_text(pipeline)
    assert outcome["submissions"][0]["status"] == "deficient"


@pytest.mark.parametrize("build, overrides, code, document, words", SINGLE_MAIL_REVIEW,
                         ids=[case[2] for case in SINGLE_MAIL_REVIEW])
def test_review_flag_reaches_only_the_secretariat(pipeline, build, overrides, code, document, words):
    data = sample_entry(641, **overrides)
    outcome = feed(pipeline, mails.submission_mail(data, build(data), date=at(22)))
    assert outcome["verdict"] == "accepted" and outcome["reply"]["type"] == "acknowledgement"
    [flag] = outcome["review_flags"]
    assert flag["code"] == code and words in flag["detail"]
    if document:
        assert flag["document"] == document
    assert words not in reply_text(pipeline)


def test_sender_failing_spf_is_flagged_for_the_secretariat(pipeline):
    data = sample_entry(642)
    raw = mails.submission_mail(data, list(result_files(data)), date=at(22))
    header = f"Authentication-Results: mx.163.com; spf=softfail smtp.mailfrom={data.sender}; dkim=none\r\n"
    outcome = feed(pipeline, header.encode() + raw)
    assert outcome["verdict"] == "accepted"
    [flag] = outcome["review_flags"]
    assert flag["code"] == "SENDER_UNVERIFIED" and "SPF=softfail" in flag["detail"] and data.sender in flag["detail"]
    assert "SPF" not in reply_text(pipeline)

    other = sample_entry(643)
    passed = f"Authentication-Results: mx.163.com; spf=pass smtp.mailfrom={other.sender}; dkim=pass\r\n"
    clean = feed(pipeline, passed.encode() + mails.submission_mail(other, list(result_files(other)), date=at(23)))
    assert clean["verdict"] == "accepted" and clean["review_flags"] == []
