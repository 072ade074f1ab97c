"""console/auth.py against the attacks of issue 15, over HTTP against the real app: tries sent
together, cookies replayed after logout / a new password / disabling, anonymous tries with
huge names, sessions that outlive their limits, and what a reviewer may open."""
from __future__ import annotations

import gc
import io
import logging
import sys
import threading
import time
import tracemalloc

import httpx
import pytest
from sqlmodel import select

from console.app import SESSION_COOKIE
from console.auth import Lockout
from intake.cli import main
from store.models import ConsoleDecision
from tests.test_console_common import (PASSWORD, USER, close, csrf_of, login, make_console, post, served)

NEW_PASSWORD = "秘书处-新密码-2023-春"


@pytest.fixture
def bare(tmp_path):
    console = make_console(tmp_path)
    yield console
    close(console)


def _intake(console, *args: str, stdin: str = "") -> int:
    """`intake ...` on the console's own store and configuration, in this process."""
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--config", str(console.settings.path), *args])
    finally:
        sys.stdin = old


def _replay(console, cookie: str):
    """A request from an attacker who copied the session cookie."""
    console.client.cookies.clear()
    console.client.cookies.set(SESSION_COOKIE, cookie)
    return console.client.get("/registrations")


def _logged_in_cookie(console) -> str:
    assert login(console.client).status_code == 303
    assert console.client.get("/").status_code == 200
    return console.client.cookies[SESSION_COOKIE]


# -- the lockout --------------------------------------------------------------------------------

def test_twenty_tries_sent_together_cannot_beat_the_lockout(bare):
    """19 wrong passwords and the right one last, all at once, on a real server: the tries are
    counted as they arrive, before the ~100 ms password checks, so the right one is refused."""
    with served(bare.client.app) as base:
        clients = [httpx.Client(base_url=base, follow_redirects=False, timeout=60) for _ in range(20)]
        tokens = [csrf_of(client.get("/login").text) for client in clients]
        barrier, codes = threading.Barrier(20), [0] * 20

        def attempt(i: int) -> None:
            barrier.wait()
            if i == 19:
                time.sleep(0.3)  # sent after the 19 wrong ones, while they are still being checked
            password = PASSWORD if i == 19 else f"guess-{i}"
            codes[i] = clients[i].post("/login", data={"csrf": tokens[i], "name": USER, "password": password,
                                                        "next": "/"}).status_code

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        refused_right = clients[19].post("/login", data={"csrf": tokens[19], "name": USER, "password": PASSWORD})
        for client in clients:
            client.close()
    assert codes[19] == 429, codes
    assert sorted(codes[:19]) == [401] * 5 + [429] * 14, codes
    assert refused_right.status_code == 429 and "登录尝试次数过多" in refused_right.text


def test_one_password_tried_across_many_names_is_limited_per_address(bare, caplog):
    caplog.set_level(logging.DEBUG)
    codes = [login(bare.client, name=f"user{i}", password="Spring2023!").status_code for i in range(35)]
    assert codes[:30] == [401] * 30 and set(codes[30:]) == {429}
    # The names typed are never logged (one may be a password typed into the wrong field).
    assert "user7" not in caplog.text and "Spring2023" not in caplog.text and "failed login from" in caplog.text


def test_a_thousand_anonymous_tries_with_huge_names_keep_memory_bounded(bare):
    """1,000 tries, each a different 100 KB name: every one is counted against its name (the
    first 30 are checked, then the address limit refuses), and what the lockout keeps stays small."""
    name = "x" * 100_000
    token = csrf_of(bare.client.get("/login").text)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        codes = [bare.client.post("/login", data={"csrf": token, "name": f"{i}{name}", "password": "x" * 10}
                                  ).status_code for i in range(1000)]
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
        counted = len(bare.client.app.state.lockout.storage.storage)
    finally:
        tracemalloc.stop()
    assert codes == [401] * 30 + [429] * 970
    assert counted > 1000, counted  # a counter for each name (and the address), as a flood would leave
    assert grown < 2_000_000, f"{grown / 1e6:.1f} MB kept after 1,000 tries (100 MB of names were sent)"


def test_password_checks_run_a_few_at_a_time(bare):
    """Each Argon2 check takes 64 MiB: with room for one check and no waiting, tries that
    arrive together while one is being checked are refused as busy, not checked at once."""
    bare.client.app.state.lockout = Lockout(checks=1, wait=0)
    with served(bare.client.app) as base:
        clients = [httpx.Client(base_url=base, follow_redirects=False, timeout=60) for _ in range(8)]
        tokens = [csrf_of(client.get("/login").text) for client in clients]
        barrier, answers = threading.Barrier(8), [None] * 8

        def attempt(i: int) -> None:
            barrier.wait()
            answers[i] = clients[i].post("/login", data={"csrf": tokens[i], "name": f"user{i}", "password": "guess"})

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for client in clients:
            client.close()
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(503) >= 1 and set(codes) <= {401, 503}, codes
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert "系统繁忙" in busy.text


