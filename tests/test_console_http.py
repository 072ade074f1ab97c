"""The console over HTTP: logins, expiry, CSRF, escaping, and what each decision does to the
store and the outbox (decisions on SQLite and PostgreSQL). Mails are real fixture mails run
through the real pipeline."""
from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from console.app import RowId, create_app
from intake.cli import main
from samples import mails
from intake.base.model import ReplyType
from intake.run.poll import deliver
from notifier.digest import build_digest, render_digest_html, render_digest_text
from store import console as console_store
from store.models import (ConsoleDecision, ConsoleUser, Message, MessageStatus, Outbox, OutboxStatus, Registration,
                          StoredDocument, StoredFinding)
from tests.configs import write_config
from tests.test_console_common import (PASSWORD, SCRIPT, SECRET, USER, close, csrf_of, login, make_console,
                                       mailbox, post)

SPAM_REFUSAL = "554 DT:SPM 163 smtp14,EsCowAD3 发送的邮件内容包含了未被许可的信息"
PAGES = ["/", "/registrations", "/review", "/inquiries", "/replies", "/decisions"]


@pytest.fixture
def bare(tmp_path):
    console = make_console(tmp_path)
    yield console
    close(console)


@pytest.fixture
def fed(tmp_path, store_url):
    """A console over a store (SQLite and PostgreSQL) holding every kind of mail the tests need."""
    console = make_console(tmp_path, store_url, ("accepted", "unstamped", "flagged", "inquiry"))
    assert login(console.client).status_code == 303
    yield console
    close(console)


def _decisions(console, action: str | None = None) -> list[ConsoleDecision]:
    with console.store.session() as s:
        query = select(ConsoleDecision).order_by(ConsoleDecision.id)
        return list(s.exec(query.where(ConsoleDecision.action == action) if action else query))


def _outbox(console) -> list[Outbox]:
    with console.store.session() as s:
        return list(s.exec(select(Outbox).order_by(Outbox.id)))


def _findings(console, key: str, code: str) -> list[StoredFinding]:
    reg = console.registration(key)
    return [f for f in console.store.findings_of(reg.id)
            if f.code == code and f.message_id == reg.last_message_id]


# -- logins, sessions, CSRF --------------------------------------------------------------

def test_every_page_needs_a_login(bare):
    for path in PAGES + ["/registrations/QC2023-001", "/messages/1", "/documents/1/download"]:
        response = bare.client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path
    refused = bare.client.post("/registrations/QC2023-001/accept", data={"note": "x"})
    assert refused.status_code == 401 and "请重新登录" in refused.text
    assert bare.client.get("/static/console.css").status_code == 200  # the login page needs its style


