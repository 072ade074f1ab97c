"""`intake demo` tells one story on one simulated clock: what a reader of its files would check."""
from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import io
import mailbox
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from intake.demo import run_demo
from samples.demo_story import SimulatedClock, distinct_seeds
from samples.entries import sample_entry
from tests.test_digest import Page

CST = timezone(timedelta(hours=8))
STORY_DAYS = {date(2023, 2, 27), date(2023, 2, 28), date(2023, 3, 1), date(2023, 3, 2), date(2023, 3, 3)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo run: its folder and what it printed."""
    folder = tmp_path_factory.mktemp("demo") / "intake-demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert run_demo(folder) == 0
    return folder, printed.getvalue()


def _read(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def _replies(folder):
    return [_read(path.read_bytes()) for path in sorted((folder / "replies").glob("*.eml"))]


def _incoming(folder):
    return [_read(bytes(msg)) for msg in mailbox.Maildir(folder / "sample-mailbox", create=False)]


def _sent_at(msg) -> datetime:
    return email.utils.parsedate_to_datetime(str(msg["Date"]))


def _signature_date(msg) -> str:
    """The date under the organiser's name, the text's last line."""
    return msg.get_body(("plain",)).get_content().rstrip().splitlines()[-1].strip()


def test_every_reply_is_dated_and_signed_on_a_day_of_the_story(demo):
    folder, _ = demo
    replies = _replies(folder)
    assert len(replies) == 8
    today = datetime.now(CST).date()
    for reply in replies:
        sent = _sent_at(reply).astimezone(CST)
        assert sent.date() in STORY_DAYS and sent.date() != today, reply["Subject"]
        assert _signature_date(reply) == f"{sent.year}年{sent.month}月{sent.day}日", reply["Subject"]
        html = reply.get_body(("html",)).get_content()
        assert f"{sent.year}年{sent.month}月{sent.day}日" in html


def test_each_reply_follows_the_mail_it_answers_within_minutes(demo):
    folder, _ = demo
    received = {str(m["Message-ID"]): _sent_at(m) for m in _incoming(folder)}
    for reply in _replies(folder):
        original = received[str(reply["In-Reply-To"])]
        assert original < _sent_at(reply) <= original + timedelta(minutes=5), reply["Subject"]


def test_the_out_of_office_answers_the_notice_it_was_sent_and_after_it(demo):
    folder, _ = demo
    notices = {str(r["Message-ID"]): r for r in _replies(folder) if str(r["Subject"]).startswith("补正通知")}
    answers = [m for m in _incoming(folder) if m["X-Autoreply"] == "yes"]
    assert len(notices) == 1 and len(answers) == 1
    answer, (notice_id, notice) = answers[0], next(iter(notices.items()))
    assert str(answer["In-Reply-To"]) == notice_id
    assert str(answer["Subject"]).strip() == f"自动回复: {notice['Subject']}"
    assert _sent_at(notice) < _sent_at(answer) < _sent_at(notice) + timedelta(minutes=1)
    # The stamped form comes back later, in answer to the same notice, and is received.
    fixed = [m for m in _incoming(folder) if str(m["Subject"]).strip() == f"回复：{notice['Subject']}"]
    assert len(fixed) == 1 and str(fixed[0]["In-Reply-To"]) == notice_id and _sent_at(fixed[0]) > _sent_at(answer)
    number = re.search(r"QC2023-\d{3}", str(notice["Subject"])).group()
    assert any(str(r["Subject"]) == f"报名回执：总编号{number}（2023年全省全面质量管理成果竞赛）"
               and str(r["In-Reply-To"]) == str(fixed[0]["Message-ID"]) for r in _replies(folder))


def test_every_sample_mail_lands_on_a_day_of_the_story(demo):
    folder, _ = demo
    for msg in _incoming(folder):
        assert _sent_at(msg).astimezone(CST).date() in STORY_DAYS, msg["Subject"]


def test_the_digest_is_headed_the_last_day_and_names_the_registry_the_demo_wrote(demo):
    folder, printed = demo
    page = Page((folder / "digest.html").read_text(encoding="utf-8"))
    assert "2023年3月3日（星期五）" in page.text and "2023年3月3日 18:00自动生成" in page.text
    assert "报名已截止（通知规定3月3日前报名）" in page.text and "逾期待定" in page.text
    named = re.search(r"见邮件附件《([^》]+)》", page.text).group(1)
    assert named == "报名登记表-2023-03-03.xlsx"
    registry = folder / named
    assert registry.is_file() and f"：{registry}\n" in printed and f"：{folder / 'digest.html'}\n" in printed
    assert sorted(p.name for p in folder.glob("*.xlsx")) == [named]


def test_the_registry_lists_distinct_units_groups_and_topics(demo):
    folder, _ = demo
    sheet = load_workbook(folder / "报名登记表-2023-03-03.xlsx")["报名登记表"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 6
    for column in ("企业名称", "QC小组名称", "课题名称"):
        values = [row[header.index(column)] for row in rows]
        assert len(set(values)) == len(values), column
    for column in ("首次来信时间", "最近来信时间"):
        assert {row[header.index(column)].date() for row in rows} <= STORY_DAYS


def test_the_summary_says_what_happened_to_each_mail(demo):
    _, printed = demo
    assert "分类：报名 6 封，自动回复 1 封，补正 1 封，咨询 1 封，观摩报名 1 封" in printed
    assert "回复邮件（8 封 .eml）" in printed
    assert re.search(r"需补正\tQC2023-\d{3}\t问题：表格未加盖单位公章", printed)
    assert re.search(r"逾期待定\tQC2023-\d{3}\t问题：超过报名截止时间", printed)
    assert not re.search(r"[A-Z_]{5,}", printed.replace("QC2023-", "")), "the summary is Chinese"
    landed = [(int(m), int(d), t) for m, d, t in re.findall(r"^  (\d+)月(\d+)日 (\d\d:\d\d)\t", printed, re.M)]
    assert len(landed) == 10 and landed == sorted(landed)
    assert landed[0] == (2, 27, "09:12") and landed[-1] == (3, 3, "10:30")


def test_distinct_seeds_never_repeat_a_unit_group_or_topic():
    seeds = distinct_seeds(8, start=11)
    entries = [sample_entry(seed) for seed in seeds]
    for attribute in ("enterprise", "group", "topic"):
        values = [getattr(e, attribute) for e in entries]
        assert len(set(values)) == len(values), attribute
    assert seeds == sorted(set(seeds)) and seeds[0] == 11


def test_the_simulated_clock_never_goes_back():
    clock = SimulatedClock(datetime(2023, 2, 27, 9, 0, tzinfo=CST))
    clock.advance_to(datetime(2023, 2, 27, 11, 0, tzinfo=CST))
    clock.advance_to(datetime(2023, 2, 27, 10, 0, tzinfo=CST))
    assert clock() == datetime(2023, 2, 27, 11, 0, tzinfo=CST)
