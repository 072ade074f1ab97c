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


# -- the 初审表 beside the report -------------------------------------------------------

REVIEWER_NAME, REVIEWER_PASSWORD = "zhuanjia", "评审专家的密码-2023"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """A console over two registrations fed through the real pipeline: a complete report and
    one whose target has no number; an expert account beside the secretariat's."""
    from console.auth import add_user
    from samples import mails, qc_report_docx
    from tests.readings import entry, entry_form

    reports = {}
    for key, seed, defects in (("complete", 27, ()), ("wordy", 30, ("target_without_number",))):
        data = entry(seed)
        reports[key] = mails.submission_mail(data, [(f"报名表-{data.group}.docx", entry_form(data)),
                                                    (f"{data.topic}成果报告.docx",
                                                     qc_report_docx(data, images=2, defects=defects))])
    console = make_console(tmp_path_factory.mktemp("sheet"), None, extra_mail=reports)
    add_user(console.store, REVIEWER_NAME, REVIEWER_PASSWORD, role="reviewer")
    yield console
    close(console)


def _sheet_rows(html: str) -> dict[str, str]:
    """Step → the visible text of its row in the 初审表."""
    table = html.split('<table class="sheet">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    return {visible_text(row).split()[0]: " ".join(visible_text(row).split()) for row in rows}


@pytest.mark.parametrize("account", [(None, None), (REVIEWER_NAME, REVIEWER_PASSWORD)])
def test_the_registration_page_shows_the_prereview_sheet_of_its_report(reviewed, account):
    from samples._report_common import make_ctx
    from tests.readings import entry

    client = reviewed.client
    client.cookies.clear()
    assert (login(client) if account[0] is None else login(client, *account)).status_code == 303
    page = client.get(f"/registrations/{reviewed.numbers['complete']}")
    assert page.status_code == 200
    rows = _sheet_rows(page.text)
    assert list(rows) == ["选择课题", "现状调查", "设定目标", "原因分析", "确定主要原因", "制定对策", "对策实施",
                          "效果检查", "制定巩固措施", "总结和下一步打算"]
    c = make_ctx(entry(27))
    before, target, after = c.f(c.before), c.f(c.target), c.f(c.after)
    assert "三、现状调查 有" in rows["现状调查"]
    assert "有 现状数据（表、图）：表4 问题类型统计表、图1 问题类型排列图" in rows["现状调查"]
    assert f"有 目标为带单位的数值：目标值{target}" in rows["设定目标"] and "（设定目标第1段）" in rows["设定目标"]
    assert f"有 活动前后数据对比：活动前{before}，活动后{after} " in rows["效果检查"]
    assert "（表8 活动前后对比表）" in rows["效果检查"]
    assert "有 对策表5W1H栏目：对策3条，栏目齐全" in rows["制定对策"]
    text = " ".join(visible_text(page.text).split())
    assert f"目标是否达到： 达到 目标≤{target}，活动后{after}；报告称已完成目标" in text
    assert "使用的统计工具 调查表（无图，仅见于总结和下一步打算第1段） 排列图（图1）" in text
    assert "不是评审结论" in text
    if account[0] is not None:  # an expert reads it, and is offered no decision
        assert "予以受理" not in text and "发送补正通知" not in text


def test_the_sheet_says_where_the_evidence_is_missing_or_unclear(reviewed):
    client = reviewed.client
    client.cookies.clear()
    login(client)
    rows = _sheet_rows(client.get(f"/registrations/{reviewed.numbers['wordy']}").text)
    assert "无 目标为带单位的数值：目标没有数值 小组经讨论，设定课题目标：大幅降低家庭宽带平均装机时长" in rows["设定目标"]
    assert "无 目标依据：未说明目标的依据" in rows["设定目标"]
    assert "不明确 与目标对比：" in rows["效果检查"]
    page = " ".join(visible_text(client.get(f"/registrations/{reviewed.numbers['wordy']}").text).split())
    assert "目标是否达到： 无法判断 未读到带数值的目标；报告称已完成目标" in page