def test_login_logout_and_wrong_password(bare, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = login(bare.client, password="not-the-password")
    assert wrong.status_code == 401 and "账号或密码不正确" in wrong.text
    assert login(bare.client, name="nobody").status_code == 401
    assert login(bare.client, next_path="//evil.example/").headers["location"] == "/"  # no open redirect
    page = bare.client.get("/")
    assert page.status_code == 200 and "总览" in page.text and USER in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    out = bare.client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and bare.client.get("/").status_code == 303
    ok = login(bare.client, next_path="/inquiries")
    assert ok.status_code == 303 and ok.headers["location"] == "/inquiries"
    assert PASSWORD not in caplog.text and "not-the-password" not in caplog.text


def test_repeated_wrong_passwords_are_throttled(bare):
    for _ in range(5):
        assert login(bare.client, password="guess").status_code == 401
    assert login(bare.client).status_code == 429


def test_session_expires_after_the_configured_time(tmp_path):
    # [web] session_minutes = 0.02: 1.2 seconds, rounded to one.
    console = make_console(tmp_path, config_extra="\n[web]\nsession_minutes = 0.02\n")
    try:
        assert console.settings.web.session_minutes == pytest.approx(0.02)
        assert login(console.client).status_code == 303
        assert console.client.get("/").status_code == 200
        time.sleep(2.2)
        expired = console.client.get("/registrations")
        assert expired.status_code == 303 and expired.headers["location"] == "/login?next=/registrations"
    finally:
        close(console)


def test_post_without_the_csrf_token_changes_nothing(fed):
    reg = fed.registration("flagged")
    flag = _findings(fed, "flagged", "STAMP_UNCERTAIN")[0]
    cases = [
        (f"/registrations/{reg.number}/accept", {"note": "看过了"}),
        (f"/findings/{flag.id}/settle", {"action": "waive", "note": "看过了"}),
        (f"/registrations/{reg.number}/notice", {"codes": "MISSING_STAMP"}),
        (f"/messages/{fed.message_ids['inquiry']}/answered", {}),
    ]
    for path, data in cases:
        assert fed.client.post(path, data=data).status_code == 403, path
        forged = fed.client.post(path, data={**data, "csrf": "forged-token"})
        assert forged.status_code == 403 and "操作未执行" in forged.text, path
    assert _decisions(fed) == []
    assert fed.registration("flagged").status == "accepted" and len(_outbox(fed)) == 3
    # The login form carries a token too (no login CSRF).
    assert fed.client.post("/login", data={"name": USER, "password": PASSWORD}).status_code == 403


def test_hostile_sender_text_is_escaped_everywhere(tmp_path):
    console = make_console(tmp_path, None, ("hostile", "hostile_inquiry"))
    try:
        login(console.client)
        number = console.numbers["hostile"]
        post(console.client, f"/messages/{console.message_ids['hostile_inquiry']}/answered",
             {"note": f"已电话答复{SCRIPT}", "back": "/inquiries"})
        pages = PAGES + [f"/registrations/{number}", f"/messages/{console.message_ids['hostile']}",
                         f"/messages/{console.message_ids['hostile_inquiry']}", "/inquiries?all=1",
                         f"/registrations?q={SCRIPT}", "/registrations?enterprise=%22%3E%3Cimg"]
        seen_escaped = False
        for path in pages:
            page = console.client.get(path)
            assert page.status_code == 200, path
            assert SCRIPT not in page.text and "<img src=x" not in page.text, path
            seen_escaped |= "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert seen_escaped
        detail = console.client.get(f"/registrations/{number}").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;QC小组" in detail and "&#34;&gt;&lt;img src=x onerror" in detail
    finally:
        close(console)


# -- accounts and serving ------------------------------------------------------------------

def test_user_add_keeps_only_an_argon2_hash(tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    config = write_config(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("一个足够长的密码 123\n"))
    assert main(["--config", str(config), "user", "add", "李秘书", "--password-stdin"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["--config", str(config), "user", "add", "李秘书", "--password-stdin"]) == 2
    out = capsys.readouterr()
    assert "已创建控制台账号：李秘书" in out.out and "至少需要 8 个字符" in out.err
    from store import Store

    store = Store(f"sqlite:///{tmp_path / 'intake.db'}")
    with store.session() as s:
        [user] = s.exec(select(ConsoleUser)).all()
    assert user.name == "李秘书" and user.password_hash.startswith("$argon2id$")
    assert "足够长" not in user.password_hash and "足够长" not in caplog.text + out.out + out.err
    assert b"\xe8\xb6\xb3\xe5\xa4\x9f\xe9\x95\xbf" not in (tmp_path / "intake.db").read_bytes()  # 足够长
    store.close()


def test_web_refuses_to_start_without_its_session_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("INTAKE_WEB_SECRET", raising=False)
    assert main(["--config", str(write_config(tmp_path)), "web", "--port", "1"]) == 2
    assert "INTAKE_WEB_SECRET" in capsys.readouterr().err


def test_web_refuses_a_short_session_key_and_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTAKE_WEB_SECRET", "secret123")
    # An address of no interface here (TEST-NET-1): a console that did start would fail to listen.
    assert main(["--config", str(write_config(tmp_path)), "web", "--host", "192.0.2.1", "--port", "8080"]) == 2
    err = capsys.readouterr().err
    assert "INTAKE_WEB_SECRET is 9 bytes, fewer than 32" in err
    assert 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"' in err


def test_web_refuses_plain_http_beyond_this_machine_unless_told(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTAKE_WEB_SECRET", SECRET)
    config = write_config(tmp_path)
    assert main(["--config", str(config), "web", "--host", "192.0.2.1", "--port", "8080"]) == 2
    err = capsys.readouterr().err
    assert "would listen on 192.0.2.1 in plain HTTP" in err and "https_only = true" in err
    assert "allow_plain_http" in err


def test_a_wrong_host_header_is_refused(bare):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reaches no login form."""
    rebound = bare.client.get("/login", headers={"host": "evil.example:8080"})
    assert rebound.status_code == 400 and 'name="password"' not in rebound.text
    assert bare.client.get("/login", headers={"host": "localhost:8080"}).status_code == 200
    assert bare.client.get("/login").status_code == 200  # 127.0.0.1


def test_the_session_cookie_is_secure_behind_https(tmp_path):
    console = make_console(tmp_path, config_extra='\n[web]\nhttps_only = true\ntrusted_hosts = ["qc.example.cn"]\n')
    try:
        console.client.base_url = "https://qc.example.cn"
        page = console.client.get("/login")
        assert page.status_code == 200 and "; secure" in page.headers["set-cookie"].lower()
        assert console.client.get("/login", headers={"host": "127.0.0.1"}).status_code == 400
    finally:
        close(console)


def test_ids_that_do_not_exist_are_404_whatever_their_size(fed):
    """Every route that takes a row id, read from the app's own route table (a route added
    later is covered too): no id too large for a column gives a 500, none changes anything."""
    huge = ["2147483648", "9223372036854775808", "9" * 18, "9" * 5000]
    routes = [(route.path, route.methods) for route in fed.client.app.routes
              if getattr(route, "param_convertors", None) and any(
                  isinstance(conv, RowId) for conv in route.param_convertors.values())]
    assert len(routes) >= 10, routes
    for number in huge:
        for path, methods in routes:
            url = re.sub(r"\{[a-z_]+:rowid\}", number, path)
            if "GET" in methods:
                response = fed.client.get(url)
                assert response.status_code == 404 and ("未找到" in response.text or "文件不存在" in response.text
                                                        or "没有" in response.text), url
            else:
                response = post(fed.client, url, {"note": "x"})
                assert response.status_code in (303, 404), url
    assert _decisions(fed) == []


# -- decisions (SQLite and PostgreSQL) -----------------------------------------------------------

def test_registration_page_shows_fields_documents_evidence_and_history(fed):
    reg = fed.registration("flagged")
    page = fed.client.get(f"/registrations/{reg.number}").text
    assert reg.enterprise in page and "课题类型" in page and "报名表盖章扫描件.pdf" in page
    assert "<mark>本报告所附网管数据仅供内部使用。</mark>" in page  # the marked text of POSSIBLE_CONFIDENTIAL
    assert "公章识别不确定" in page and "疑似涉密内容" in page
    with fed.store.session() as s:
        docs = {d.filename: d for d in s.exec(select(StoredDocument).where(StoredDocument.registration_id == reg.id))}
    scan = docs["报名表盖章扫描件.pdf"]
    assert f"/documents/{scan.id}/seal" in page and f"/documents/{scan.id}/page/0" in page
    for path in (f"/documents/{scan.id}/seal", f"/documents/{scan.id}/page/0"):
        image = fed.client.get(path)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG"), path
    download = fed.client.get(f"/documents/{scan.id}/download")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;") and download.content.startswith(b"%PDF")
    stamped = fed.registration("accepted")
    with fed.store.session() as s:
        form = s.exec(select(StoredDocument).where(StoredDocument.registration_id == stamped.id,
                                                   StoredDocument.kind == "entry_form")).first()
    seal = fed.client.get(f"/documents/{form.id}/media/0")
    assert seal.status_code == 200 and seal.headers["content-type"].startswith("image/")
    assert "来信" in page and "报名回执" in page  # history: the mail in, the receipt out


def test_accept_despite_a_flag(fed):
    reg = fed.registration("flagged")
    assert "公章识别不确定" in fed.client.get("/review").text
    response = post(fed.client, f"/registrations/{reg.number}/accept",
                    {"note": "已电话核实，扫描件公章清晰", "back": f"/registrations/{reg.number}"})
    assert response.status_code == 303
    page = fed.client.get(response.headers["location"]).text
    assert f"已受理 {reg.number}" in page and "予以受理" in page and "已电话核实，扫描件公章清晰" in page
    [decision] = _decisions(fed, console_store.ACCEPT)
    assert (decision.user, decision.registration_id, decision.note) == (USER, reg.id, "已电话核实，扫描件公章清晰")
    flags = _findings(fed, "flagged", "STAMP_UNCERTAIN") + _findings(fed, "flagged", "POSSIBLE_CONFIDENTIAL")
    assert set(decision.detail["settles"]) >= {f.id for f in flags}
    assert fed.registration("flagged").status == "accepted" and len(_outbox(fed)) == 3  # no new mail
    review = fed.client.get("/review").text
    assert reg.number not in review and "没有待核查的提示" in review
    # The next digest lists the decision and no longer asks a person to look at the flags.
    digest = build_digest(fed.store, fed.settings, datetime.now(fed.settings.competition.timezone))
    assert [line.note for line in digest.decisions] == ["已电话核实，扫描件公章清晰"]
    assert not any(item.number == reg.number for item in digest.review)
    assert "秘书处处理记录" in render_digest_html(digest) and reg.number in render_digest_text(digest)


def test_accepting_a_deficient_registration_queues_a_receipt(fed):
    reg = fed.registration("unstamped")
    assert reg.status == "deficient"
    post(fed.client, f"/registrations/{reg.number}/accept", {"note": "公章已另行邮寄原件", "acknowledge": "1"})
    assert fed.registration("unstamped").status == "accepted"
    receipt = _outbox(fed)[-1]
    decision = _decisions(fed, console_store.ACCEPT)[0]
    assert decision.outbox_id == receipt.id and decision.detail["previous_status"] == "deficient"
    assert (receipt.message_id, receipt.reply_type, receipt.status) == (None, "acknowledgement", "queued")
    assert reg.number in receipt.subject and receipt.to_addr == reg.sender


def _annex8_results(console) -> list[list]:
    """Section 一 of 附件8 (推荐汇总表) as the secretariat opens the exported workbook."""
    from openpyxl import load_workbook
    from notifier.workbook import registry_workbook

    sheet = load_workbook(io.BytesIO(registry_workbook(console.store, console.settings)))["推荐汇总表"]
    rows = [[v for v in r if v not in (None, "")] for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] == "一、优秀质量管理小组活动成果")
    end = next(i for i, r in enumerate(rows) if r and r[0] == "二、全省质量管理小组活动优秀企业")
    return [r for r in rows[start + 2:end] if r]


def test_late_registration_waits_for_the_secretariat_and_enters_annex_8_once_accepted(tmp_path, store_url):
    cst = timezone(timedelta(hours=8))
    late_data, late_raw = mails.complete_submission(
        66, stamped=False, mail_options={"date": datetime(2023, 3, 3, 9, 15, tzinfo=cst)})
    console = make_console(tmp_path, store_url, ("accepted",), deadline="2023-03-03T00:00:00+08:00",
                           extra_mail={"late": late_raw})
    try:
        assert login(console.client).status_code == 303
        on_time, late = console.registration("accepted"), console.registration("late")
        assert late.status == "deficient"
        assert [r[2] for r in _annex8_results(console)] == [on_time.group_name]
        assert "逾期待定" in console.client.get("/review").text and late.number in console.client.get("/review").text
        digest = build_digest(console.store, console.settings, datetime(2023, 3, 3, 18, 0, tzinfo=cst))
        assert [item.number for item in digest.late] == [late.number]
        assert late.number not in [item.number for item in digest.outstanding]
        text = render_digest_text(digest)
        section = text[text.index("四、逾期待定（1 项"):text.index("五、需人工核查")]
        assert late.number in section and "超过报名截止时间" in section and "表格未加盖单位公章" in section
        assert "报名已截止（通知规定3月3日前报名）" in text and "00:00" not in text.split("一、来信统计")[0]

        post(console.client, f"/registrations/{late.number}/accept", {"note": "经研究同意受理逾期材料"})

        assert console.registration("late").status == "accepted"
        assert [r[2] for r in _annex8_results(console)] == [on_time.group_name, late_data.group]
        assert not build_digest(console.store, console.settings, datetime(2023, 3, 3, 19, 0, tzinfo=cst)).late
    finally:
        close(console)


def test_waive_needs_a_reason_and_the_last_deficiency_waived_accepts(fed):
    [missing] = _findings(fed, "unstamped", "MISSING_STAMP")
    refused = post(fed.client, f"/findings/{missing.id}/settle", {"action": "waive", "note": ""})
    assert "请写明理由" in fed.client.get(refused.headers["location"]).text and _decisions(fed) == []
    post(fed.client, f"/findings/{missing.id}/settle", {"action": "waive", "note": "原件已加盖公章"})
    [decision] = _decisions(fed, console_store.WAIVE)
    assert decision.finding_id == missing.id and decision.detail["status"] == "accepted"
    assert fed.registration("unstamped").status == "accepted"


def test_confirm_a_flag_settles_it_without_changing_the_status(fed):
    [flag] = _findings(fed, "flagged", "POSSIBLE_CONFIDENTIAL")
    post(fed.client, f"/findings/{flag.id}/settle", {"action": "confirm", "note": "确有内部数据，请企业删除"})
    [decision] = _decisions(fed, console_store.CONFIRM)
    assert (decision.finding_id, decision.note, decision.user) == (flag.id, "确有内部数据，请企业删除", USER)
    assert fed.registration("flagged").status == "accepted"
    review = fed.client.get("/review").text
    assert "公章识别不确定" in review and "疑似涉密内容" not in review


def test_deficiency_notice_from_chosen_codes_goes_through_the_outbox(fed):
    reg = fed.registration("accepted")
    _, receipt = fed.store.message_and_reply(reg.last_message_id)
    post(fed.client, f"/registrations/{reg.number}/notice",
         {"codes": ["MISSING_STAMP", "CONFIDENTIAL_MARKING"], "note": "请在成果报告第3页删除“内部资料”字样。"})
    registration = fed.registration("accepted")
    assert registration.status == "deficient" and registration.number == reg.number
    notice = _outbox(fed)[-1]
    assert (notice.message_id, notice.reply_type, notice.status) == (None, ReplyType.DEFICIENCY_NOTICE.value, "queued")
    assert f"补正通知：总编号{reg.number}" in notice.subject and notice.to_addr == reg.sender
    [decision] = _decisions(fed, console_store.NOTICE)
    assert decision.outbox_id == notice.id and decision.detail["codes"] == ["MISSING_STAMP", "CONFIDENTIAL_MARKING"]
    mail = email.message_from_bytes(notice.raw, policy=email.policy.default)
    assert mail["In-Reply-To"] == receipt.reply_message_id and mail["Auto-Submitted"] == "auto-replied"
    text = mail.get_body(("plain",)).get_content()
    for words in ("表格未加盖单位公章", "材料含有涉密标识", "秘书处补充说明", "删除“内部资料”字样", reg.number):
        assert words in text
    # notifier/send.py sends it like any reply: the directory transport writes it with the same Message-ID.
    deliver(fed.pipeline)
    assert console_store.reply(fed.store, notice.id).status == OutboxStatus.SENT
    written = [p.read_bytes() for p in (fed.settings.smtp.directory).glob("*.eml")]
    assert any(notice.reply_message_id.encode() in raw for raw in written)
    page = fed.client.get(f"/registrations/{reg.number}").text
    assert "发送补正通知" in page and notice.subject in page


def test_notice_needs_a_code_or_a_note(fed):
    reg = fed.registration("accepted")
    response = post(fed.client, f"/registrations/{reg.number}/notice", {"note": "  "})
    assert "请至少选择一项" in fed.client.get(response.headers["location"]).text
    assert _decisions(fed) == [] and fed.registration("accepted").status == "accepted"


def test_resend_a_failed_reply(fed):
    reg = fed.registration("unstamped")
    _, reply = fed.store.message_and_reply(reg.last_message_id)
    fed.store.settle_reply(reply.id, OutboxStatus.FAILED, now=datetime.now().astimezone(), error=SPAM_REFUSAL)
    listed = fed.client.get("/replies").text
    assert "554 DT:SPM" in listed and "重试" in listed
    post(fed.client, f"/replies/{reply.id}/resend", {"note": "已请企业将发件地址加入白名单", "back": "/replies"})
    row = console_store.reply(fed.store, reply.id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.QUEUED, 0, None)
    assert row.reply_message_id == reply.reply_message_id and row.raw == reply.raw  # the same reply
    [decision] = _decisions(fed, console_store.RESEND)
    assert decision.outbox_id == reply.id and decision.detail["previous_status"] == "failed"
    assert "没有发送失败的回复" in fed.client.get("/replies").text
    # A reply already queued is not queued twice.
    again = post(fed.client, f"/replies/{reply.id}/resend", {})
    assert "无需重发" in fed.client.get(again.headers["location"]).text


def test_rerun_a_processed_message_keeps_its_number(fed):
    reg = fed.registration("unstamped")
    message_id = reg.last_message_id
    with fed.store.session() as s:
        old_docs = {d.id for d in s.exec(select(StoredDocument).where(StoredDocument.message_id == message_id))}
        registrations = len(s.exec(select(Registration)).all())
    post(fed.client, f"/messages/{message_id}/rerun", {"note": "报名表读取程序已修复"})
    again = fed.registration("unstamped")
    assert again.id == reg.id and again.number == reg.number and again.status == "deficient"
    with fed.store.session() as s:
        new_docs = {d.id for d in s.exec(select(StoredDocument).where(StoredDocument.message_id == message_id))}
        assert len(s.exec(select(Registration)).all()) == registrations
        replies = s.exec(select(Outbox).where(Outbox.message_id == message_id)).all()
        message = s.get(Message, message_id)
    assert new_docs and not new_docs & old_docs and message.status == MessageStatus.PROCESSED
    assert len(replies) == 1 and reg.number in replies[0].subject  # the unsent notice replaced, same number
    assert len(_outbox(fed)) == 3
    [decision] = _decisions(fed, console_store.RERUN)
    assert decision.registration_id == reg.id and decision.detail["numbers"] == [reg.number]
    assert len(_findings(fed, "unstamped", "MISSING_STAMP")) == 1


def test_rerun_a_quarantined_message_after_the_fix(fed):
    raw = mailbox()["hostile"]
    from intake.mime.parse import file_received_time

    message, _ = fed.pipeline.accept(raw, account="test", folder="INBOX", received_at=file_received_time(raw))
    for _ in range(3):
        fed.store.note_failure(message.id, "OSError: [Errno 28] No space left on device")
    assert "存档所在磁盘已满" in fed.client.get("/review").text
    post(fed.client, f"/messages/{message.id}/rerun", {"note": "磁盘已清理", "back": "/review"})
    processed = console_store.message(fed.store, message.id)
    assert processed.status == MessageStatus.PROCESSED and processed.classification == "submission"
    [decision] = _decisions(fed, console_store.RERUN)
    assert decision.detail["before_status"] == "quarantined" and decision.detail["numbers"]


def test_inquiry_marked_answered(fed):
    inquiry = fed.message_ids["inquiry"]
    listed = fed.client.get("/inquiries").text
    assert "现场发表每个小组的时间" in listed and "未作为报名处理：邮件没有附件" in listed
    assert "判断依据" in fed.client.get(f"/messages/{inquiry}").text
    post(fed.client, f"/messages/{inquiry}/answered", {"note": "已电话答复：每组15分钟", "back": "/inquiries"})
    [decision] = _decisions(fed, console_store.ANSWERED)
    assert (decision.message_id, decision.user) == (inquiry, USER)
    assert "没有未答复的咨询" in fed.client.get("/inquiries").text
    assert "已电话答复：每组15分钟" in fed.client.get("/inquiries?all=1").text
    assert "咨询已答复" in fed.client.get("/decisions").text


def test_dashboard_counts_chart_and_what_needs_a_person(fed):
    page = fed.client.get("/").text
    assert "距报名截止" in page and '<svg class="chart"' in page and "<script" not in page
    assert "需核查的提示 <strong>2</strong> 项" in page and "未答复的咨询 <strong>1</strong> 封" in page
    filtered = fed.client.get("/registrations", params={"code": "MISSING_STAMP"}).text
    assert fed.numbers["unstamped"] in filtered and fed.numbers["accepted"] not in filtered
    assert fed.numbers["flagged"] in fed.client.get("/registrations", params={"status": "flagged"}).text
    reg = fed.registration("accepted")
    found = fed.client.get("/registrations", params={"q": reg.group_name, "topic_type": reg.topic_type}).text
    assert reg.number in found and fed.numbers["unstamped"] not in found


def test_the_session_key_is_required(bare):
    from intake.base.config import ConfigError

    with pytest.raises(ConfigError, match="INTAKE_WEB_SECRET"):
        create_app(bare.settings, secret="", pipeline=bare.pipeline)
    assert SECRET not in bare.client.get("/login").text


def test_expired_form_page_is_refused(tmp_path):
    """A form opened before the session lapsed is refused, not carried out."""
    console = make_console(tmp_path, None, ("flagged",), session_seconds=1)
    try:
        login(console.client)
        number = console.numbers["flagged"]
        token = csrf_of(console.client.get(f"/registrations/{number}").text)
        time.sleep(2.2)
        late = console.client.post(f"/registrations/{number}/accept", data={"csrf": token, "note": "迟到的提交"})
        assert late.status_code == 401 and _decisions(console) == []
    finally:
        close(console)


def test_decisions_older_than_a_day_are_not_in_the_digest(fed):
    post(fed.client, f"/messages/{fed.message_ids['inquiry']}/answered", {"note": "已答复"})
    tomorrow = datetime.now(fed.settings.competition.timezone) + timedelta(days=1, minutes=1)
    assert build_digest(fed.store, fed.settings, tomorrow).decisions == ()
