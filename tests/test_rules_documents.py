"""Each rule on real mails and forms built by the fixture builder, without the store.

The mail is parsed and its attachments read exactly as the pipeline does;
the assertions are on the findings a sender or the secretariat would see.
"""
from __future__ import annotations

import dataclasses
import functools
from datetime import datetime, timezone
from pathlib import Path

import pytest

from intake.sort.assemble import pair_documents
from intake.base.config import load_settings
from intake.extractors.attachments import extract_all
from samples import mails
from samples.forms import (enterprise_nomination_docx, entry_form_docx, group_registration_docx,
                                   qc_report_docx, statistics_xlsx, summary_docx)
from samples.forms_extra import (entry_form_with_presenters_docx, promoter_nomination_docx, promoter_story,
                                         sample_team, statistics_xlsx_with_period, team_nomination_docx, write_up_docx)
from samples.report_innovation import STEPS as INNOVATION_STEPS
from samples.report_problem import STEPS as PROBLEM_STEPS
from samples.entries import enterprise_story, sample_entry, sample_members
from samples.seals import scan_of_form_png, seal_png
from intake.base.model import DocumentKind, Submission
from intake.mime.parse import parse_mail
from intake.validators import History, RuleContext, validate
from intake.validators.context import EarlierNomination, RegisteredResult
from intake.validators.names import group_key, result_key, unit_key
from intake.validators.writeups import is_write_up

COMPETITION = load_settings(Path(__file__).parents[1] / "config.example.toml").competition
ON_TIME = datetime(2023, 2, 20, 2, 0, tzinfo=timezone.utc)


def submission_of(raw: bytes) -> Submission:
    """The mail as the pipeline's validate stage sees it (no earlier mails)."""
    mail = parse_mail(raw, ON_TIME)
    documents = extract_all(mail.attachments).documents
    return Submission(mail=mail, documents=documents,
                      pairings=pair_documents(tuple(d for d in documents if not is_write_up(d))))


def findings_for(files, data=None, **mail_options) -> list:
    data = data or entry()
    sub = submission_of(mails.submission_mail(data, files, **mail_options))
    return validate(sub, RuleContext(COMPETITION, ON_TIME))


def codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


@functools.lru_cache(maxsize=None)
def entry(seed: int = 7, **overrides):
    return sample_entry(seed, **overrides)


@functools.lru_cache(maxsize=None)
def seal(enterprise: str) -> bytes:
    return seal_png(enterprise)


@functools.lru_cache(maxsize=None)
def basic_files(data, *, stamped: bool = True, **report) -> tuple[tuple[str, bytes], ...]:
    return ((f"报名表-{data.group}.docx", entry_form_docx(data, seal=seal(data.enterprise) if stamped else None)),
            (f"{data.topic}.docx", qc_report_docx(data, images=0, **report)))


@functools.lru_cache(maxsize=None)
def enterprise_form(data, *, stamped=True, story_chars=600, phone=None) -> bytes:
    return enterprise_nomination_docx(data.enterprise, data.phone if phone is None else phone, data.address,
                                      data.postcode, enterprise_story(data.enterprise, chars=story_chars),
                                      seal=seal(data.enterprise) if stamped else None)


@functools.lru_cache(maxsize=None)
def promoter_form(data, *, stamped=True, story_chars=600, name="王建国") -> bytes:
    return promoter_nomination_docx(name, "男", "副总经理", data.enterprise, data.phone, data.address, data.postcode,
                                    promoter_story(data.enterprise, name, story_chars),
                                    seal=seal(data.enterprise) if stamped else None)


@functools.lru_cache(maxsize=None)
def team_form(data, *, stamped=True, size=7, headcount=None, indicators: tuple = ()) -> bytes:
    return team_nomination_docx(data.enterprise, "装维一班", sample_team(data.enterprise, "装维一班", size),
                                address=data.address, postcode=data.postcode, contact=data.contact, phone=data.phone,
                                headcount=headcount, indicators=dict(indicators),
                                seal=seal(data.enterprise) if stamped else None)


