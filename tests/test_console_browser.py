"""End to end in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's chromedriver, against the console served by uvicorn on a loopback port.

A missing Chromium fails this test (CI installs `chromium chromium-driver`).
`screenshot()` makes the README's picture: `.venv/bin/python -m tests.test_console_browser`.
"""
from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import pytest
from sqlmodel import select

from store.models import ConsoleDecision
from tests.test_console_common import PASSWORD, USER, close, make_console, served

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Without these a closed network stalls Chromium at start (update checks, sync, QUIC probes).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--lang=zh-CN")


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900):
    """Headless Chromium with a fresh profile, through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="console-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS + (f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def _wait_for(driver, css: str, words: str, seconds: float = 20):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css),
                                                                                          words))
    return driver.find_element(By.CSS_SELECTOR, css)


def _log_in(driver, base: str, path: str, user: str = USER, password: str = PASSWORD) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + path)
    assert "登录" in driver.title  # every page asks for a login first
    driver.find_element(By.NAME, "name").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()


def test_login_and_accept_a_flagged_registration_in_chromium(tmp_path):
    from selenium.webdriver.common.by import By

    console = make_console(tmp_path, None, ("accepted", "flagged"))
    number = console.numbers["flagged"]
    try:
        with served(console.client.app) as base, chromium() as driver:
            _log_in(driver, base, f"/registrations/{number}")
            _wait_for(driver, "h1", number)
            assert "公章识别不确定" in driver.page_source and "疑似涉密内容" in driver.page_source
            seal = driver.find_element(By.CSS_SELECTOR, "figure.evidence img")
            driver.execute_script("arguments[0].scrollIntoView()", seal)
            time.sleep(0.5)
            assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", seal) > 0
            form = driver.find_element(By.ID, "accept-form")
            form.find_element(By.NAME, "note").send_keys("已电话核实，扫描件上公章清晰")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            assert f"已受理 {number}" in _wait_for(driver, ".flash", "已受理").text
            history = driver.find_element(By.CSS_SELECTOR, "ul.history").text
            assert "予以受理" in history and "已电话核实，扫描件上公章清晰" in history and USER in history
            driver.get(base + "/review")
            assert number not in driver.find_element(By.TAG_NAME, "main").text
        registration = console.registration("flagged")
        with console.store.session() as s:
            [decision] = s.exec(select(ConsoleDecision)).all()
        assert registration.status == "accepted"
        assert (decision.user, decision.action, decision.registration_id) == (USER, "accept", registration.id)
        assert decision.note == "已电话核实，扫描件上公章清晰" and len(decision.detail["settles"]) == 2
    finally:
        close(console)


def test_an_expert_reads_the_prereview_and_scores_in_chromium(tmp_path):
    """A reviewer account: the 初审表 beside the registration, its own score saved, no decisions."""
    from selenium.webdriver.common.by import By

    from console.auth import add_user
    from store.scores import scores_of

    console = make_console(tmp_path, None, ("accepted",))
    number = console.numbers["accepted"]
    add_user(console.store, "li.zhuanjia", "李专家的密码-2023", role="reviewer")
    try:
        with served(console.client.app) as base, chromium() as driver:
            _log_in(driver, base, f"/registrations/{number}", "li.zhuanjia", "李专家的密码-2023")
            _wait_for(driver, "h1", number)
            sheet = driver.find_element(By.ID, "prereview").text
            assert "初审表" in sheet and "选择课题" in sheet and "目标是否达到：达到" in sheet
            assert not driver.find_elements(By.ID, "accept-form")  # no decision for an expert
            form = driver.find_element(By.ID, "score-form")
            form.find_element(By.NAME, "score").send_keys("85")
            form.find_element(By.NAME, "comment").send_keys("要因确认的数据较充分。")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            _wait_for(driver, ".flash", "已保存")
            driver.get(base + "/review")
            assert "无权打开此页面" in driver.find_element(By.TAG_NAME, "main").text
        [row] = scores_of(console.store, console.registration("accepted").id)
        assert (row.reviewer, row.score, row.comment) == ("li.zhuanjia", 85, "要因确认的数据较充分。")
    finally:
        close(console)


def screenshot(out: Path = Path("docs/console.png")) -> Path:
    """The README's picture: a registration page after a decision, in Chromium."""
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as folder:
        console = make_console(Path(folder), None, ("accepted", "unstamped", "flagged", "inquiry"))
        number = console.numbers["flagged"]
        try:
            with served(console.client.app) as base, chromium(1280, 1500) as driver:
                _log_in(driver, base, f"/registrations/{number}")
                _wait_for(driver, "h1", number)
                [flag] = driver.find_elements(By.CSS_SELECTOR, "article.finding.review form.settle")[1:2] or [None]
                if flag is not None:
                    flag.find_element(By.NAME, "note").send_keys("报告中的“内部”指企业内部网管，不涉密")
                    flag.find_element(By.CSS_SELECTOR, "button[value=waive]").click()
                    _wait_for(driver, ".flash", "已免除")
                driver.get(base + f"/registrations/{number}")
                _wait_for(driver, "h1", number)
                time.sleep(1.0)
                out.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(out))
        finally:
            close(console)
    return out


if __name__ == "__main__":
    print(screenshot())
