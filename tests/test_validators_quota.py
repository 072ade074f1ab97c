"""intake.validators.quota: 同一企业最多申报20个QC小组成果, counted across the unit's mails."""
from __future__ import annotations

from intake.base.model import Severity
from intake.validators import History
from intake.validators.context import RegisteredResult
from intake.validators.names import group_key, result_key, unit_key
from intake.validators.quota import check_quota
from tests.readings import basic_files, context, entry, submission


def registered(data, count: int) -> History:
    """`count` earlier results of `data`'s unit, registration ids 1..count."""
    results = tuple(RegisteredResult(i, result_key(f"降低第{i}类故障率", f"第{i}QC小组"), group_key(f"第{i}QC小组"))
                    for i in range(1, count + 1))
    return History(results={unit_key(data.enterprise): results})


def test_twentieth_result_is_within_the_quota():
    data = entry()
    assert check_quota(submission(basic_files(data), data), context(history=registered(data, 19))) == []


def test_twenty_first_result_is_over_the_quota():
    data = entry()
    [finding] = check_quota(submission(basic_files(data), data), context(history=registered(data, 20)))
    assert (finding.code, finding.severity, finding.document) == ("QUOTA_EXCEEDED", Severity.DEFICIENCY,
                                                                  basic_files(data)[0][0])
    assert finding.detail == (f"“{data.enterprise}”此前已报名20个QC小组成果，课题“{data.topic}”是第21个，"
                              "超过同一企业最多申报20个的限制。")


def test_quota_comes_from_the_configuration():
    data = entry()
    [finding] = check_quota(submission(basic_files(data), data),
                            context(history=registered(data, 2), quota_per_enterprise=2))
    assert "此前已报名2个QC小组成果" in finding.detail and "最多申报2个" in finding.detail


def test_correction_keeps_the_place_of_the_registration_it_corrects():
    data = entry()
    history = registered(data, 20)
    corrected = History(results=history.results, corrected=frozenset({3}))
    assert check_quota(submission(basic_files(data), data), context(history=corrected)) == []


def test_same_result_sent_again_is_not_counted_twice():
    data = entry()
    again = RegisteredResult(21, result_key(data.topic, data.group), group_key(data.group))
    history = registered(data, 19)
    twice = History(results={k: (*v, again) for k, v in history.results.items()})
    assert check_quota(submission(basic_files(data), data), context(history=twice, quota_per_enterprise=20)) == []