def test_complete_submission_with_every_optional_form_has_no_finding():
    data = entry()
    files = [*basic_files(data),
        ("注册登记表.docx", group_registration_docx(data, sample_members(data), seal=seal(data.enterprise))),
        ("优秀企业报名表.docx", enterprise_form(data)), ("优秀推进者报名表.docx", promoter_form(data)),
        ("质量信得过班组报名表.docx", team_form(data)), ("活动统计表.xlsx", statistics_xlsx()),
        ("推荐汇总表.docx", summary_docx([data]))]
    assert findings_for(files, data) == []


# -- stamps and required fields on every form -----------------------------------

@pytest.mark.parametrize("name, build, title", [
    ("优秀企业报名表.docx", enterprise_form, "优秀企业报名表（附件3）"),
    ("优秀推进者报名表.docx", promoter_form, "优秀推进者报名表（附件4）"),
])
def test_unstamped_nomination_form_is_missing_its_stamp(name, build, title):
    data = entry()
    [finding] = findings_for([*basic_files(data), (name, build(data, stamped=False))], data)
    assert (finding.code, finding.document) == ("MISSING_STAMP", name)
    assert finding.detail == f"{title}未加盖单位公章，也未附盖章扫描件。"


def test_team_form_mailed_as_unstamped_electronic_copy_is_fine():
    data = entry()
    assert findings_for([*basic_files(data), ("质量信得过班组报名表.docx", team_form(data, stamped=False))], data) == []


def test_unstamped_group_registration_is_missing_its_stamp():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("登记表.docx", group_registration_docx(data, sample_members(data)))],
                             data)
    assert finding.code == "MISSING_STAMP" and "QC小组注册登记表（附件5）" in finding.detail


def test_stamped_scan_named_as_the_form_lends_it_the_seal():
    data = entry()
    scan = scan_of_form_png(["全省质量管理小组活动优秀企业报名表", f"企业名称|{data.enterprise}|电话|{data.phone}",
                             "推荐单位、部门意见：同意推荐", "单位（章）"], seal=seal(data.enterprise))
    files = [*basic_files(data), ("优秀企业报名表.docx", enterprise_form(data, stamped=False)),
                                 ("优秀企业报名表（盖章）.png", scan)]
    assert findings_for(files, data) == []


def test_stamped_scan_of_unknown_form_makes_other_forms_uncertain_not_missing():
    data = entry()
    scan = scan_of_form_png(["盖章页", "单位（章）"], seal=seal(data.enterprise))
    files = [*basic_files(data), ("优秀企业报名表.docx", enterprise_form(data, stamped=False)), ("IMG_0412.png", scan)]
    [finding] = findings_for(files, data)
    assert finding.code == "STAMP_UNCERTAIN" and finding.severity.value == "review"


def test_empty_field_on_a_nomination_form_is_named():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("优秀企业.docx", enterprise_form(data, phone=""))], data)
    assert (finding.code, finding.field) == ("MISSING_FIELD", "电话")
    assert finding.detail == "优秀企业报名表（附件3）中“电话”一栏未填写。"


def test_team_form_untouched_training_cell_is_empty_but_zero_incidents_is_an_answer():
    data = entry()
    form = team_form(data, indicators=(("年培训人数/时数", "/"), ("年质量、安全事故数", "0")))
    [finding] = findings_for([*basic_files(data), ("班组.docx", form)], data)
    assert (finding.code, finding.field) == ("MISSING_FIELD", "年培训人数/时数")


# -- 课题类型, presenters --------------------------------------------------------

def test_former_topic_type_on_group_registration_is_invalid():
    data = entry()
    registration = group_registration_docx(dataclasses.replace(data, topic_type="现场型"), sample_members(data),
                                           seal=seal(data.enterprise))
    found = findings_for([*basic_files(data), ("登记表.docx", registration)], data)
    [invalid] = [f for f in found if f.code == "INVALID_TOPIC_TYPE"]
    assert invalid.document == "登记表.docx"
    assert "QC小组注册登记表（附件5）的课题类型填写为“现场型”" in invalid.detail and "均属于问题解决型" in invalid.detail


