"""intake.extractors.labels: "联 系 人", "电\\n话", "企业名称(以公章为准)：" all find their field."""
from __future__ import annotations

from intake.extractors.forms import ACTIVITY_STATISTICS, ENTRY_FORM
from intake.extractors.labels import index_for, normalise
from tests.readings import entry


def test_labels_are_normalised_across_width_space_and_colon():
    assert normalise("ＱＣ小组名称：") == "QC小组名称"
    assert normalise("联 系\u3000人") == "联系人"
    assert normalise("电\n话") == "电话"


def test_spellings_found_on_real_forms_name_the_same_field():
    index = index_for(ENTRY_FORM.fields)
    assert index.match("联 系 人").name == "联系人"
    assert index.match("电\n话").name == "电话"
    assert index.match("企业名称(以公章为准)：").name == "企业名称"
    assert index.match("企业名称（以公章为准）").name == "企业名称"
    assert index.match("ＱＣ小组名称").name == "QC小组名称"
    assert index.match("小组人数").name == "人数"


def test_values_are_not_labels():
    data = entry()
    index = index_for(ENTRY_FORM.fields)
    assert index.match(data.enterprise) is None
    assert index.match(data.topic) is None
    assert index.match("") is None


def test_several_label_value_pairs_in_one_line():
    data = entry()
    index = index_for(ENTRY_FORM.fields)
    pairs = index.pairs(f"联系人：{data.contact}  电话：{data.phone}　邮编:{data.postcode}")
    assert [(f.name, v) for f, v in pairs] == [("联系人", data.contact), ("电话", data.phone), ("邮编", data.postcode)]


def test_long_text_keeps_its_own_colons():
    index = index_for(ENTRY_FORM.fields)
    [(field, value)] = index.pairs("QC小组简介：小组成立于2019年，口号：质量第一")
    assert (field.name, value) == ("QC小组简介", "小组成立于2019年，口号：质量第一")


def test_percent_unit_and_unit_column_of_the_statistics_form():
    index = index_for(ACTIVITY_STATISTICS.fields, ACTIVITY_STATISTICS.units)
    assert index.match("本年度QC小组普及率=参加QC小组人数/职工总数×100%").name == "QC小组普及率"
    assert normalise("万个") in index.units
