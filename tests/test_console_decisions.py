"""console/decisions.py: the secretariat's decisions as they reach the store and the outbox, and the
re-run of a message, which changes everything or nothing (real fixture mails, real pipeline)."""
from __future__ import annotations

import email
import email.policy
import shutil
from datetime import datetime

import psycopg
import pytest
from sqlmodel import select

from console import decisions
from store import console as console_store
from store.db import CLAIM_SPACE
from store.models import Message, MessageStatus, Outbox, Registration, StoredDocument, StoredFinding
from tests.test_console_common import close, login, make_console, post
from tests.test_faults_storage import remount, tmpfs


def _now(console) -> datetime:
    return datetime.now(console.settings.competition.timezone)


def _text_of(raw: bytes) -> str:
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    return mail.get_body(("plain",)).get_content()


def _state(console, message_id: int) -> dict:
    """What a re-run may change for a message, as the store keeps it."""
    with console.store.session() as s:
        message = s.get(Message, message_id)
        return {
            "status": message.status, "classification": message.classification,
            "documents": sorted((d.id, d.filename) for d in s.exec(
                select(StoredDocument).where(StoredDocument.message_id == message_id))),
            "findings": sorted((f.id, f.code) for f in s.exec(
                select(StoredFinding).where(StoredFinding.message_id == message_id))),
            "registrations": sorted((r.id, r.number, r.status) for r in s.exec(select(Registration))),
            "replies": sorted((o.id, o.subject) for o in s.exec(select(Outbox))),
        }


@pytest.fixture
def fed(tmp_path, store_url):
    console = make_console(tmp_path, store_url, ("accepted", "unstamped"))
    yield console
    close(console)


def test_notice_lists_the_registrations_own_finding_and_the_note(fed):
    reg = fed.registration("unstamped")
    decision = decisions.send_notice(fed.pipeline, "wangfang", reg, ["MISSING_STAMP", "NOT_A_CODE"],
                                     "请加盖公章后回复本邮件。", None, _now(fed))
    assert decision.detail["codes"] == ["MISSING_STAMP"]
    notice = console_store.reply(fed.store, decision.outbox_id)
    text = _text_of(notice.raw)
    assert reg.number in notice.subject and "表格未加盖单位公章" in text and "请加盖公章后回复本邮件。" in text
    assert fed.registration("unstamped").status == "deficient"


def test_notice_without_codes_or_note_is_refused(fed):
    with pytest.raises(console_store.ConsoleRefused, match="请至少选择一项问题"):
        decisions.send_notice(fed.pipeline, "wangfang", fed.registration("accepted"), ["NOT_A_CODE"], "  ", None,
                              _now(fed))


def test_accept_with_a_receipt_settles_the_standing_findings(fed):
    reg = fed.registration("unstamped")
    decision = decisions.accept(fed.pipeline, "wangfang", reg, "已电话核实，公章清晰", True, _now(fed))
    receipt = console_store.reply(fed.store, decision.outbox_id)
    assert receipt.reply_type == "acknowledgement" and reg.number in _text_of(receipt.raw)
    assert fed.registration("unstamped").status == "accepted" and decision.detail["settles"]


def test_rerun_of_an_unknown_message_is_refused(fed):
    with pytest.raises(console_store.ConsoleRefused, match="没有这封邮件"):
        decisions.rerun(fed.pipeline, "wangfang", 99999, "")
    assert decisions.is_rerunnable(MessageStatus.PROCESSED) and not decisions.is_rerunnable(MessageStatus.PENDING)


def test_rerun_waits_for_the_process_holding_the_message_and_changes_nothing(tmp_path, pg_url):
    """Another process holds the message (PostgreSQL): the re-run is refused before it changes
    anything, no worker picks the mail up as new, and a later re-run keeps the numbers."""
    console = make_console(tmp_path, pg_url, ("unstamped",))
    try:
        reg = console.registration("unstamped")
        message_id = reg.last_message_id
        before = _state(console, message_id)
        with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (CLAIM_SPACE, message_id))
            with pytest.raises(console_store.ConsoleRefused) as refused:
                decisions.rerun(console.pipeline, "wangfang", message_id, "报名表读取程序已修复")
            assert _state(console, message_id) == before
            assert "正由收信服务处理" in str(refused.value)
        assert console.pipeline.process_pending() == []  # nothing left pending to be numbered anew
        _, outcome = decisions.rerun(console.pipeline, "wangfang", message_id, "报名表读取程序已修复")
        assert [s["number"] for s in outcome["submissions"]] == [reg.number]
        after = _state(console, message_id)
        assert after["registrations"] == before["registrations"] and after["status"] == MessageStatus.PROCESSED
        assert [code for _, code in after["findings"]] == [code for _, code in before["findings"]]
    finally:
        close(console)


def test_rerun_that_cannot_write_the_archive_changes_nothing(tmp_path, store_url):
    """The record step fails for real (the attachments must be written again to a read-only
    archive): the page says so in Chinese, the store is as it was, and once the archive is
    writable again the re-run keeps the registration's number."""
    with tmpfs(tmp_path / "archive", size="16m") as archive:
        console = make_console(tmp_path, store_url, ("unstamped",))
        try:
            assert login(console.client).status_code == 303
            reg = console.registration("unstamped")
            message_id = reg.last_message_id
            sha = console_store.message(console.store, message_id).raw_sha256
            shutil.rmtree(archive / "files" / sha)  # attachments are cut out of the raw mail again
            before = _state(console, message_id)
            remount(archive, "ro")
            try:
                refused = post(console.client, f"/messages/{message_id}/rerun", {"note": "报名表读取程序已修复"})
                page = console.client.get(refused.headers["location"]).text
                assert _state(console, message_id) == before
                assert "重新处理失败，未作任何改动：存档目录不可写入" in page
                assert console_store.decisions(console.store) == []
                assert console.pipeline.process_pending() == []
            finally:
                remount(archive, "rw")
            done = post(console.client, f"/messages/{message_id}/rerun", {"note": "存档已恢复可写"})
            assert f"邮件已重新处理，总编号 {reg.number}" in console.client.get(done.headers["location"]).text
            after = _state(console, message_id)
            assert after["registrations"] == before["registrations"]
            assert [name for _, name in after["documents"]] == [name for _, name in before["documents"]]
            assert (archive / "files" / sha).is_dir()
            [decision] = console_store.decisions(console.store)
            assert decision.action == console_store.RERUN and decision.detail["numbers"] == [reg.number]
        finally:
            close(console)