def test_both_topic_types_left_on_the_form_is_invalid():
    data = entry(8, topic_type="问题解决型、创新型")
    found = findings_for(basic_files(data), data)
    assert codes(found) == ["INVALID_TOPIC_TYPE"]
    assert "请只保留一种" in found[0].detail


@pytest.mark.parametrize("listed, count", [("张三、李四、王五、赵六、钱七、孙八", 6), ("张三", 1)])
def test_presenter_row_on_entry_form_outside_two_to_five(listed, count):
    data = entry()
    form = entry_form_with_presenters_docx(data, listed, seal=seal(data.enterprise))
    [finding] = findings_for([("报名表.docx", form), (f"{data.topic}.docx", qc_report_docx(data, images=0))], data)
    assert (finding.code, finding.field, finding.document) == ("PRESENTER_COUNT", "发表人", "报名表.docx")
    assert f"为{count}人（{listed}）" in finding.detail and "应由2至5人发表" in finding.detail


def test_presenter_row_within_range_passes():
    data = entry()
    form = entry_form_with_presenters_docx(data, "张三，李四，王五", seal=seal(data.enterprise))
    assert findings_for([("报名表.docx", form), (f"{data.topic}.docx", qc_report_docx(data, images=0))], data) == []


def test_single_presenter_named_in_the_mail_body():
    data = entry(9, presenters=("刘晓东",))
    [finding] = findings_for(basic_files(data), data)
    assert finding.code == "PRESENTER_COUNT" and finding.detail.startswith("邮件正文中的发表人为1人（刘晓东）")


def test_single_speaker_on_report_cover_is_for_a_person():
    data = entry(9, presenters=("刘晓东",))
    [finding] = findings_for(basic_files(data), data, body="报名材料见附件，请查收。")
    assert finding.code == "MANUAL_REVIEW" and finding.severity.value == "review"
    assert "成果报告封面列出的发表人为1人（刘晓东）" in finding.detail


# -- word limits ---------------------------------------------------------------

def test_enterprise_story_over_700_zi():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("优秀企业.docx", enterprise_form(data, story_chars=900))], data)
    assert (finding.code, finding.field) == ("WORD_LIMIT", "经验事迹简介")
    assert finding.detail.startswith("优秀企业报名表（附件3）中“经验事迹简介”约") and "超过700字的限制" in finding.detail


def test_promoter_story_over_700_zi():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("推进者.docx", promoter_form(data, story_chars=900))], data)
    assert (finding.code, finding.field) == ("WORD_LIMIT", "本人主要事迹和绩效")


@pytest.mark.parametrize("title, chars, limit", [("QC小组工作总结", 3300, 3000),
                                                 ("质量信得过班组建设工作总结", 2300, 2000),
                                                 ("质量信得过班组创建材料", 5400, 5000)])
def test_write_up_over_its_limit_is_counted_not_taken_for_a_report(title, chars, limit):
    data = entry()
    found = findings_for([*basic_files(data), (f"{title}.docx", write_up_docx(title, chars))], data)
    [finding] = found
    assert (finding.code, finding.document) == ("WORD_LIMIT", f"{title}.docx")
    assert f"超过{limit}字的限制" in finding.detail


def test_write_up_within_its_limit_passes():
    data = entry()
    assert findings_for([*basic_files(data), ("QC小组工作总结.docx", write_up_docx("QC小组工作总结", 2500))],
                        data) == []


# -- confidentiality -----------------------------------------------------------

@pytest.mark.parametrize("marking", ["秘密★1年", "机密★", "内部资料 注意保密"])
def test_marked_report_is_deficient_and_the_marking_quoted(marking):
    data = entry()
    [finding] = findings_for(basic_files(data, marking=marking), data)
    assert (finding.code, finding.document) == ("CONFIDENTIAL_MARKING", f"{data.topic}.docx")
    assert finding.detail == f"文档开头有密级或保密标识“{marking}”。"


def test_internal_use_note_in_report_goes_to_a_person():
    data = entry()
    [finding] = findings_for(basic_files(data, extra_text="本成果中的网管数据仅供内部使用。"), data)
    assert finding.code == "POSSIBLE_CONFIDENTIAL" and finding.severity.value == "review"
    assert "“本成果中的网管数据仅供内部使用。”" in finding.detail


