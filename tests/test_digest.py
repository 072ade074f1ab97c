"""The secretariat's daily digest, built from real mail run through the pipeline, on SQLite and PostgreSQL."""
from __future__ import annotations

import email
import email.policy
import functools
import io
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from intake.cli import main
from intake.base.config import load_settings
from samples import mails
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from notifier import chart
from notifier.digest import build_digest, digest_message, render_digest_html
from store.models import Outbox, OutboxStatus
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER

CST = timezone(timedelta(hours=8))
NOW = datetime(2023, 2, 27, 18, 0, tzinfo=CST)
DEADLINE = "2023-03-03T00:00:00+08:00"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# No headers, so no date of its own: it arrived at noon on the 27th.
GARBAGE, GARBAGE_AT = b"\x00\xff\xfe garbage without headers \x00", datetime(2023, 2, 27, 12, 0, tzinfo=CST)
SPAM_REFUSAL = "554 DT:SPM 163 smtp14,EsCowAD3 发送的邮件内容包含了未被许可的信息"


def _at(day: int, hour: int) -> dict:
    return {"date": datetime(2023, 2, day, hour, 0, tzinfo=CST)}


@functools.lru_cache(maxsize=1)
def mailbox() -> dict[str, bytes]:
    """A late-February mailbox: built once, fed to a fresh store by each test."""
    _, accepted_earlier = mails.complete_submission(61, mail_options=_at(24, 10))
    _, accepted_today = mails.complete_submission(62, mail_options=_at(27, 9))
    unstamped, deficient = mails.complete_submission(63, stamped=False, mail_options=_at(27, 10))
    _, to_correct = mails.complete_submission(64, stamped=False, mail_options=_at(26, 11))
    first_id = email.message_from_bytes(to_correct)["Message-ID"]
    _, correction = mails.complete_submission(64, mail_options={
        **_at(27, 14), "in_reply_to": first_id, "references": (first_id,), "subject": "回复：补正盖章报名表"})
    _, hostile = mails.complete_submission(
        65, stamped=False, group=f"{SCRIPT}QC小组", topic=f"{IMG}降低基站退服率", sender_name=SCRIPT,
        mail_options={**_at(27, 11), "subject": f"{SCRIPT}报名{IMG}"})
    return {
        "accepted_earlier": accepted_earlier, "accepted_today": accepted_today, "deficient": deficient,
        "to_correct": to_correct, "correction": correction, "hostile": hostile,
        "inquiry": mails.inquiry_mail("wang.li@sx.chinamobile.example", "请问现场发表每个小组的时间是多少分钟？"),
        "hostile_inquiry": mails.inquiry_mail("zhou@example.cn", f"{SCRIPT}请问{IMG}怎么报名？", name=SCRIPT),
        "auto_reply": mails.auto_reply_mail(unstamped.sender),
        "garbage": GARBAGE,
    }


def received(raw: bytes) -> datetime:
    return GARBAGE_AT if raw == GARBAGE else file_received_time(raw)


def fed_pipeline(folder, store_url: str, **config) -> Pipeline:
    settings = load_settings(write_config(folder, store_url=store_url, deadline=DEADLINE, **config))
    pipeline = Pipeline.open(settings)
    for raw in sorted(mailbox().values(), key=received):
        message, _ = pipeline.accept(raw, account="test", folder="INBOX", received_at=received(raw))
        pipeline.process(message)
    return pipeline


@pytest.fixture
def pipeline(tmp_path, store_url):
    pipe = fed_pipeline(tmp_path, store_url)
    yield pipe
    pipe.store.close()


def registrations(pipeline: Pipeline) -> dict[str, object]:
    """The stored registrations by group name (what the pipeline decided)."""
    return {reg.group_name: reg for reg in pipeline.store.all_registrations()}


