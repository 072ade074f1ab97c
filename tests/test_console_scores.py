"""console/scores.py and store/scores.py: experts write their own score and comment on a
registration's page, over HTTP with the CSRF token; an expert sees and edits only their own,
cannot take the secretariat's actions, and the secretariat reads every expert's."""
from __future__ import annotations

import pytest

from console.auth import add_user
from store.scores import scores_of
from tests.test_console_common import close, csrf_of, login, make_console, post
from tests.test_console_views import visible_text

LI, ZHAO = ("li.zhuanjia", "李专家的密码-2023"), ("zhao.zhuanjia", "赵专家的密码-2023")


@pytest.fixture
def console(tmp_path, store_url):
    console = make_console(tmp_path, store_url, ("accepted", "unstamped"))
    for name, password in (LI, ZHAO):
        add_user(console.store, name, password, role="reviewer")
    yield console
    close(console)


def _as(console, account=None):
    console.client.cookies.clear()
    assert (login(console.client, *account) if account else login(console.client)).status_code == 303
    return console.client


def _text(client, number: str) -> str:
    return " ".join(visible_text(client.get(f"/registrations/{number}").text).split())


def test_an_expert_writes_and_changes_their_own_score(console):
    number, reg = console.numbers["accepted"], console.registration("accepted")
    client = _as(console, LI)
    page = f"/registrations/{number}"
    assert "保存评分和意见" in _text(client, number)
    answer = post(client, f"{page}/score", {"score": "86", "comment": "现状调查数据充分，要因确认可再细化。"}, page=page)
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}#scores"
    shown = client.get(page).text
    assert 'name="score" min="0" max="100" step="1" value="86"' in shown
    assert "现状调查数据充分，要因确认可再细化。</textarea>" in shown
    assert f"您对 {number} 的评分和意见已保存。" in visible_text(shown)
    post(client, f"{page}/score", {"score": "90", "comment": "补充材料后更完整。"}, page=page)
    [row] = scores_of(console.store, reg.id)
    assert (row.reviewer, row.score, row.comment) == (LI[0], 90, "补充材料后更完整。")


@pytest.mark.parametrize("raw", ["101", "-1", "八十", "85.5"])
def test_a_score_outside_0_to_100_is_refused_and_nothing_is_kept(console, raw):
    number, reg = console.numbers["accepted"], console.registration("accepted")
    client = _as(console, LI)
    page = f"/registrations/{number}"
    post(client, f"{page}/score", {"score": raw, "comment": "意见"}, page=page)
    assert "评分须为 0 到 100 之间的整数。" in _text(client, number)
    assert scores_of(console.store, reg.id) == []


def test_an_expert_neither_sees_nor_edits_another_experts_score(console):
    number, reg = console.numbers["accepted"], console.registration("accepted")
    page = f"/registrations/{number}"
    post(_as(console, LI), f"{page}/score", {"score": "80", "comment": "李专家的意见"}, page=page)
    client = _as(console, ZHAO)
    text = _text(client, number)
    assert "李专家的意见" not in text and LI[0] not in text
    # Naming the other expert in the form changes nothing: the account writes its own only.
    post(client, f"{page}/score", {"score": "60", "comment": "赵专家的意见", "reviewer": LI[0]}, page=page)
    scores = {row.reviewer: (row.score, row.comment) for row in scores_of(console.store, reg.id)}
    assert scores == {LI[0]: (80, "李专家的意见"), ZHAO[0]: (60, "赵专家的意见")}
    assert "李专家的意见" not in _text(client, number)


def test_an_expert_cannot_take_the_secretariats_actions(console):
    number, reg = console.numbers["unstamped"], console.registration("unstamped")
    client = _as(console, LI)
    page = f"/registrations/{number}"
    token = csrf_of(client.get(page).text)
    for path, data in ((f"{page}/accept", {"note": "专家擅自受理"}), (f"{page}/notice", {"codes": "MISSING_STAMP"})):
        answer = client.post(path, data={"csrf": token, **data})
        assert answer.status_code == 403 and "无权打开此页面或执行此操作" in answer.text
    assert console.registration("unstamped").status == reg.status
    # Without the page's token even the expert's own form is refused.
    assert client.post(f"{page}/score", data={"score": "70"}).status_code == 403
    assert scores_of(console.store, reg.id) == []


def test_the_secretariat_reads_every_experts_score_and_cannot_score(console):
    number = console.numbers["accepted"]
    page = f"/registrations/{number}"
    post(_as(console, LI), f"{page}/score", {"score": "80", "comment": "李专家的意见"}, page=page)
    post(_as(console, ZHAO), f"{page}/score", {"score": "", "comment": "赵专家暂不评分"}, page=page)
    client = _as(console)
    text = _text(client, number)
    assert f"专家评分与意见 专家 评分 意见 保存时间 {LI[0]} 80 李专家的意见" in text
    assert f"{ZHAO[0]} 未评分 赵专家暂不评分" in text
    assert "保存评分和意见" not in text
    assert post(client, f"{page}/score", {"score": "99"}, page=page).status_code == 403