def test_secret_in_prose_is_no_marking():
    data = entry()
    assert findings_for(basic_files(data, extra_text="本课题揭开了基站掉话率居高不下的秘密，做好了保密工作。"),
                        data) == []


def test_marking_in_the_mail_body():
    data = entry()
    [finding] = findings_for(basic_files(data), data, body="内部资料，注意保密\n报名材料见附件。")
    assert (finding.code, finding.document) == ("CONFIDENTIAL_MARKING", None)
    assert finding.detail == "邮件正文中有密级或保密标识“内部资料，注意保密”。"


# -- the results report's steps ----------------------------------------------------

@pytest.mark.parametrize("missing", ["确定主要原因", "制定巩固措施"])
def test_problem_solving_report_without_a_step(missing):
    data = entry(11, topic_type="问题解决型", topic="降低基站退服时长")
    steps = tuple(s for s in PROBLEM_STEPS if s != missing)
    [finding] = findings_for(basic_files(data, steps=steps), data)
    assert (finding.code, finding.severity.value) == ("REPORT_STRUCTURE", "review")
    assert finding.detail.startswith(f"成果报告中未找到以下步骤：{missing}。按T/CAQ 10201—2020，问题解决型课题应包括")


def test_innovation_report_without_best_solution():
    data = entry(12, topic_type="创新型", topic="研制一种光缆交接箱智能锁")
    steps = tuple(s for s in INNOVATION_STEPS if s != "提出方案并确定最佳方案")
    [finding] = findings_for(basic_files(data, steps=steps), data)
    assert finding.code == "REPORT_STRUCTURE" and "提出方案并确定最佳方案" in finding.detail


def test_report_headings_in_common_wordings_are_recognised():
    data = entry(11, topic_type="问题解决型", topic="降低基站退服时长")
    steps = ("课题选择", "现状调查与分析", "目标设定", "原因分析", "要因确认", "对策制定", "对策实施", "效果检查",
             "巩固措施", "总结与下一步打算")
    assert findings_for(basic_files(data, steps=steps), data) == []


def test_innovation_report_with_feasibility_analysis_wording():
    data = entry(12, topic_type="创新型", topic="研制一种光缆交接箱智能锁")
    steps = ("选择课题", "设定目标及目标可行性分析", "提出方案并确定最佳方案", "制定对策", "对策实施", "效果检查",
             "标准化", "总结和下一步打算")
    assert findings_for(basic_files(data, steps=steps), data) == []


# -- statistics, teams, documents that disagree ---------------------------------------

@pytest.mark.parametrize("values, said", [
    ({"本年度QC小组成果率": 120}, "QC小组成果率为120%，不在0～100%之间"),
    ({"本年度QC小组成果率": 73.4}, "QC小组成果率73.4%与注册小组数268个对不上"),
    ({"本年度坚持活动的QC小组数": 300}, "“坚持活动QC小组数”（300）大于“本年度注册QC小组数”（268）"),
])
def test_statistics_that_disagree_with_themselves(values, said):
    data = entry()
    [finding] = findings_for([*basic_files(data), ("统计表.xlsx", statistics_xlsx(values))], data)
    assert (finding.code, finding.severity.value) == ("STATISTICS_MISMATCH", "review")
    assert said in finding.detail


def test_statistics_of_last_years_period():
    data = entry()
    sheet = statistics_xlsx_with_period("（2021年3月1日——2022年2月28日）")
    [finding] = findings_for([*basic_files(data), ("统计表.xlsx", sheet)], data)
    assert finding.code == "STATISTICS_MISMATCH"
    assert "统计期间为2021年3月1日至2022年2月28日，通知要求为2022年3月1日至2023年2月28日" in finding.detail


def test_team_with_an_incident_is_ineligible():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("班组.docx", team_form(data, indicators=(("年质量、安全事故数", "1"),)))],
                             data)
    assert (finding.code, finding.field) == ("TEAM_INELIGIBLE", "年质量、安全事故数")
    assert "填写为1" in finding.detail and "“装维一班”不符合推荐条件" in finding.detail


