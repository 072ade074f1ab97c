"""intake.extractors.rows: member lists of 附件5/6 and the four sections of 附件8."""
from __future__ import annotations

from intake.extractors.docx_reader import read_docx
from intake.extractors.forms import ENTRY_FORM, GROUP_REGISTRATION, NOMINATION_SUMMARY, TEAM_NOMINATION
from intake.extractors.rows import read_rows
from samples.forms import summary_docx
from samples.forms_extra import sample_team, team_nomination_docx
from samples.forms_other import group_registration_docx
from samples.entries import sample_entries, sample_members
from tests.readings import entry, entry_form


def test_registration_lists_every_member_with_age_post_and_task():
    data = entry()
    members = sample_members(data)
    lists, used = read_rows(read_docx(group_registration_docx(data, members)), GROUP_REGISTRATION)
    rows = lists["成员"]
    assert [r["姓名"] for r in rows] == [m["姓名"] for m in members]
    assert rows[1] == {"姓名": members[1]["姓名"], "年龄": str(members[1]["年龄"]),
                       "职务或职称": members[1]["职务（或职称）"], "分工": members[1]["成员分工情况"]}
    assert len(used) >= len(members)  # those rows are not read again as label/value pairs


def test_summary_sections_are_told_apart_by_their_titles():
    entries = sample_entries(3)
    lists, _ = read_rows(read_docx(summary_docx(entries)), NOMINATION_SUMMARY)
    results = lists["优秀质量管理小组活动成果"]
    assert [(r["企业名称"], r["小组名称"], r["小组人数"]) for r in results] == \
        [(e.enterprise, e.group, str(e.members)) for e in entries]
    assert lists["质量管理小组活动优秀企业"] == [] and lists["质量信得过班组"] == []


def test_team_form_lists_two_members_a_row():
    data = entry()
    team = sample_team(data.enterprise, "装维一班", 5)
    lists, _ = read_rows(read_docx(team_nomination_docx(data.enterprise, "装维一班", team)), TEAM_NOMINATION)
    names = [r["姓名"] for r in lists["成员"]]
    # The 班组长 has a row of his own; the form's closing merged row (简介及活动结果) is no member.
    assert names == [m["姓名"] for m in team[1:]]


def test_form_without_lists_has_none():
    assert read_rows(read_docx(entry_form(entry())), ENTRY_FORM) == ({}, frozenset())