def test_lockout_forgets_names_after_its_window():
    """Counted directly: 5,000 different names, each cut to 64 characters, and nothing of them
    kept once the window is over (the next try lets limits drop the expired counters)."""
    lockout = Lockout(per_account=5, per_address=100_000, window=1)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(5000):
            assert lockout.try_("192.0.2.7", f"{i}-" + "x" * 10_000)
        during = tracemalloc.get_traced_memory()[0] - before
        time.sleep(2.5)  # the sliding window counter keeps a window and the one before it
        lockout.try_("192.0.2.8", "someone")
        time.sleep(0.5)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert during < 5000 * 1000, during  # names are cut: well under 1 KB a try
    assert after < during / 5, (during, after)


# -- sessions the server ends --------------------------------------------------------------------

def test_a_cookie_replayed_after_logout_opens_nothing(bare):
    cookie = _logged_in_cookie(bare)
    out = bare.client.post("/logout", data={"csrf": csrf_of(bare.client.get("/").text)})
    assert out.status_code == 303
    replayed = _replay(bare, cookie)
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/login")


def test_a_cookie_replayed_after_a_new_password_or_disabling_opens_nothing(bare, capsys):
    cookie = _logged_in_cookie(bare)
    assert _intake(bare, "user", "add", USER, "--password-stdin", stdin=NEW_PASSWORD + "\n") == 0
    assert _replay(bare, cookie).status_code == 303
    assert "该账号已登录的会话全部失效" in capsys.readouterr().out

    bare.client.cookies.clear()
    assert login(bare.client, password=NEW_PASSWORD).status_code == 303
    cookie = bare.client.cookies[SESSION_COOKIE]
    assert _intake(bare, "user", "disable", USER) == 0
    assert _replay(bare, cookie).status_code == 303
    bare.client.cookies.clear()
    refused = login(bare.client, password=NEW_PASSWORD)
    assert refused.status_code == 403 and "该账号已停用" in refused.text

    assert _intake(bare, "user", "enable", USER) == 0
    assert login(bare.client, password=NEW_PASSWORD).status_code == 303
    assert bare.client.get("/").status_code == 200
    out = capsys.readouterr().out
    assert f"已停用控制台账号：{USER}" in out and f"已启用控制台账号：{USER}" in out


def test_remove_ends_the_sessions_and_keeps_the_decisions(tmp_path, capsys):
    console = make_console(tmp_path, None, ("inquiry",))
    try:
        cookie = _logged_in_cookie(console)
        post(console.client, f"/messages/{console.message_ids['inquiry']}/answered", {"note": "已电话答复"})
        assert _intake(console, "user", "remove", USER) == 0
        assert _replay(console, cookie).status_code == 303
        with console.store.session() as s:
            [decision] = s.exec(select(ConsoleDecision)).all()
        assert decision.user == USER and decision.note == "已电话答复"
        assert _intake(console, "user", "remove", USER) == 1
        assert "没有名为" in capsys.readouterr().err
        # The name made again is another account: the removed one's cookie opens nothing of it.
        assert _intake(console, "user", "add", USER, "--password-stdin", stdin=NEW_PASSWORD + "\n") == 0
        assert _replay(console, cookie).status_code == 303
    finally:
        close(console)


