"""Write real config files for tests, the way an administrator would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

BASE = """
[competition]
name = "2023年全省全面质量管理成果竞赛"
deadline = "{deadline}"
code_prefix = "QC2023-"
organiser = "山西省通信行业协会秘书处"
statistics_start = 2022-03-01
statistics_end = 2023-02-28
contact = "联系人：任丽娜，电话：18634372226"
next_steps = "3月6日至3月17日资料初审，3月21日前公布进入现场发表的QC小组名单。"

[store]
url = "{store_url}"
archive_dir = "{archive}"

[mailbox]
url = "{imap_url}"
username = "{imap_user}"
password_env = "TEST_IMAP_PASSWORD"
ca_file = "{ca_file}"
batch_size = 2
timeout = 10
poll_interval = 1

[smtp]
transport = "{transport}"
url = "{smtp_url}"
username = "{smtp_user}"
password_env = "TEST_SMTP_PASSWORD"
from = "山西省通信行业协会秘书处 <qc@sxcia.example>"
ca_file = "{smtp_ca_file}"
directory = "{replies}"
timeout = 10

[digest]
to = ["secretariat@sxcia.example"]
"""


def write_config(folder: Path, *, store_url: str | None = None, imap_url: str = "imap://127.0.0.1:1",
                 imap_user: str = "intake@example.test", ca_file: str = "", transport: str = "directory",
                 smtp_url: str = "smtp://127.0.0.1:1", smtp_user: str = "",
                 deadline: str = "2099-03-03T00:00:00+08:00", smtp_ca_file: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = BASE.format(store_url=store_url or f"sqlite:///{folder / 'intake.db'}", archive=folder / "archive",
                       imap_url=imap_url, imap_user=imap_user, ca_file=ca_file, transport=transport,
                       smtp_url=smtp_url, smtp_user=smtp_user, replies=folder / "replies", deadline=deadline,
                       smtp_ca_file=smtp_ca_file)
    text = text.replace('ca_file = ""\n', "")
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def set_key(path: Path, section: str, line: str) -> Path:
    """Write `key = value` into [section] as an administrator would: the key's line replaced, else added."""
    key = line.split("=")[0].strip()
    lines = path.read_text(encoding="utf-8").splitlines()
    if f"[{section}]" not in lines:
        lines += ["", f"[{section}]"]
    start = lines.index(f"[{section}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    at = next((i for i in range(start + 1, end) if lines[i].split("=")[0].strip() == key), None)
    if at is None:
        lines.insert(start + 1, line)
    else:
        lines[at] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_intake(*args: str, cwd: Path, stdin: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`intake ARGS` as a person types it in `cwd`, running this checkout's code."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "intake.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=180, env=environment)


def feed(pipeline, raw: bytes) -> dict:
    """Archive and process one mail as if it had just been read from the mailbox."""
    from intake.mime.parse import file_received_time

    message, _ = pipeline.accept(raw, account="test", folder="INBOX", received_at=file_received_time(raw))
    return pipeline.process(message)
