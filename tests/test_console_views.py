"""console/views.py: the pages of a console fed with real mails, read as a person reads them:
in Chinese throughout (no code, enum value or English status on any page), with what needs a
person listed and the registrations filtered as asked."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from console.views import open_items
from samples.mails_other import auto_reply_mail, bounce_mail, observer_mail
from intake.base.times import utcnow
from intake.mime.parse import file_received_time
from store import console as console_store
from store.models import OutboxStatus
from tests.test_console_common import close, login, make_console, post

CODE = re.compile(r"[A-Z_]{5,}")
PAGE_PREFIXES = ("/registrations", "/messages/", "/review", "/inquiries", "/replies", "/decisions")
LINK = re.compile(r'href="(/[^"#]*)')
# Addresses are the senders' own (MAILER-DAEMON@163.com), not codes.
ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")


class _VisibleText(HTMLParser):
    """The text a person sees: no tags, no attributes, no style or script."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def walk(client) -> dict[str, str]:
    """Every console page reachable from the dashboard by its links, with its visible text."""
    pages, queue = {}, ["/"]
    while queue:
        path = queue.pop()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = visible_text(response.text)
        queue += [link.replace("&amp;", "&") for link in LINK.findall(response.text)
                  if link == "/" or link.startswith(PAGE_PREFIXES)]
    return pages


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """A console with mail of every kind and a decision of every kind taken."""
    console = make_console(
        tmp_path_factory.mktemp("views"), None, ("accepted", "unstamped", "flagged", "inquiry", "hostile"),
        extra_mail={"observer": observer_mail("li.na@sx.chinamobile.example", "中国移动通信集团山西有限公司晋城分公司",
                                              ["李娜", "王强"]),
                    "auto_reply": auto_reply_mail("zhao@example.cn"),
                    "bounce": bounce_mail("nobody@example.cn")})
    assert login(console.client).status_code == 303
    client, store = console.client, console.store
    flagged, unstamped = console.registration("flagged"), console.registration("unstamped")
    flags = [f for f in store.findings_of(flagged.id) if f.severity == "review"]
    post(client, f"/findings/{flags[0].id}/settle", {"action": "confirm", "note": "已核对扫描件"})
    post(client, f"/registrations/{flagged.number}/accept", {"note": "已电话核实", "acknowledge": "1"})
    post(client, f"/registrations/{unstamped.number}/notice", {"codes": ["MISSING_STAMP", "MISSING_FIELD"],
                                                              "note": "请加盖公章"})
    _, reply = store.message_and_reply(console.message_ids["accepted"])
    store.settle_reply(reply.id, OutboxStatus.FAILED, now=utcnow(), error="554 DT:SPM 163 smtp14 发送的邮件内容包含了未被许可的信息")
    post(client, f"/replies/{reply.id}/resend", {"note": "已改正文后重发"})
    store.settle_reply(reply.id, OutboxStatus.FAILED, now=utcnow(), error="554 DT:SPM 163 smtp14 发送的邮件内容包含了未被许可的信息")
    post(client, f"/messages/{console.message_ids['accepted']}/rerun", {"note": "报名表读取程序已修复"})
    post(client, f"/messages/{console.message_ids['inquiry']}/answered", {"note": "已电话答复"})
    raw = bounce_mail("other@example.cn", original_subject="关于报名的回复")
    stuck, _ = console.pipeline.accept(raw, account="test", folder="INBOX", received_at=file_received_time(raw))
    for _ in range(3):
        store.note_failure(stuck.id, "OSError: [Errno 28] No space left on device")
    yield console
    close(console)


def test_no_page_shows_a_code_or_an_english_status(everything):
    pages = walk(everything.client)
    assert {"/", "/registrations", "/review", "/inquiries", "/replies", "/decisions"} <= set(pages)
    assert sum(path.startswith("/registrations/") for path in pages) >= 4
    assert sum(path.startswith("/messages/") for path in pages) >= 6
    leaks = {path: found for path, text in pages.items() if (found := CODE.findall(ADDRESS.sub("", text)))}
    assert leaks == {}
    decisions = pages["/decisions"]
    for words in ("确认问题", "予以受理", "发送补正通知：表格未加盖单位公章、表格有未填写项", "重发回复", "重新处理邮件",
                  "咨询已答复"):
        assert words in decisions, words
    assert "存档所在磁盘已满" in pages["/review"] and "观摩报名" in pages["/"] and "退信" in pages["/"]


def test_registration_page_names_kinds_stamps_and_reply_types_in_chinese(everything):
    page = visible_text(everything.client.get(f"/registrations/{everything.numbers['unstamped']}").text)
    assert "报名表（附件2）" in page and "成果报告" in page and "未见公章" in page
    assert "表格未加盖单位公章" in page and "需补正" in page and "补正通知" in page and "待补正" in page


def test_open_items_leave_out_what_a_person_settled(everything):
    store, flagged = everything.store, everything.registration("flagged")
    flags = {f.id for f in store.findings_of(flagged.id) if f.severity == "review"}
    assert len(flags) == 2 and flags <= set(console_store.settled_findings(store))  # one confirmed, then accepted
    assert open_items(store) == []
    deficiencies = open_items(store, "deficiency")
    assert {(i.registration.number, i.finding.code) for i in deficiencies if i.finding.code == "MISSING_STAMP"} == {
        (everything.numbers["unstamped"], "MISSING_STAMP"), (everything.numbers["hostile"], "MISSING_STAMP")}
    received = [i.message.received_at for i in deficiencies]
    assert received == sorted(received, reverse=True)  # newest mail first


def test_registrations_filtered_by_code_and_status(everything):
    client = everything.client
    stamped = visible_text(client.get("/registrations", params={"code": "MISSING_STAMP"}).text)
    assert everything.numbers["unstamped"] in stamped and everything.numbers["accepted"] not in stamped
    accepted = visible_text(client.get("/registrations", params={"status": "accepted"}).text)
    assert everything.numbers["flagged"] in accepted and everything.numbers["unstamped"] not in accepted


def test_unknown_message_and_registration_say_so(everything):
    assert "没有这封邮件" in everything.client.get("/messages/99999").text
    assert "没有这个总编号的报名" in everything.client.get("/registrations/QC2023-999").text
