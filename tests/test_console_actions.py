"""console/actions.py over HTTP: each decision posted as the browser posts it, and what the
secretariat reads on the next page (the one-time message), including the refusals."""
from __future__ import annotations

import pytest

from store import console as console_store
from tests.test_console_common import close, login, make_console, post


@pytest.fixture
def console(tmp_path):
    fed = make_console(tmp_path, None, ("accepted", "unstamped", "flagged", "inquiry"))
    assert login(fed.client).status_code == 303
    yield fed
    close(fed)


def _said(console, response) -> str:
    """The page the browser lands on after a post, with its one-time message."""
    assert response.status_code == 303
    return console.client.get(response.headers["location"]).text


def test_accept_and_notice_say_what_was_queued(console):
    flagged, unstamped = console.numbers["flagged"], console.numbers["unstamped"]
    page = _said(console, post(console.client, f"/registrations/{flagged}/accept",
                               {"note": "已电话核实", "acknowledge": "1"}))
    assert f"已受理 {flagged}，回执已放入发件队列。" in page
    page = _said(console, post(console.client, f"/registrations/{unstamped}/notice",
                               {"codes": ["MISSING_STAMP"], "note": ""}))
    assert f"补正通知（总编号 {unstamped}）已放入发件队列。" in page


def test_refusals_are_said_and_change_nothing(console):
    client, unstamped = console.client, console.numbers["unstamped"]
    assert "没有这个总编号的报名。" in _said(console, post(client, "/registrations/QC2023-999/accept", {"note": "x"}))
    assert "请至少选择一项问题或填写补充说明。" in _said(
        console, post(client, f"/registrations/{unstamped}/notice", {"note": " "}))
    [stamp] = [f for f in console.store.findings_of(console.registration("unstamped").id) if f.code == "MISSING_STAMP"]
    assert "免除一项问题时请写明理由。" in _said(console, post(client, f"/findings/{stamp.id}/settle",
                                                                 {"action": "waive", "note": ""}))
    assert "无法处理该事项" in _said(console, post(client, f"/findings/{stamp.id}/settle",
                                                   {"action": "delete", "note": "x"}))
    assert "没有这封回复。" in _said(console, post(client, "/replies/99999/resend", {}))
    assert "没有这封邮件。" in _said(console, post(client, "/messages/99999/answered", {}))
    assert "没有这封邮件。" in _said(console, post(client, "/messages/99999/rerun", {}))
    assert console_store.decisions(console.store) == []


def test_waiving_the_last_deficiency_says_the_registration_is_accepted(console):
    reg = console.registration("unstamped")
    deficiencies = [f for f in console.store.findings_of(reg.id) if f.severity == "deficiency"]
    for f in deficiencies:
        page = _said(console, post(console.client, f"/findings/{f.id}/settle",
                                   {"action": "waive", "note": "扫描件上公章清晰"}))
    assert "已免除该项；该报名已无待补正事项，已改为已受理。" in page
    assert console.registration("unstamped").status == "accepted"


def test_rerun_says_the_numbers_it_kept(console):
    reg = console.registration("accepted")
    page = _said(console, post(console.client, f"/messages/{reg.last_message_id}/rerun",
                               {"note": "报名表读取程序已修复"}))
    assert f"邮件已重新处理，总编号 {reg.number}。" in page


def test_notes_are_cut_to_their_limit(console):
    inquiry = console.message_ids["inquiry"]
    post(console.client, f"/messages/{inquiry}/answered", {"note": "已答复" * 1000})
    [decision] = console_store.decisions(console.store)
    assert decision.action == console_store.ANSWERED and len(decision.note) == 2000
