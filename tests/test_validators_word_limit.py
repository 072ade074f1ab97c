"""intake.validators.word_limit: free texts within the notice's 字数限制, forms and write-ups alike."""
from __future__ import annotations

import functools

from samples.forms_extra import write_up_docx
from samples.forms_other import enterprise_nomination_docx
from samples.entries import enterprise_story
from intake.base.model import Severity
from intake.base.text import count_zi
from intake.validators.word_limit import check_word_limits
from tests.readings import context, entry, seal, submission


@functools.lru_cache(maxsize=None)
def enterprise_form(chars: int) -> bytes:
    name = entry().enterprise
    return enterprise_nomination_docx(name, "0356-2021888", "晋城市城区泽州路1号", "048000",
                                      enterprise_story(name, chars=chars), seal=seal(name))


@functools.lru_cache(maxsize=None)
def write_up(title: str, chars: int) -> bytes:
    return write_up_docx(title, chars)


def _findings(files, **limits):
    return check_word_limits(submission(files, entry()), context(**limits))


def test_story_within_seven_hundred_zi_is_fine():
    assert _findings([("优秀企业报名表.docx", enterprise_form(600))]) == []


def test_story_over_seven_hundred_zi_is_over_the_limit():
    [finding] = _findings([("优秀企业报名表.docx", enterprise_form(900))])
    assert (finding.code, finding.severity, finding.field) == ("WORD_LIMIT", Severity.DEFICIENCY, "经验事迹简介")
    count = count_zi(enterprise_story(entry().enterprise, chars=900))  # as Word's 字数统计 counts the story
    assert count > 700
    assert finding.detail == f"优秀企业报名表（附件3）中“经验事迹简介”约{count}字，超过700字的限制。"


def test_limit_comes_from_the_configuration():
    assert _findings([("优秀企业报名表.docx", enterprise_form(900))], word_limit_story=1000) == []


def test_write_up_sent_as_a_file_of_its_own_is_counted_whole():
    [finding] = _findings([("QC小组工作总结.docx", write_up("QC小组工作总结", 3400))])
    assert (finding.code, finding.document) == ("WORD_LIMIT", "QC小组工作总结.docx")
    assert finding.detail.startswith("QC小组工作总结约") and finding.detail.endswith("字，超过3000字的限制。")
    assert _findings([("QC小组工作总结.docx", write_up("QC小组工作总结", 2500))]) == []