def test_changing_the_password_in_the_console_ends_the_other_sessions(bare):
    other = make_second_browser(bare)
    page = bare.client.get("/password")
    assert page.status_code == 200 and "修改密码" in page.text
    token = csrf_of(page.text)
    wrong = bare.client.post("/password", data={"csrf": token, "current": "不是这个", "new": NEW_PASSWORD,
                                                "repeat": NEW_PASSWORD})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    mismatch = bare.client.post("/password", data={"csrf": token, "current": PASSWORD, "new": NEW_PASSWORD,
                                                   "repeat": NEW_PASSWORD + "x"})
    assert "两次输入的新密码不一致" in mismatch.text
    done = bare.client.post("/password", data={"csrf": token, "current": PASSWORD, "new": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert "密码已修改" in bare.client.get("/").text  # this browser goes on
    assert other.get("/").status_code == 303  # the other one is logged out
    other.close()
    bare.client.cookies.clear()
    assert login(bare.client).status_code == 401
    assert login(bare.client, password=NEW_PASSWORD).status_code == 303


def make_second_browser(console):
    """A second logged-in client of the same app (another browser of the same person)."""
    from starlette.testclient import TestClient

    assert login(console.client).status_code == 303
    other = TestClient(console.client.app, base_url="http://127.0.0.1", follow_redirects=False)
    assert login(other).status_code == 303 and other.get("/").status_code == 200
    return other


def test_a_temporary_password_must_be_changed_at_the_first_login(bare, capsys):
    assert _intake(bare, "user", "add", "zhaoli", "--password-stdin", "--temporary", stdin="临时密码-12345\n") == 0
    assert "首次登录时须改为自己的密码" in capsys.readouterr().out
    first = login(bare.client, name="zhaoli", password="临时密码-12345")
    assert first.status_code == 303 and first.headers["location"] == "/password"
    assert bare.client.get("/registrations").headers["location"] == "/password"
    page = bare.client.get("/password")
    assert "临时密码" in page.text
    refused = bare.client.post("/messages/1/answered", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403 and "请先设置自己的密码" in refused.text
    bare.client.post("/password", data={"csrf": csrf_of(page.text), "current": "临时密码-12345",
                                        "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert bare.client.get("/registrations").status_code == 200


def test_an_active_session_lasts_past_the_idle_time(tmp_path):
    """The README promises a lapse after the idle time: a page every 0.6 s keeps a session
    of 1.8 s idle time alive for 4 s (the cookie used to lapse that long after the login)."""
    console = make_console(tmp_path, config_extra="\n[web]\nsession_minutes = 0.03\n")
    try:
        assert login(console.client).status_code == 303
        started, codes = time.monotonic(), []
        while time.monotonic() - started < 4.0:
            codes.append(console.client.get("/").status_code)
            time.sleep(0.6)
        assert set(codes) == {200}, codes
    finally:
        close(console)


def test_an_active_session_ends_at_its_maximum_age(tmp_path):
    # Idle time 60 s, maximum age 2.2 s; a page every 0.5 s.
    console = make_console(tmp_path, config_extra="\n[web]\nsession_minutes = 1\nsession_max_hours = 0.0006\n")
    try:
        assert login(console.client).status_code == 303
        started = time.monotonic()
        assert console.client.get("/").status_code == 200
        while time.monotonic() - started < 3.0:
            console.client.get("/")
            time.sleep(0.5)
        ended = console.client.get("/")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    finally:
        close(console)


# -- roles --------------------------------------------------------------------------------------

STAFF_PAGES = ["/review", "/inquiries", "/replies", "/decisions"]


def test_a_reviewer_reads_registrations_and_documents_and_may_do_nothing_else(tmp_path, capsys):
    console = make_console(tmp_path, None, ("flagged", "inquiry"))
    try:
        assert _intake(console, "user", "add", "reviewer1", "--password-stdin", "--role", "reviewer",
                       stdin="评审专家的密码-2023\n") == 0
        assert _intake(console, "user", "list") == 0
        listed = capsys.readouterr().out
        assert "reviewer1\t评审专家\t正常" in listed and f"{USER}\t秘书处\t正常" in listed
        assert login(console.client, name="reviewer1", password="评审专家的密码-2023").status_code == 303
        reg = console.registration("flagged")
        dashboard = console.client.get("/").text
        nav = dashboard[dashboard.index("<nav>"):dashboard.index("</nav>")]
        assert "总览" in nav and "报名登记" in nav and "待处理" not in nav and "决定记录" not in nav
        page = console.client.get(f"/registrations/{reg.number}")
        assert page.status_code == 200 and reg.enterprise in page.text
        assert "accept-form" not in page.text and "/settle" not in page.text  # no decision forms
        with console.store.session() as s:
            from store.models import StoredDocument

            doc = s.exec(select(StoredDocument).where(StoredDocument.registration_id == reg.id)).first()
        assert console.client.get(f"/documents/{doc.id}/download").status_code == 200
        # A file of mail that registered nothing (here the same file, come with the inquiry) is not for experts.
        with console.store.session() as s:
            unregistered = StoredDocument(message_id=console.message_ids["inquiry"], filename=doc.filename,
                                          sha256=doc.sha256, kind=doc.kind, archive_path=doc.archive_path)
            s.add(unregistered)
            s.flush()
            unregistered_id = unregistered.id
        for what in ("download", "image", "seal"):
            assert console.client.get(f"/documents/{unregistered_id}/{what}").status_code == 404, what
        for path in STAFF_PAGES + [f"/messages/{console.message_ids['inquiry']}"]:
            refused = console.client.get(path)
            assert refused.status_code == 403 and "无权打开此页面" in refused.text and "评审专家" in refused.text, path
        token = csrf_of(page.text)
        actions = [f"/registrations/{reg.number}/accept", f"/registrations/{reg.number}/notice",
                   "/findings/1/settle", "/replies/1/resend", f"/messages/{reg.last_message_id}/rerun",
                   f"/messages/{console.message_ids['inquiry']}/answered"]
        for path in actions:
            refused = console.client.post(path, data={"csrf": token, "note": "评审专家想改", "action": "waive"})
            assert refused.status_code == 403 and "无权" in refused.text, path
        with console.store.session() as s:
            assert s.exec(select(ConsoleDecision)).all() == []
        assert console.registration("flagged").status == reg.status
    finally:
        close(console)