class Page(HTMLParser):
    """The digest as a reader sees it: text, table rows, and which tags exist."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[list[str]] = []
        self.chunks: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.text = " ".join(" ".join(self.chunks).split())

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.chunks.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def row(self, first_cell: str) -> list[str]:
        return next(r for r in self.rows if r and r[0] == first_cell)

    def rows_containing(self, text: str) -> list[list[str]]:
        return [r for r in self.rows if any(text in cell for cell in r)]


def test_digest_counts_todays_and_all_mail_by_what_it_is(pipeline):
    page = Page(render_digest_html(build_digest(pipeline.store, pipeline.settings, NOW)))

    assert page.row("报名邮件：材料齐全")[1:] == ["1", "2"]
    assert page.row("报名邮件：需补正")[1:] == ["2", "3"]
    assert page.row("补正邮件：已补齐")[1:] == ["1", "1"]
    assert page.row("咨询来信")[1:] == ["0", "2"]
    assert page.row("自动回复（不回复）")[1:] == ["0", "1"]
    assert page.row("无法解析的邮件")[1:] == ["1", "1"]
    assert page.row("合计")[1:] == ["5", "10"]
    # The cards: 5 results registered, 3 of them today; 3 complete, 2 waiting for a correction.
    assert "已登记成果 5 今日新增 3" in page.text
    assert "已受理 3 材料齐全" in page.text and "待补正 2 等待企业补正" in page.text


def test_digest_lists_new_and_outstanding_registrations_with_problems_in_chinese(pipeline):
    regs = registrations(pipeline)
    page = Page(render_digest_html(build_digest(pipeline.store, pipeline.settings, NOW)))

    new_today = {r[0] for r in page.rows if r and r[0].startswith("QC2023-") and len(r) == 5}
    assert new_today == {regs["追梦QC小组"].number, regs["传输保障QC小组"].number, regs[f"{SCRIPT}QC小组"].number}
    [waiting] = page.rows_containing(regs["传输保障QC小组"].number + " 待补正")
    assert regs["传输保障QC小组"].enterprise in waiting[1]
    assert "表格未加盖单位公章" in waiting[2] and "未加盖单位公章" in waiting[2]
    assert waiting[3] == "2月27日 10:00"
    # The corrected registration is complete now and no longer outstanding.
    assert not page.rows_containing(regs["5G先锋QC小组"].number + " 待补正")
    assert "距报名截止（3月3日前）还有 4 天（含今天）" in page.text
    assert "距截止还有 4 天" in page.text
    [question] = page.rows_containing("请问现场发表每个小组的时间是多少分钟")
    assert question[:2] == ["2月19日 07:04", "wang.li@sx.chinamobile.example"]
    assert "未作为报名处理：邮件没有附件" in question[2], "the digest says why a mail was left to a person"
    [garbage] = page.rows_containing("邮件无法解析")
    assert "原始邮件已存档" in garbage[1] and garbage[3] == "2月27日 12:00"


def test_sender_text_is_shown_as_text_never_as_markup(pipeline):
    assert f"{SCRIPT}QC小组" in registrations(pipeline)  # the hostile name reached the store as sent
    html = render_digest_html(build_digest(pipeline.store, pipeline.settings, NOW))
    page = Page(html)

    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert {tag for tag, _ in page.tags}.isdisjoint({"script", "iframe", "object"})
    assert [attrs["src"][:22] for tag, attrs in page.tags if tag == "img"] == ["data:image/png;base64,"]
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert f"{SCRIPT}QC小组" in page.text                     # group, in the new and outstanding lists
    assert f"{IMG}降低基站退服率" in page.text                 # topic
    assert "咨询：<script>alert(1)</" in page.text             # inquiry subject (cut at 18 characters)
    assert f"{SCRIPT}请问{IMG}怎么报名？" in page.text         # inquiry excerpt


def test_digest_mail_has_chart_inline_and_the_registry_attached(pipeline):
    with pipeline.store.session() as s:  # 163 refused one reply as spam
        reply = s.exec(select(Outbox).order_by(Outbox.id)).first()
        reply.status, reply.last_error = OutboxStatus.FAILED, SPAM_REFUSAL
        s.add(reply)
    digest = build_digest(pipeline.store, pipeline.settings, NOW)
    raw = digest_message(digest, pipeline.settings)
    msg = email.message_from_bytes(raw, policy=email.policy.default)

    assert msg["Subject"] == "QC成果竞赛报名日报（2023年2月27日）"
    assert msg["To"] == "secretariat@sxcia.example" and "qc@sxcia.example" in msg["From"]
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"] and msg["Date"]
    assert "已登记成果 5 项（今日新增 3 项）" in msg.get_body(("plain",)).get_content()
    html_part = msg.get_body(("html",))
    page = Page(html_part.get_content())
    [png] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    [img] = [attrs for tag, attrs in page.tags if tag == "img"]
    assert img["src"] == "cid:" + png["Content-ID"].strip("<>")
    assert Image.open(io.BytesIO(png.get_content())).size == (chart.WIDTH, chart.HEIGHT)
    [failed] = page.rows_containing("554 DT:SPM")
    assert failed[0] == reply.to_addr and "未发出" in failed[3]

    [xlsx] = [p for p in msg.iter_attachments() if p.get_filename()]
    assert xlsx.get_filename() == "报名登记表-2023-02-27.xlsx"
    # One RFC 2231 parameter, not split into filename*0*/filename*1* continuations.
    assert b"filename*=utf-8''%E6%8A%A5%E5%90%8D%E7%99%BB%E8%AE%B0%E8%A1%A8-2023-02-27.xlsx\r\n" in raw
    workbook = load_workbook(io.BytesIO(xlsx.get_content()))
    assert workbook.sheetnames == ["报名登记表", "推荐汇总表"]
    assert workbook["报名登记表"].max_row == 1 + 5


def test_digest_send_delivers_to_the_secretariat_over_smtp(tmp_path, store_url, smtp_server, monkeypatch,
                                                           capsys):
    pipe = fed_pipeline(tmp_path, store_url, transport="smtp", smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", DEFAULT_PASSWORD)
    out = tmp_path / "日报.html"

    code = main(["--config", str(pipe.settings.path), "digest", "--send", "--date", "2023-02-27",
                 "--out", str(out)])

    [delivered] = smtp_server.wait_for(1)
    assert code == 0
    assert delivered.rcpt_tos == ("secretariat@sxcia.example",) and delivered.login == DEFAULT_USER
    assert delivered.message["Subject"] == "QC成果竞赛报名日报（2023年2月27日）"
    assert delivered.message["Auto-Submitted"] == "auto-generated"
    assert "今日新增 3" in Page(out.read_text(encoding="utf-8")).text
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and "secretariat@sxcia.example" in printed[0] and str(out) in printed[0]
    pipe.store.close()


def test_digest_without_smtp_writes_html_and_an_eml_for_the_directory_transport(pipeline, capsys, monkeypatch):
    monkeypatch.chdir(pipeline.settings.path.parent)
    config = str(pipeline.settings.path)

    assert main(["--config", config, "digest", "--date", "2023-02-27"]) == 0
    html_line = capsys.readouterr().out.strip()
    assert main(["--config", config, "digest", "--send", "--date", "2023-02-27"]) == 0
    eml_line = capsys.readouterr().out.strip()

    html_file = pipeline.settings.path.parent / "digest-2023-02-27.html"
    eml_file = pipeline.settings.smtp.directory / "digest-2023-02-27.eml"
    assert html_line == f"日报已写入：{html_file}" and eml_line == f"日报邮件已写入：{eml_file}"
    assert "QC成果竞赛报名日报" in Page(html_file.read_text(encoding="utf-8")).text
    sent = email.message_from_bytes(eml_file.read_bytes(), policy=email.policy.default)
    assert sent["Subject"] == "QC成果竞赛报名日报（2023年2月27日）"


def test_chart_without_a_cjk_font_still_draws_its_digits(monkeypatch):
    monkeypatch.setattr(chart.fonts, "font", lambda size: None)
    days = tuple(chart.DayCount(datetime(2023, 2, d).date(), d % 3, 1) for d in range(20, 28))
    png = chart.arrivals_png(days, days[-1].day)
    image = Image.open(io.BytesIO(png))
    assert image.size == (chart.WIDTH, chart.HEIGHT)
    assert len(image.convert("RGB").getcolors(1 << 16)) > 3  # bars, ink, grid: drawn, not blank


def test_digest_refused_by_smtp_is_one_line_and_a_failing_exit(tmp_path, smtp_server, monkeypatch, capsys):
    config = write_config(tmp_path, transport="smtp", smtp_url=smtp_server.url, smtp_user=DEFAULT_USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-code")

    assert main(["--config", str(config), "digest", "--send"]) == 1

    captured = capsys.readouterr()
    assert captured.out == "" and not smtp_server.messages
    assert captured.err.startswith("intake: digest not sent to secretariat@sxcia.example: 535")
    assert captured.err.count("\n") == 1
