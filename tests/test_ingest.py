"""`intake ingest --json`: one valid JSON line per message with every key of SPEC §6."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from samples.mails import complete_submission, inquiry_mail
from tests.configs import write_config

TOP_KEYS = {"message_id", "from", "subject", "received_at", "classification", "classification_reason", "verdict",
            "deficiencies", "review_flags", "submissions", "documents", "reply"}
SUBMISSION_KEYS = {"number", "enterprise", "group", "topic", "topic_type", "members", "status"}
DOCUMENT_KEYS = {"filename", "kind", "sha256", "stamp", "fields"}


def ingest(config: Path, *paths: Path) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "intake.cli", "--config", str(config), "ingest", "--json",
                             *map(str, paths)], capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_folder_of_eml_files_prints_every_key(tmp_path):
    mails = tmp_path / "mails"
    mails.mkdir()
    accepted, raw = complete_submission(3)
    (mails / "01.eml").write_bytes(raw)
    unstamped, raw = complete_submission(4, stamped=False)
    (mails / "02.eml").write_bytes(raw)
    (mails / "03.eml").write_bytes(inquiry_mail("zhang@example.cn", "请问现场发表的时间定了吗？"))

    lines = ingest(write_config(tmp_path / "svc"), mails)

    assert len(lines) == 3
    for line in lines:
        assert set(line) == TOP_KEYS
        assert all(set(s) == SUBMISSION_KEYS for s in line["submissions"])
        assert all(set(d) == DOCUMENT_KEYS for d in line["documents"])
    ok, deficient, question = lines
    assert ok["classification"] == "submission" and ok["verdict"] == "accepted"
    assert ok["submissions"][0]["number"] == "QC2023-001"
    assert ok["submissions"][0]["enterprise"] == accepted.enterprise
    assert ok["reply"]["type"] == "acknowledgement" and ok["reply"]["to"] == accepted.sender
    kinds = {d["kind"] for d in ok["documents"]}
    assert {"entry_form", "qc_report"} <= kinds
    form = next(d for d in ok["documents"] if d["kind"] == "entry_form")
    assert form["stamp"] == "present" and form["fields"]["QC小组名称"] == accepted.group

    assert deficient["verdict"] == "deficient"
    assert [d["code"] for d in deficient["deficiencies"]] == ["MISSING_STAMP"]
    assert deficient["submissions"][0]["number"] == "QC2023-002"
    assert deficient["reply"]["type"] == "deficiency_notice"

    assert question["classification"] == "inquiry"
    assert question["verdict"] is None and question["reply"] is None
    assert "识别为报名表" in ok["classification_reason"], "the secretariat sees why a mail was taken"
    assert "没有附件" in question["classification_reason"], "and why one was left to a person"

    replies = sorted((tmp_path / "svc" / "replies").glob("*.eml"))
    assert len(replies) == 2

    again = ingest(write_config(tmp_path / "svc"), mails)
    assert again == lines, "ingesting the same files again changes nothing"
    assert len(sorted((tmp_path / "svc" / "replies").glob("*.eml"))) == 2
