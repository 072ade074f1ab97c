"""intake.validators.consistency: 报名表, 注册登记表 and 推荐汇总表 of one mail must agree."""
from __future__ import annotations

import dataclasses
import functools

from samples.forms import summary_docx
from samples.forms_other import group_registration_docx
from samples.entries import EntryFormData, sample_members
from intake.base.model import Severity
from intake.validators.consistency import check_consistency, member_names
from tests.readings import basic_files, context, entry, read, seal, submission


@functools.lru_cache(maxsize=None)
def registration(data: EntryFormData) -> bytes:
    return group_registration_docx(data, sample_members(data), seal=seal(data.enterprise))


def test_forms_that_agree_raise_nothing():
    data = entry()
    files = [*basic_files(data), ("注册登记表.docx", registration(data)), ("推荐汇总表.docx", summary_docx([data]))]
    assert check_consistency(submission(files, data), context()) == []


def test_registration_naming_another_group_is_inconsistent():
    data = entry()
    other = dataclasses.replace(data, group="“鲲鹏”创新工作室QC小组")
    [finding] = check_consistency(submission([*basic_files(data), ("注册登记表.docx", registration(other))], data),
                                  context())
    assert (finding.code, finding.severity) == ("INCONSISTENT_DOCUMENTS", Severity.DEFICIENCY)
    assert finding.detail == (f"报名表中的小组名称为“{data.group}”，QC小组注册登记表（附件5）《注册登记表.docx》中为"
                              "““鲲鹏”创新工作室QC小组”，两者不一致。")
    assert finding.document == basic_files(data)[0][0]


def test_summary_with_another_headcount_is_inconsistent():
    data = entry()
    listed = dataclasses.replace(data, members=data.members + 3)
    [finding] = check_consistency(submission([*basic_files(data), ("推荐汇总表.docx", summary_docx([listed]))], data),
                                  context())
    assert finding.code == "INCONSISTENT_DOCUMENTS"
    assert finding.detail == (f"报名表中的人数为{data.members}人，推荐汇总表（附件8）《推荐汇总表.docx》中的小组人数为"
                              f"{data.members + 3}人，两者不一致。")


def test_member_names_are_read_from_the_registration_rows():
    data = entry()
    doc = read("注册登记表.docx", registration(data))
    assert member_names(doc) == [row["姓名"] for row in sample_members(data)]
