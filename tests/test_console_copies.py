"""console/copies.py: a POSSIBLE_COPY flag's page, over a planted copy fed through the real pipeline:
the copied passages side by side with the source named, the common text marked, the changed
figures not, and the page open to the secretariat and the experts alike."""
from __future__ import annotations

import re
from html import unescape

import pytest

from console.auth import add_user
from console.copies import pieces
from samples.copies import copied_report_docx
from samples.entries import sample_entry
from samples.forms import qc_report_docx
from samples.mails import submission_mail
from store.models import StoredDocument, StoredFinding
from sqlmodel import select
from tests.readings import entry_form
from tests.test_console_common import SCRIPT, close, login, make_console
from tests.test_console_views import visible_text

TOPIC = dict(topic="降低基站退服率", topic_type="问题解决型")
EXPERT, EXPERT_PASSWORD = "zhuanjia", "评审专家的密码-2023"
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _mail(data, report: bytes) -> bytes:
    return submission_mail(data, [(f"报名表-{data.group}.docx", entry_form(data)),
                                  (f"{data.topic}-{data.group}.docx", report)])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    source, thief = sample_entry(101, **TOPIC), sample_entry(106, **TOPIC)
    console = make_console(tmp_path_factory.mktemp("copies"), None, extra_mail={
        "source": _mail(source, qc_report_docx(source, images=1, wording=1)),
        "thief": _mail(thief, copied_report_docx(thief, source, own_wording=4, source_wording=1))})
    add_user(console.store, EXPERT, EXPERT_PASSWORD, role="reviewer")
    with console.store.session() as s:
        flags = {f.registration_id: f for f in s.exec(select(StoredFinding).where(StoredFinding.code == "POSSIBLE_COPY"))}
        flag = flags[console.registration("thief").id]
        texts = {d.registration_id: d.text for d in s.exec(select(StoredDocument).where(StoredDocument.kind == "qc_report"))}
    yield console, flag, texts, source, thief
    close(console)


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _columns(html: str) -> list[tuple[str, str]]:
    """Each passage pair as the raw HTML of its two sides."""
    return re.findall(r'<p class="passage">(.*?)</p>.*?<p class="passage">(.*?)</p>', html, re.S)


@pytest.mark.parametrize("who", ["secretariat", "reviewer"])
def test_the_flag_links_to_the_copied_passages_side_by_side(planted, who):
    console, flag, texts, source, thief = planted
    client = console.client
    client.cookies.clear()
    assert (login(client) if who == "secretariat" else login(client, EXPERT, EXPERT_PASSWORD)).status_code == 303
    thief_number, source_number = console.numbers["thief"], console.numbers["source"]
    registration = client.get(f"/registrations/{thief_number}")
    assert f'href="/findings/{flag.id}/copy"' in registration.text and "对照查看相同段落" in registration.text

    page = client.get(f"/findings/{flag.id}/copy")
    assert page.status_code == 200
    text = " ".join(visible_text(page.text).split())
    assert f"相同来源 已登记的 {source_number} （{source.enterprise}，课题“降低基站退服率”）" in text
    assert f"本报告 《降低基站退服率-{thief.group}.docx》（{thief_number}，{thief.enterprise}）" in text
    share = int(re.search(r"文字相同 约(\d+)%", text).group(1))
    assert 30 <= share <= 60
    pairs = _columns(page.text)
    assert len(pairs) >= 2
    thief_text, source_text = texts[console.registration("thief").id], texts[console.registration("source").id]
    for mine, theirs in pairs:
        # Each side is a passage of its own report, the marked text the same on both sides.
        assert _plain(mine) in thief_text and _plain(theirs) in source_text
        assert MARK.findall(mine) == MARK.findall(theirs) and MARK.findall(mine)
    # The copier changed the figures: somewhere a figure of the copy stands unmarked beside the source's.
    unmarked = "".join(MARK.sub("", mine) for mine, _ in pairs)
    assert re.search(r"\d", unmarked)
    assert "<script" not in page.text


def test_the_report_copied_from_shows_the_later_one_as_its_source(planted):
    console, _, texts, source, thief = planted
    client = console.client
    client.cookies.clear()
    login(client)
    with console.store.session() as s:
        [flag] = s.exec(select(StoredFinding).where(StoredFinding.code == "POSSIBLE_COPY",
                                                    StoredFinding.registration_id == console.registration("source").id))
    assert f'href="/findings/{flag.id}/copy"' in client.get(f"/registrations/{console.numbers['source']}").text
    text = " ".join(visible_text(client.get(f"/findings/{flag.id}/copy").text).split())
    assert f"相同来源 已登记的 {console.numbers['thief']} （{thief.enterprise}，课题“降低基站退服率”）" in text
    assert f"本报告 《降低基站退服率-{source.group}.docx》（{console.numbers['source']}，{source.enterprise}）" in text
    pairs = _columns(client.get(f"/findings/{flag.id}/copy").text)
    source_text, thief_text = texts[console.registration("source").id], texts[console.registration("thief").id]
    assert pairs and all(_plain(mine) in source_text and _plain(theirs) in thief_text for mine, theirs in pairs)


def test_a_copy_page_of_no_flag_is_not_found(planted):
    console, flag, *_ = planted
    console.client.cookies.clear()
    login(console.client)
    assert console.client.get(f"/findings/{flag.id + 1000}/copy").status_code == 404
    assert "没有这条疑似抄袭提示的比对记录" in console.client.get(f"/findings/{flag.id + 1000}/copy").text


def test_the_common_text_is_marked_and_escaped_text_stays_text():
    mine, theirs = pieces(f"{SCRIPT}基站月均退服率由0.45%降至0.16%", "本单位基站月均退服率由0.52%降至0.19%")
    assert [t for t, common in mine if common] == ["基站月均退服率由0.", "%降至0.1"]
    assert [t for t, common in theirs if common] == ["基站月均退服率由0.", "%降至0.1"]
    assert "".join(t for t, _ in mine).startswith(SCRIPT)
