"""`intake demo`: the whole flow on a local sample mailbox, nothing to set up.

Plays the week of `samples.demo_story` on its simulated clock: each mail
lands in a Maildir, goes through the same pipeline as polled mail (on
SQLite) at the next poll, and its reply is written as an .eml file then,
dated and signed that day (`intake.base.times.simulated`). At the end the secretariat's
digest (HTML) of the last day and the registry (Excel) under the name the
digest gives it; then where everything is.
"""
from __future__ import annotations

import mailbox
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

from intake.base.config import load_settings
from intake.base.times import simulated
from intake.run.pipeline import Pipeline
from samples.demo_story import CST, POLL_DELAY, Reply, SimulatedClock, Story
from notifier.digest import build_digest, render_digest_html
from notifier.registry import finding_title
from notifier.send import OutboxSender, sender_for
from store import Store

MARKER = ".intake-demo"
DIGEST_FILE = "digest.html"
# The story's first morning (samples.demo_story): the simulated clock starts here.
FIRST_DAY = datetime(2023, 2, 27, 8, 0, tzinfo=CST)

CONFIG = """\
# Written by `intake demo`. See config.example.toml for every key.
[competition]
name = "2023年全省全面质量管理成果竞赛"
deadline = "2023-03-03T00:00:00+08:00"
code_prefix = "QC2023-"
organiser = "山西省通信行业协会秘书处"
statistics_start = 2022-03-01
statistics_end = 2023-02-28
contact = "联系人：任丽娜，电话：18634372226"
next_steps = "3月6日至3月17日资料初审，3月21日前公布进入现场发表的QC小组名单，3月29日至31日现场发表，时间地点另行通知。"

[store]
url = "sqlite:///intake.db"
archive_dir = "archive"

[mailbox]
url = "imaps://imap.163.com:993"
username = "18603456030@163.com"

[smtp]
transport = "directory"
from = "山西省通信行业协会秘书处 <18603456030@163.com>"
directory = "replies"

[digest]
to = ["18603456030@163.com"]
"""


def _fresh_folder(folder: Path) -> None:
    if folder.exists() and (folder / MARKER).exists():
        shutil.rmtree(folder)
    elif folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"intake: {folder} exists and is not a demo folder; choose another with --dir")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by intake demo\n")


def run_demo(folder: Path) -> int:
    folder = folder.resolve()
    _fresh_folder(folder)
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(folder / "config.toml")
    box = mailbox.Maildir(folder / "sample-mailbox", create=True)
    story = Story()
    clock = SimulatedClock(FIRST_DAY)
    pipeline = Pipeline.open(settings)
    sender = sender_for(settings, pipeline.store, clock=clock)
    outcomes, sent = [], 0
    try:
        with simulated(clock):
            for landed, raw in story.arrivals():
                box.add(raw)
                clock.advance_to(landed + POLL_DELAY)  # the next poll picks it up and answers
                message, _ = pipeline.accept(raw, account="demo", folder="sample-mailbox", received_at=landed)
                outcomes.append(pipeline.process(message))
                sent += _deliver(sender, settings, story)
            registry_file = _write_digest(folder, settings, pipeline.store, clock)
    finally:
        sender.close()
        pipeline.close()
    _print_summary(folder, settings, outcomes, sent, registry_file)
    return 0


def _deliver(sender: OutboxSender, settings, story: Story) -> int:
    """Send what is due; each recipient may answer what it received."""
    before = set(settings.smtp.directory.glob("*.eml")) if settings.smtp.directory.exists() else set()
    report = sender.deliver()
    for path in sorted(set(settings.smtp.directory.glob("*.eml")) - before):
        story.answer(Reply.read(path.read_bytes()))
    return report.sent


def _write_digest(folder: Path, settings, store: Store, clock: SimulatedClock) -> str:
    """The digest as it goes out at [digest] send_at on the story's last day, and the registry
    under the name the digest gives its attachment; returns that name."""
    tz = settings.competition.timezone
    last = clock().astimezone(tz)
    clock.advance_to(datetime.combine(last.date(), settings.digest.send_at, tzinfo=tz))
    digest = build_digest(store, settings, clock())
    (folder / DIGEST_FILE).write_text(render_digest_html(digest), encoding="utf-8")
    (folder / digest.registry_filename).write_bytes(digest.registry_xlsx)
    return digest.registry_filename


CLASS_NAMES = {"submission": "报名", "correction": "补正", "observer": "观摩报名", "inquiry": "咨询",
               "auto_reply": "自动回复", "bounce": "退信", "duplicate": "重复", "own_mail": "本方邮件",
               "unreadable": "无法解析"}
VERDICT_NAMES = {"accepted": "受理", "deficient": "需补正", None: "-"}


def _print_summary(folder: Path, settings, outcomes: list[dict], sent: int, registry_file: str) -> None:
    counts = Counter(CLASS_NAMES[o["classification"]] for o in outcomes)
    print(f"样例邮箱：{folder / 'sample-mailbox'}（{len(outcomes)} 封邮件）")
    print("分类：" + "，".join(f"{name} {count} 封" for name, count in counts.items()))
    for o in outcomes:
        numbers = "、".join(s["number"] for s in o["submissions"]) or "-"
        codes = "、".join(finding_title(f["code"]) for f in o["deficiencies"]) or "-"
        landed = datetime.fromisoformat(o["received_at"])
        late = any(f["code"] == "LATE_SUBMISSION" for f in o["deficiencies"])
        print(f"  {landed.month}月{landed.day}日 {landed:%H:%M}\t{CLASS_NAMES[o['classification']]}\t"
              f"{'逾期待定' if late else VERDICT_NAMES[o['verdict']]}\t{numbers}\t"
              f"问题：{codes}\t{o['subject'][:36]}")
    print(f"回复邮件（{sent} 封 .eml）：{settings.smtp.directory}")
    print(f"秘书处日报（用浏览器打开）：{folder / DIGEST_FILE}")
    print(f"报名登记表（含附件8推荐汇总表）：{folder / registry_file}")
    print(f"数据库：{settings.store.url.removeprefix('sqlite:///')}")
    print(f"原始邮件与附件存档：{settings.store.archive_dir}")
    print(f"配置文件：{folder / 'config.toml'}（可用 intake --config 该文件 ingest 其他邮件）")
