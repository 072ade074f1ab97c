"""The notice's figures are configuration: next year's notice is a change of config.toml."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from intake.base.config import ConfigError, load_settings
from tests.configs import set_key, write_config

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def test_example_config_carries_the_2023_notice():
    c = load_settings(EXAMPLE).competition
    assert (c.quota_per_enterprise, c.presenters_min, c.presenters_max) == (20, 2, 5)
    assert (c.word_limit_story, c.word_limit_team_materials, c.word_limit_qc_summary,
            c.word_limit_team_summary) == (700, 5000, 3000, 2000)
    assert (c.enterprise_nominations_per_unit, c.promoter_nominations_per_unit) == (1, 1)
    assert (c.statistics_start, c.statistics_end) == (date(2022, 3, 1), date(2023, 2, 28))


def test_next_years_figures_come_from_the_file(tmp_path):
    path = write_config(tmp_path)
    for line in ("word_limit_story = 800", "statistics_start = 2023-03-01", 'statistics_end = "2024-02-29"',
                 "promoter_nominations_per_unit = 2"):
        set_key(path, "competition", line)
    c = load_settings(path).competition
    assert c.word_limit_story == 800 and c.promoter_nominations_per_unit == 2
    assert (c.statistics_start, c.statistics_end) == (date(2023, 3, 1), date(2024, 2, 29))


@pytest.mark.parametrize("line", ["statistics_start = 2022-03-01T00:00:00", 'statistics_end = "2月28日"',
                                  "statistics_end = 2021-02-28", 'word_limit_story = "700字"'])
def test_bad_competition_figure_is_named(tmp_path, line):
    path = set_key(write_config(tmp_path), "competition", line)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "[competition] " + line.split()[0] in str(caught.value)