@pytest.mark.parametrize("value, code", [("无", None), ("质量0起，安全1起", "MANUAL_REVIEW")])
def test_team_incidents_in_words(value, code):
    data = entry()
    found = findings_for([*basic_files(data), ("班组.docx", team_form(data, indicators=(("年质量、安全事故数", value),)))],
                         data)
    assert [f.code for f in found] == ([code] if code else [])


def test_team_headcount_against_its_member_rows():
    data = entry()
    [finding] = findings_for([*basic_files(data), ("班组.docx", team_form(data, size=7, headcount=9))], data)
    assert finding.code == "INCONSISTENT_DOCUMENTS"
    assert finding.detail == "质量信得过班组报名表（附件6）中的人数为9人，表中列出的班组成员（含班组长）为7人，两者不一致。"


def test_group_registration_disagreeing_with_the_entry_form():
    data = entry(13, topic_type="问题解决型", topic="降低基站退服时长")
    other = dataclasses.replace(data, group="攻坚QC小组", topic_type="创新型")
    members = sample_members(data)[:-1]
    files = [*basic_files(data), ("登记表.docx", group_registration_docx(other, members, seal=seal(data.enterprise)))]
    found = [f for f in findings_for(files, data) if f.code == "INCONSISTENT_DOCUMENTS"]
    details = sorted(f.detail for f in found)
    assert all(f.document == f"报名表-{data.group}.docx" for f in found)
    assert details == sorted([
        f"报名表中的小组名称为“{data.group}”，QC小组注册登记表（附件5）《登记表.docx》中为“攻坚QC小组”，两者不一致。",
        "报名表中的课题类型为“问题解决型”，QC小组注册登记表（附件5）《登记表.docx》中为“创新型”，两者不一致。",
        f"报名表中的人数为{data.members}人，QC小组注册登记表（附件5）《登记表.docx》列出的小组成员（含组长）"
        f"为{data.members - 1}人，两者不一致。",
    ])


def test_summary_with_another_group_size():
    data = entry()
    files = [*basic_files(data), ("汇总表.docx", summary_docx([dataclasses.replace(data, members=data.members + 2)]))]
    [finding] = findings_for(files, data)
    assert finding.code == "INCONSISTENT_DOCUMENTS"
    assert f"报名表中的人数为{data.members}人，推荐汇总表（附件8）《汇总表.docx》中的小组人数为{data.members + 2}人" \
        in finding.detail


# -- the unit's name, the sender, supplements --------------------------------------------

def test_abbreviated_enterprise_name_goes_to_a_person():
    data = entry(14, enterprise="运城移动")
    [finding] = findings_for(basic_files(data), data)
    assert (finding.code, finding.severity.value, finding.field) == ("NAME_ABBREVIATED", "review", "企业名称")
    assert "“运城移动”，疑似简称" in finding.detail


@pytest.mark.parametrize("header, flagged", [
    ("mx.163.com; spf=softfail smtp.mailfrom=example.cn; dkim=none", "SPF=softfail"),
    ("mx.163.com; spf=pass smtp.mailfrom=example.cn; dkim=fail header.d=example.cn", "DKIM=fail"),
    ("mx.163.com; spf=pass smtp.mailfrom=example.cn; dkim=pass header.d=example.cn", None),
])
def test_sender_failing_spf_or_dkim(header, flagged):
    data = entry()
    raw = f"Authentication-Results: {header}\r\n".encode() + mails.submission_mail(data, basic_files(data))
    found = validate(submission_of(raw), RuleContext(COMPETITION, ON_TIME))
    if flagged is None:
        assert found == []
    else:
        [finding] = found
        assert finding.code == "SENDER_UNVERIFIED" and flagged in finding.detail and data.sender in finding.detail


def test_mail_with_only_a_nomination_lacks_no_entry_form():
    data = entry()
    [finding] = findings_for([("优秀企业报名表.docx", enterprise_form(data))], data)
    assert (finding.code, finding.severity.value) == ("MANUAL_REVIEW", "review")
    assert "只含优秀企业报名表（附件3）" in finding.detail


