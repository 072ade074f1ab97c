"""How the rules read text: 字 counts, classification markings, names, topic types, presenters."""
from __future__ import annotations

import pytest

from intake.validators.confidential import find_markings
from intake.validators.names import looks_abbreviated, person_names, unit_key
from intake.validators.presenters import presenters_in
from intake.validators.report_structure import missing_steps
from intake.base.text import count_zi, own_words
from intake.validators.topic import topic_type_of

TYPES = ("问题解决型", "创新型")


@pytest.mark.parametrize("text, expected", [
    ("小组成员5人，平均年龄35岁。", 14),   # 小组成员 5 人，平均年龄 35 岁。
    ("QC小组", 3),                        # a Latin word counts once, as in Word
    ("活动后故障率由12.6%降至3.1%。", 12),  # a figure with its % counts once
    ("  本 课 题\n\t选自  现场 ", 7),       # whitespace is not counted
    ("“要因确认”——逐条进行。", 13),        # quotation marks and dashes are 字
    ("", 0),
])
def test_zi_are_counted_as_word_counts_them(text, expected):
    assert count_zi(text) == expected


@pytest.mark.parametrize("line", [
    "秘密★1年", "机密★", "绝密 ★ 长期", "秘密★", "【秘密★3年】", "机密★2025年12月31日", "核心商密★5年",
    "密级：秘密", "密级: 机密", "内部资料 注意保密", "内部资料，注意保密", "内部资料注意保密", "内部文件 请勿外传",
    "涉密文件", "涉密",
])
def test_classification_markings_are_deficiencies(line):
    [hit] = find_markings(f"{line}\n降低基站退服率\n中国铁塔股份有限公司晋城市分公司")
    assert hit.strong and hit.line == line.strip() and hit.at_head


@pytest.mark.parametrize("line", [
    "仅供内部使用", "内部", "机密", "严禁外传", "本系统为公司内部使用的运维平台，提高了派单效率。",
    "三、涉密载体管理现状", "经现场核查，涉密载体台账不完整是造成差错的主要原因，需要加强日常管理并形成长效机制。",
    "本报告正文中引用的数据来自秘密★级文件汇编，已经过脱敏处理后使用，特此说明并请评审专家知悉。",
])
def test_weak_signals_go_to_a_person(line):
    [hit] = find_markings(line)
    assert not hit.strong


@pytest.mark.parametrize("line", [
    "本课题旨在揭开基站掉话率居高不下的秘密。", "小组做好保密工作，确保客户数据安全。", "本成果不涉密。",
    "确保成果真实，不得出现涉密信息。", "本报告不含涉密内容，也未标注秘密★等标识。", "密级：公开",
    "2022年，公司将网络质量列为重点考核指标，内部考核要求严格。", "★★★★☆", "评分：★★★",
])
def test_ordinary_prose_is_not_a_marking(line):
    assert find_markings(line) == []


def test_quoted_original_of_a_reply_is_not_the_senders_words():
    body = ("任老师：\n补正后的报告见附件。\n\n------------------ 原始邮件 ------------------\n"
            "发件人: \"山西省通信行业协会秘书处\"\n【材料含有涉密标识】文档开头有密级或保密标识“秘密★1年”。\n")
    assert own_words(body).strip() == "任老师：\n补正后的报告见附件。"
    assert find_markings(own_words(body)) == []
    assert own_words("好的\n> 秘密★1年\n").strip() == "好的"


@pytest.mark.parametrize("a, b", [
    ("中国移动通信集团山西有限公司运城分公司", "中国移动通信集团山西有限公司 运城分公司"),
    ("中国铁塔股份有限公司晋城市分公司", "中国铁塔股份有限公司（晋城市分公司）"),
    ("山西省通信产业服务有限公司太原分公司", "山西省通信产业服务有限责任公司太原分公司"),
    ("中国移动通信集团设计院有限公司山西分公司", "中国移动通信集团设计院有限公司山西分公司　"),
    ("ＡＢＣ通信技术有限公司", "ABC通信技术有限公司"),
])
def test_one_unit_under_its_spelling_variants(a, b):
    assert unit_key(a) == unit_key(b)


def test_branches_of_one_company_are_different_units():
    assert unit_key("中国移动通信集团山西有限公司运城分公司") != unit_key("中国移动通信集团山西有限公司太原分公司")


@pytest.mark.parametrize("name, short", [
    ("运城移动", True), ("山西联通", True), ("太原铁塔", True), ("移动公司", True),
    ("中国移动通信集团山西有限公司运城分公司", False), ("中国联合网络通信有限公司大同市分公司", False),
    ("中国移动通信集团设计院有限公司山西分公司", False), ("山西省通信行业协会", False), ("", False),
])
def test_short_forms_of_unit_names(name, short):
    assert looks_abbreviated(name) is short


@pytest.mark.parametrize("value, expected", [
    ("张三、李四", ["张三", "李四"]), ("张三，李四,王五；赵六", ["张三", "李四", "王五", "赵六"]),
    ("张三（组长）、李四", ["张三", "李四"]), ("张三 李四 王五", ["张三", "李四", "王五"]),
    ("张三、李四等", ["张三", "李四"]),
])
def test_presenter_lists_as_people_type_them(value, expected):
    assert person_names(value) == expected
    assert presenters_in(value) == expected


def test_presenters_given_as_a_number():
    assert presenters_in("3人") == 3
    assert presenters_in("张三等6人") == 6


@pytest.mark.parametrize("value, expected", [
    ("问题解决型", "问题解决型"), ("创新型", "创新型"), ("问题 解决型", "问题解决型"), ("创新型课题", "创新型"),
    ("☑问题解决型 □创新型", "问题解决型"), ("□问题解决型 √创新型", "创新型"),
    ("问题解决型、创新型", None), ("现场型", None), ("", None),
])
def test_topic_type_stated_on_a_form(value, expected):
    assert topic_type_of(value, TYPES) == expected


PROBLEM_REPORT = """降低基站退服时长
一、小组概况
（一）选题理由
2022年，公司将基站退服时长列为重点考核指标。
二）现状调查：小组调取了1—3月的统计数据，对问题按类型进行分类统计。
3.设定目标
第四步 原因分析
5．要因确认
序号 末端因素 确认方法 结论
6、对策制定
Step 7: 对策实施
（8）效果检查
9.1 巩固措施
十、总结与下一步打算
"""


def test_report_steps_under_any_numbering_and_common_wordings():
    assert missing_steps(PROBLEM_REPORT, "问题解决型") == []


def test_a_step_named_only_inside_a_table_row_is_missing():
    text = PROBLEM_REPORT.replace("5．要因确认\n", "").replace("序号 末端因素 确认方法 结论",
                                                             "王敏 女 42 负责原因分析与要因确认")
    assert missing_steps(text, "问题解决型") == ["确定主要原因"]


def test_innovation_steps_with_feasibility_analysis():
    text = ("一、选择课题\n二、设定目标\n（一）目标可行性分析\n三、提出各种方案并确定最佳方案\n四、制定对策\n"
            "五、对策实施\n六、效果检查\n七、标准化\n八、总结和下一步打算\n")
    assert missing_steps(text, "创新型") == []
    assert missing_steps(text.replace("七、标准化\n", ""), "创新型") == ["标准化"]
