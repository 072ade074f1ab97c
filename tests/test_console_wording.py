"""console/wording.py: one Chinese label for every code the console can show — every enum
value the pipeline stores, every finding code a validator emits, every decision — and a
Chinese placeholder, never the code, for one nobody labelled yet."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from console.wording import NOTE_CODE, NOTICE_CODES, error_text, label
from intake.base.model import Classification, DocumentKind, ReplyType, Severity, Stamp, Verdict
from intake.validators.deadline import LATE_CODE
from store import console as console_store
from store.models import MessageStatus, OutboxStatus

INTAKE = Path(__file__).resolve().parent.parent / "intake"
EMITTED = re.compile(r"""\b(?:deficiency|review|Finding)\(\s*["']([A-Z][A-Z_]+)["']""")
NEW_REVIEW_FLAGS = ("REPEATED_SUBMISSION", "RESUBMITTED_RESULT", "SIMILAR_RESULT", "FILES_OF_ANOTHER_REGISTRATION",
                    "POSSIBLE_COPY")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _values(holder) -> list[str]:
    return [value for name, value in vars(holder).items() if name.isupper() and isinstance(value, str)]


def emitted_codes() -> set[str]:
    """Every finding code the pipeline's source raises (read from the source, so a new one counts)."""
    return {code for path in INTAKE.rglob("*.py") for code in EMITTED.findall(path.read_text(encoding="utf-8"))}


TABLES = {
    "class": [c.value for c in Classification], "kind": [k.value for k in DocumentKind],
    "stamp": [s.value for s in Stamp], "severity": [s.value for s in Severity],
    "verdict": [v.value for v in Verdict], "reply": [r.value for r in ReplyType] + ["reminder"],
    "message_status": _values(MessageStatus), "outbox": _values(OutboxStatus), "status": ["accepted", "deficient"],
    "action": [console_store.ACCEPT, console_store.WAIVE, console_store.CONFIRM, console_store.NOTICE,
               console_store.RESEND, console_store.RERUN, console_store.ANSWERED],
    "mail": [c.value for c in Classification] + _values(MessageStatus),
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_stored_value_has_a_chinese_label(table):
    for code in TABLES[table]:
        text = label(table, code)
        assert CHINESE.search(text) and code not in text, (table, code, text)


def test_every_finding_code_has_a_chinese_title():
    codes = emitted_codes() | set(NEW_REVIEW_FLAGS) | set(NOTICE_CODES) | {NOTE_CODE, LATE_CODE}
    assert {"MISSING_STAMP", "STAMP_UNCERTAIN", "MANUAL_REVIEW", "REPEATED_SUBMISSION"} <= codes
    untitled = {code: label("finding", code) for code in codes if not CHINESE.search(label("finding", code))}
    assert untitled == {}
    assert label("finding", "SIMILAR_RESULT") == "疑似同一成果"
    assert label("finding", "FILES_OF_ANOTHER_REGISTRATION") == "与其他单位成果的文件相同"


def test_a_code_nobody_labelled_shows_in_chinese_and_is_logged(caplog):
    caplog.set_level(logging.WARNING, logger="intake.console")
    assert label("finding", "BRAND_NEW_CHECK") == "其他事项"
    assert label("kind", "annex_9") == "未分类"
    assert "BRAND_NEW_CHECK" in caplog.text and "annex_9" in caplog.text
    assert label("status", None) == "" and label("reply", "") == ""


def test_processing_errors_read_in_chinese():
    assert error_text("OSError: [Errno 28] No space left on device") == "存档所在磁盘已满"
    assert error_text("PermissionError: [Errno 30] Read-only file system: '/srv/archive/files'") == "存档目录不可写入"
    assert error_text("OperationalError: (sqlite3.OperationalError) database is locked") == "数据库暂时无法写入"
    assert error_text("KeyError: 'fields'") == "程序处理出错（详情见日志）"
    assert error_text("邮件无法解析：HeaderParseError") == "邮件无法解析：HeaderParseError"
    assert error_text(None) == ""