def test_mail_disclaimer_is_not_a_marking():
    data = entry()
    body = ("报名材料见附件，请查收。\n\n本邮件及其附件可能含有保密信息，仅供指定收件人使用，请勿外传。"
            "如您误收本邮件，请立即删除。")
    assert findings_for(basic_files(data), data, body=body) == []


# -- with what earlier mails registered (History, as the pipeline looks it up) -----------

def with_history(files, data, history: History) -> list:
    sub = submission_of(mails.submission_mail(data, files))
    return validate(sub, RuleContext(COMPETITION, ON_TIME, history))


def registered(unit: str, count: int, first_id: int = 1) -> dict:
    return {unit_key(unit): tuple(RegisteredResult(first_id + k, f"课题{k}", f"小组{k}") for k in range(count))}


def test_twenty_registered_before_makes_this_one_the_twenty_first():
    data = entry()
    [finding] = with_history(basic_files(data), data, History(results=registered(data.enterprise, 20)))
    assert finding.code == "QUOTA_EXCEEDED" and "此前已报名20个QC小组成果" in finding.detail and "第21个" in finding.detail
    assert with_history(basic_files(data), data, History(results=registered(data.enterprise, 19))) == []


def test_the_same_topic_again_or_a_correction_takes_no_new_place():
    data = entry()
    results = registered(data.enterprise, 20)
    key = unit_key(data.enterprise)
    again = {key: (*results[key][:19], RegisteredResult(99, result_key(data.topic, data.group), group_key(data.group)))}
    assert with_history(basic_files(data), data, History(results=again)) == []
    corrected = {key: (*results[key][:19], RegisteredResult(98, "旧课题名称", group_key(data.group)))}
    assert with_history(basic_files(data), data, History(results=corrected, corrected=frozenset({98}))) == []


def test_second_promoter_of_a_unit():
    data = entry()
    earlier = EarlierNomination("优秀推进者-李强.docx", "李强", datetime(2023, 2, 18, 2, 0, tzinfo=timezone.utc))
    history = History(nominations={(DocumentKind.PROMOTER_NOMINATION, unit_key(data.enterprise)): (earlier,)})
    [finding] = with_history([*basic_files(data), ("推进者.docx", promoter_form(data))], data, history)
    assert (finding.code, finding.document) == ("NOMINATION_LIMIT", "推进者.docx")
    assert finding.detail.startswith(f"“{data.enterprise}”已于2023年2月18日报送过优秀推进者报名表（附件4）"
                                     "《优秀推进者-李强.docx》（推荐李强），各会员单位限推荐1名优秀推进者。")


def test_two_enterprise_nominations_of_one_unit_in_one_mail():
    data = entry()
    files = [*basic_files(data), ("优秀企业A.docx", enterprise_form(data)),
             ("优秀企业B.docx", enterprise_form(data, story_chars=500))]
    [finding] = findings_for(files, data)
    assert (finding.code, finding.document) == ("NOMINATION_LIMIT", "优秀企业B.docx")
    assert finding.detail == (f"本邮件中已有“{data.enterprise}”的优秀企业报名表（附件3）《优秀企业A.docx》，"
                              "各会员单位限推荐1个优秀企业。")


def test_late_correction_of_an_on_time_registration_is_for_a_person():
    data = entry()
    late = datetime(2023, 3, 3, 1, 0, tzinfo=timezone.utc)
    sub = submission_of(mails.submission_mail(data, basic_files(data)))
    [flag] = validate(sub, RuleContext(COMPETITION, late, History(first_received=ON_TIME)))
    assert (flag.code, flag.severity.value) == ("MANUAL_REVIEW", "review")
    [late_one] = validate(sub, RuleContext(COMPETITION, late))
    assert late_one.code == "LATE_SUBMISSION"


def test_summary_listing_the_only_group_under_another_name():
    data = entry()
    files = [*basic_files(data), ("汇总表.docx", summary_docx([dataclasses.replace(data, group="启航QC小组")]))]
    [finding] = findings_for(files, data)
    assert finding.detail == (f"报名表中的小组名称为“{data.group}”，推荐汇总表（附件8）《汇总表.docx》中为“启航QC小组”，"
                              "两者不一致。")
