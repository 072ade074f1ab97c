"""Text every store accepts: the last guard before anything is written."""
from __future__ import annotations

import json

from intake.base.text import storable, storable_value


def test_lone_surrogates_become_one_replacement_character_and_nul_goes():
    assert storable("报名\udce6\udc9d.docx") == "报名\ufffd.docx"
    assert storable("a\x00b") == "ab"
    assert storable("正常的文字") == "正常的文字"


def test_json_values_are_cleaned_all_the_way_down():
    value = storable_value({"企业名称": "晋中\udce4分公司", "rows": [{"姓名": "王\udcb8"}], "人数": 5})
    assert value == {"企业名称": "晋中\ufffd分公司", "rows": [{"姓名": "王\ufffd"}], "人数": 5}
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # what PostgreSQL's jsonb takes
