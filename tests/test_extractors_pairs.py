"""intake.extractors.pairs: label → value pairs of a form, in every layout units print it, with provenance."""
from __future__ import annotations

import pytest

from intake.extractors.docx_reader import read_docx
from intake.extractors.forms import ACTIVITY_STATISTICS, ENTRY_FORM
from intake.extractors.pairs import read_fields, read_fields_found
from intake.extractors.sheet_reader import read_xlsx
from samples.forms import ENTRY_LAYOUTS, statistics_xlsx
from intake.base.model import Provenance
from tests.readings import entry, entry_form


@pytest.mark.parametrize("layout", ENTRY_LAYOUTS)
def test_every_layout_gives_the_same_facts(layout):
    data = entry(5)
    values = read_fields(read_docx(entry_form(data, layout=layout, stamped=False)), ENTRY_FORM)
    assert values["QC小组名称"] == data.group
    assert values["课题名称"] == data.topic
    assert values["课题类型"] == data.topic_type
    assert values["企业名称"] == data.enterprise
    assert values["联系人"] == data.contact
    assert values["电话"] == data.phone
    assert values["人数"].rstrip("人") == str(data.members)
    assert values["QC小组简介"].startswith(data.intro[:20])


def test_value_beside_its_label_is_exact_and_under_a_header_row_is_grid():
    data = entry(5)
    _, beside = read_fields_found(read_docx(entry_form(data, stamped=False)), ENTRY_FORM)
    _, below = read_fields_found(read_docx(entry_form(data, layout="value_below", stamped=False)), ENTRY_FORM)
    assert beside["企业名称"] is Provenance.EXACT
    assert below["企业名称"] is Provenance.GRID
    # A long text under a lone label may have run on: only inferred.
    assert below["QC小组简介"] is Provenance.INFERRED


def test_blank_value_cell_reads_as_empty_not_unknown():
    data = entry(5, advisor="")
    values, how = read_fields_found(read_docx(entry_form(data, stamped=False)), ENTRY_FORM)
    assert values["小组活动指导者"] == "" and how["小组活动指导者"] is Provenance.EXACT
    assert "发表人" not in values  # a label the form does not print is unknown


def test_unit_cell_between_label_and_value_is_skipped():
    values = read_fields(read_xlsx(statistics_xlsx({"本年度已登记注册QC小组数": 312})), ACTIVITY_STATISTICS)
    assert values["本年度注册QC小组数"] == "312"  # not "个", the unit column in between
