"""intake.validators: every rule runs, a rule that breaks is a review flag with its traceback
in the log, and the verdict follows the deficiencies."""
from __future__ import annotations

import logging

from intake.base.model import Severity, Verdict
from intake import validators
from intake.validators import RULES, validate, verdict_of
from tests.readings import basic_files, context, entry, submission


def test_a_complete_registration_has_no_deficiency_and_is_accepted():
    data = entry()
    findings = validate(submission(basic_files(data), data), context())
    assert not [f for f in findings if f.severity is Severity.DEFICIENCY]
    assert verdict_of(findings) is Verdict.ACCEPTED


def test_an_unstamped_form_makes_the_verdict_deficient():
    data = entry()
    findings = validate(submission(basic_files(data, stamped=False), data), context())
    assert [f.code for f in findings if f.severity is Severity.DEFICIENCY] == ["MISSING_STAMP"]
    assert verdict_of(findings) is Verdict.DEFICIENT


def test_a_rule_that_breaks_becomes_a_review_flag_and_its_traceback_is_logged(monkeypatch, caplog):
    def check_breaks(sub, ctx):
        return [sub.documents[99]]  # a rule's own bug: the mail has two documents

    monkeypatch.setattr(validators, "RULES", (check_breaks, *RULES))
    data = entry()
    with caplog.at_level(logging.ERROR, logger="intake.validators"):
        findings = validate(submission(basic_files(data), data), context())
    [flag] = [f for f in findings if f.code == "MANUAL_REVIEW" and "check_breaks" in f.detail]
    assert flag.severity is Severity.REVIEW and "出错" in flag.detail
    [record] = [r for r in caplog.records if "check_breaks" in r.getMessage()]
    assert record.exc_info and record.exc_info[0] is IndexError, "the traceback is kept for whoever fixes it"
