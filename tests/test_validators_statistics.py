"""intake.validators.statistics: 附件7's figures must agree with themselves and with the notice's period."""
from __future__ import annotations

import functools

from samples.forms_extra import statistics_xlsx_with_period
from samples.forms_other import statistics_xlsx
from intake.base.model import Severity
from intake.validators.statistics import check_statistics
from tests.readings import context, entry, submission


@functools.lru_cache(maxsize=None)
def _sheet(**values) -> bytes:
    return statistics_xlsx(values)


def _findings(sheet: bytes):
    data = entry()
    return check_statistics(submission([("活动统计表.xlsx", sheet)], data), context())


def test_statistics_as_the_notice_asks_raise_nothing():
    assert _findings(_sheet()) == []


def test_rate_above_a_hundred_percent_goes_to_a_person():
    [finding] = _findings(_sheet(**{"本年度QC小组普及率": 126}))
    assert (finding.code, finding.severity, finding.document) == ("STATISTICS_MISMATCH", Severity.REVIEW,
                                                                  "活动统计表.xlsx")
    assert finding.detail == "活动统计表（附件7）中QC小组普及率为126%，不在0～100%之间，请人工核对。"


def test_more_active_groups_than_registered_ones_is_named():
    [finding] = _findings(_sheet(**{"本年度坚持活动的QC小组数": 300}))
    assert "“坚持活动QC小组数”（300）大于“本年度注册QC小组数”（268）" in finding.detail


def test_last_years_period_left_on_a_copied_form_is_named():
    [finding] = _findings(statistics_xlsx_with_period("（2021年3月1日——2022年2月28日）"))
    assert finding.detail == ("活动统计表（附件7）中统计期间为2021年3月1日至2022年2月28日，"
                              "通知要求为2022年3月1日至2023年2月28日，请人工核对。")
