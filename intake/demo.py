"""`intake demo`: the whole flow on a local sample mailbox, nothing to set up.

Builds a Maildir of realistic registration mails (complete ones, deficient
ones, a correction, an inquiry, an out-of-office reply, an observer), runs
them through the same pipeline as polled mail on SQLite, writes the
replies as .eml files, writes the secretariat's digest (HTML) and the
registry (Excel), and says where everything is.
"""
from __future__ import annotations

import email
import email.policy
import mailbox
import shutil
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from intake.config import load_settings
from intake.fixtures import mails
from intake.parse import file_received_time
from intake.pipeline import Pipeline
from intake.poll import deliver
from notifier.digest import build_digest, render_digest_html
from store import Store

MARKER = ".intake-demo"
DIGEST_FILE, REGISTRY_FILE = "digest.html", "报名登记表.xlsx"
CST = timezone(timedelta(hours=8))

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


def sample_mails() -> list[bytes]:
    """The sample mailbox: what a morning in late February looks like."""
    day = datetime(2023, 2, 27, 9, 0, tzinfo=CST)
    result: list[bytes] = []
    for seed, client in enumerate(mails.CLIENTS):
        _, raw = mails.complete_submission(seed + 11, client=client,
                                           mail_options={"date": day + timedelta(minutes=17 * seed)})
        result.append(raw)
    unstamped, raw = mails.complete_submission(31, stamped=False, mail_options={"date": day + timedelta(hours=2)})
    result.append(raw)
    original_id = _message_id(raw)
    _, fixed = mails.complete_submission(31, stamped=True, mail_options={
        "in_reply_to": original_id, "references": (original_id,), "subject": f"回复：{_subject(raw)}",
        "date": day + timedelta(hours=5)})
    result.append(fixed)
    _, late = mails.complete_submission(41, mail_options={"date": datetime(2023, 3, 3, 10, 30, tzinfo=CST)})
    result.append(late)
    result.append(mails.inquiry_mail("wang.li@sx.chinamobile.example", "请问现场发表每个小组的时间是多少分钟？"))
    result.append(mails.auto_reply_mail(unstamped.sender, original_subject="补正通知：总编号QC2023-005 报名材料需补正"))
    result.append(mails.observer_mail("liu.yang@sxtower.example", "中国铁塔股份有限公司晋中市分公司",
                                      ["刘洋", "陈静"]))
    return result


def _message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw)["Message-ID"]


def _subject(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


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
    keys = [box.add(raw) for raw in sample_mails()]  # processed in arrival order

    pipeline = Pipeline.open(settings)
    outcomes = []
    for raw in (box.get_bytes(key) for key in keys):
        message, _ = pipeline.accept(raw, account="demo", folder="sample-mailbox",
                                     received_at=file_received_time(raw))
        outcomes.append(pipeline.process(message))
    delivery = deliver(pipeline)
    _write_digest(folder, settings, pipeline.store)
    _print_summary(folder, settings, outcomes, delivery.sent)
    return 0


def _write_digest(folder: Path, settings, store: Store) -> None:
    """The digest as it would go out at [digest] send_at on the sample's last day."""
    tz = settings.competition.timezone
    last = max(m.received_at for m in store.message_ledger()).astimezone(tz)
    digest = build_digest(store, settings, datetime.combine(last.date(), settings.digest.send_at, tzinfo=tz))
    (folder / DIGEST_FILE).write_text(render_digest_html(digest), encoding="utf-8")
    (folder / REGISTRY_FILE).write_bytes(digest.registry_xlsx)


CLASS_NAMES = {"submission": "报名", "correction": "补正", "observer": "观摩报名", "inquiry": "咨询",
               "auto_reply": "自动回复", "bounce": "退信", "duplicate": "重复", "own_mail": "本方邮件",
               "unreadable": "无法解析"}
VERDICT_NAMES = {"accepted": "受理", "deficient": "需补正", None: "-"}


def _print_summary(folder: Path, settings, outcomes: list[dict], sent: int) -> None:
    counts = Counter(CLASS_NAMES[o["classification"]] for o in outcomes)
    print(f"样例邮箱：{folder / 'sample-mailbox'}（{len(outcomes)} 封邮件）")
    print("分类：" + "，".join(f"{name} {count} 封" for name, count in counts.items()))
    for o in outcomes:
        numbers = "、".join(s["number"] for s in o["submissions"]) or "-"
        codes = "、".join(f["code"] for f in o["deficiencies"]) or "-"
        print(f"  {CLASS_NAMES[o['classification']]}\t{VERDICT_NAMES[o['verdict']]}\t{numbers}\t"
              f"问题：{codes}\t{o['subject'][:36]}")
    print(f"回复邮件（{sent} 封 .eml）：{settings.smtp.directory}")
    print(f"秘书处日报（用浏览器打开）：{folder / DIGEST_FILE}")
    print(f"报名登记表（含附件8推荐汇总表）：{folder / REGISTRY_FILE}")
    print(f"数据库：{settings.store.url.removeprefix('sqlite:///')}")
    print(f"原始邮件与附件存档：{settings.store.archive_dir}")
    print(f"配置文件：{folder / 'config.toml'}（可用 intake --config 该文件 ingest 其他邮件）")
