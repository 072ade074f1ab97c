"""intake.validators.stamp: forms that must be stamped carry the unit seal, on the form or on its scan."""
from __future__ import annotations

import functools

from samples.forms import entry_form_lines
from samples.scans import scan_of_form_png
from intake.base.model import Severity, Stamp
from intake.validators.stamp import check_stamps, stamp_of
from tests.readings import basic_files, context, entry, seal, submission


@functools.lru_cache(maxsize=None)
def stamped_scan(data) -> bytes:
    return scan_of_form_png(entry_form_lines(data), seal=seal(data.enterprise))


def test_stamped_entry_form_is_fine():
    data = entry()
    assert check_stamps(submission(basic_files(data), data), context()) == []


def test_unstamped_entry_form_without_a_scan_is_missing_its_stamp():
    data = entry()
    files = basic_files(data, stamped=False)
    sub = submission(files, data)
    [finding] = check_stamps(sub, context())
    assert (finding.code, finding.severity, finding.document) == ("MISSING_STAMP", Severity.DEFICIENCY, files[0][0])
    assert finding.detail == "报名表（附件2）未加盖单位公章，也未附盖章扫描件。"


def test_stamped_scan_of_the_entry_form_lends_its_seal_to_the_word_form():
    data = entry()
    sub = submission([*basic_files(data, stamped=False), ("报名表（盖章扫描件）.png", stamped_scan(data))], data)
    assert check_stamps(sub, context()) == []
    [form] = [doc for doc in sub.documents if doc.fields and doc.filename.startswith("报名表-")]
    assert form.stamp is Stamp.ABSENT and stamp_of(form, sub) is Stamp.PRESENT
