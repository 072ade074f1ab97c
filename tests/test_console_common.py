"""Shared by the console tests (no tests of its own): real mails through the real pipeline,
a console over the same store, and a logged-in HTTP client."""
from __future__ import annotations

import contextlib
import functools
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

with warnings.catch_warnings():
    # Starlette ≥ 1.0 would rather have httpx2; its TestClient works on httpx all the same.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from console.app import create_app
from console.auth import add_user
from intake.base.config import Settings, load_settings
from samples import (entry_form_docx, entry_form_lines, mails, qc_report_docx, sample_entry, scan_of_form_png,
                             scan_pdf, seal_png)
from intake.run.pipeline import Pipeline
from store.models import Registration
from tests.configs import feed, write_config

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
USER, PASSWORD = "wangfang", "秘书处-正确密码-2023"
SECRET = "test-session-key-not-for-production"
INTERNAL = "本报告所附网管数据仅供内部使用。"


@functools.lru_cache(maxsize=1)
def mailbox() -> dict[str, bytes]:
    """The mails the console tests feed, built once per test run."""
    _, accepted = mails.complete_submission(61)
    _, unstamped = mails.complete_submission(63, stamped=False)
    _, hostile = mails.complete_submission(
        65, stamped=False, group=f"{SCRIPT}QC小组", enterprise=f"{IMG}通信有限公司", sender_name=SCRIPT,
        mail_options={"subject": f"{SCRIPT}报名{IMG}"})
    data = sample_entry(70)
    # An unstamped Word form, a black-and-white scan of it (seal uncertain), a report with "内部": two review flags.
    flagged = mails.submission_mail(data, [
        (f"报名表-{data.group}.docx", entry_form_docx(data, seal=None)),
        (f"{data.topic}成果报告.docx", qc_report_docx(data, images=0, extra_text=INTERNAL, wording=70)),
        ("报名表盖章扫描件.pdf", scan_pdf([scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise),
                                                            grayscale=True)]))])
    return {
        "accepted": accepted, "unstamped": unstamped, "hostile": hostile, "flagged": flagged,
        "inquiry": mails.inquiry_mail("wang.li@sx.chinamobile.example", "请问现场发表每个小组的时间是多少分钟？"),
        "hostile_inquiry": mails.inquiry_mail("zhou@example.cn", f"{SCRIPT}请问{IMG}怎么报名？", name=SCRIPT),
    }


@dataclass
class Console:
    settings: Settings
    pipeline: Pipeline
    client: TestClient
    numbers: dict[str, str]
    message_ids: dict[str, int]

    @property
    def store(self):
        return self.pipeline.store

    def registration(self, key: str) -> Registration:
        from store.console import registration_by_number

        return registration_by_number(self.store, self.numbers[key])


def make_console(folder: Path, store_url: str | None = None, keys: tuple[str, ...] = (), *,
                 session_seconds: int | None = None, config_extra: str = "", deadline: str | None = None,
                 extra_mail: dict[str, bytes] | None = None) -> Console:
    """A console over a fresh store fed with the named mails, and an account for USER."""
    path = write_config(folder, store_url=store_url, **({"deadline": deadline} if deadline else {}))
    if config_extra:
        path.write_text(path.read_text(encoding="utf-8") + config_extra, encoding="utf-8")
    settings = load_settings(path)
    pipeline = Pipeline.open(settings)
    numbers, message_ids = {}, {}
    fed = {**mailbox(), **(extra_mail or {})}
    for key in [*keys, *(extra_mail or {})]:
        outcome = feed(pipeline, fed[key])
        if outcome["submissions"]:
            numbers[key] = outcome["submissions"][0]["number"]
        message_ids[key] = pipeline.store.message_by_hash(_sha(fed[key])).id
    add_user(pipeline.store, USER, PASSWORD)
    app = create_app(settings, secret=SECRET, session_seconds=session_seconds, pipeline=pipeline)
    return Console(settings, pipeline, TestClient(app, base_url="http://127.0.0.1", follow_redirects=False), numbers, message_ids)


def close(console: Console) -> None:
    console.client.close()
    getattr(console.pipeline, "close", console.pipeline.store.close)()


def _sha(raw: bytes) -> str:
    from intake.fetch.archive import sha256_hex

    return sha256_hex(raw)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def login(client: TestClient, name: str = USER, password: str = PASSWORD, next_path: str = "/"):
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": password,
                                       "next": next_path})


def post(client: TestClient, path: str, data: dict, *, page: str = "/"):
    """A form post as the browser sends it: with the CSRF token of a page of the same session."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **data})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """The app on a real uvicorn server in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)
