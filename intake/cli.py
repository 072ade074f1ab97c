"""The `intake` command (SPEC §6)."""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from intake.base.config import ConfigError, Settings, config_path, load_settings
from intake.mailbox import MailboxError
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from intake.progress import Progress
from intake.fetch.sources import read_messages
from store import StoreError

log = logging.getLogger("intake")


class CommandError(Exception):
    """A reason the command cannot go on, said in one line with what to do instead."""


def cmd_poll(args, settings: Settings) -> int:
    from intake.run.poll import poll_once

    with Pipeline.open(settings) as pipeline:
        report = poll_once(pipeline)
    log.info("Poll: %d fetched, %d new, %d processed; replies: %d sent, %d failed, %d deferred",
             report.fetched, report.new, report.processed, report.delivery.sent,
             report.delivery.failed, report.delivery.deferred)
    return 0


def cmd_run(args, settings: Settings) -> int:
    from intake.run.service import run_service

    with Pipeline.open(settings) as pipeline:
        run_service(pipeline)
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise CommandError(f"no such file or folder: {', '.join(missing)}; give .eml files, folders of them, "
                           "a Maildir or an mbox file")
    with Pipeline.open(settings) as pipeline:
        return _ingest(pipeline, args)


def _ingest(pipeline: Pipeline, args) -> int:
    from intake.run.poll import deliver

    failures, progress = 0, Progress("已处理")
    if progress.active:  # the counter replaces the per-message log lines on a terminal
        logging.getLogger("intake.pipeline").setLevel(logging.WARNING)

    def accepted():
        for item in read_messages([Path(p) for p in args.paths]):
            yield pipeline.accept(item.raw, account="local", folder=item.source,
                                  received_at=file_received_time(item.raw))[0]

    for message, outcome in pipeline.process_stream(accepted()):
        progress.step()
        if outcome is None:
            failures += 1
        elif args.json:
            print(json.dumps(outcome, ensure_ascii=False), flush=True)
    progress.close()
    deliver(pipeline)
    if failures:
        print(f"intake: {failures} message(s) could not be processed; see the log", file=sys.stderr)
    return 1 if failures else 0


def cmd_retry(args, settings: Settings) -> int:
    """Re-run quarantined messages after the cause was fixed (a reader bug, a full disk)."""
    from intake.run.poll import deliver

    with Pipeline.open(settings) as pipeline:
        requeued = pipeline.store.requeue_quarantined(args.messages)
        pipeline.process_pending()
        deliver(pipeline)
        statuses = [pipeline.store.message_by_hash(m.raw_sha256).status for m in requeued]
    still_failing = len(statuses) - statuses.count("processed")
    print(f"已重新处理 {len(requeued)} 封隔离邮件，{statuses.count('processed')} 封已处理完毕"
          + (f"，{still_failing} 封仍未成功，请查看日志。" if still_failing else "。"))
    return 1 if still_failing else 0


def _write_atomically(path: Path, data: bytes) -> None:
    """Never leave half a file where the secretariat will open it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _require_set_up(settings: Settings) -> None:
    """A report from a store nothing was ever stored in would be empty, not true: refuse it."""
    from store import is_set_up

    if not is_set_up(settings.store.url):
        raise CommandError(
            f"the store {settings.store.shown_url} has never been set up, so there is no registry to write; "
            f"check [store] url in {settings.path}, or receive mail first (intake run, intake ingest)")


def cmd_digest(args, settings: Settings) -> int:
    from datetime import datetime, time

    from notifier.digest import DigestNotSent, build_digest, render_digest_html, send_digest
    from store import Store

    tz = settings.competition.timezone
    now = datetime.combine(args.date, time(23, 59, 59), tzinfo=tz) if args.date else datetime.now(tz)
    store = Store(settings.store.url)
    try:
        digest = build_digest(store, settings, now)
    finally:
        store.close()
    done = []
    if args.out or not args.send:
        out = Path(args.out or f"digest-{digest.today.isoformat()}.html")
        _write_atomically(out, render_digest_html(digest).encode("utf-8"))
        done.append(f"日报已写入：{out.resolve()}")
    if args.send:
        try:
            eml = send_digest(digest, settings)
        except DigestNotSent as err:
            print(f"intake: {err}", file=sys.stderr)
            return 1
        done.append(f"日报邮件已写入：{eml.resolve()}" if eml else f"日报已发送至：{'、'.join(settings.digest.to)}")
    print("；".join(done))
    return 0


def cmd_export(args, settings: Settings) -> int:
    from notifier.workbook import registry_workbook
    from store import Store

    _require_set_up(settings)
    store = Store(settings.store.url)
    try:
        data = registry_workbook(store, settings)
    finally:
        store.close()
    out = Path(args.file)
    _write_atomically(out, data)
    print(f"报名登记表已写入：{out.resolve()}")
    return 0


def _day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date such as 2023-02-27: {value!r}") from None


def cmd_demo(args, settings: Settings | None) -> int:
    from intake.demo import run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the demo prints its own summary
    return run_demo(Path(args.dir))


def cmd_web(args, settings: Settings) -> int:
    from console.app import serve

    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_user_add(args, settings: Settings) -> int:
    """A console account; the password comes from stdin so it never shows in `ps` or shell history.
    On an existing account: a new password, which ends every session of it."""
    from console.auth import add_user
    from store import Store

    if not args.password_stdin:
        print("intake: give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    store = Store(settings.store.url)
    try:
        created = add_user(store, args.name, password, role=args.role, temporary=args.temporary)
    except ValueError as err:
        print(f"intake: {err}", file=sys.stderr)
        return 2
    finally:
        store.close()
    name = args.name.strip()
    said = f"已创建控制台账号：{name}" if created else f"已更新控制台账号的密码：{name}（该账号已登录的会话全部失效）"
    if args.temporary:
        said += "；这是临时密码，首次登录时须改为自己的密码"
    print(said)
    return 0


def _accounts(settings: Settings, change) -> int:
    """Run `change(store)` on the store; the one account command helper."""
    from store import Store

    store = Store(settings.store.url)
    try:
        return change(store)
    finally:
        store.close()


def cmd_user_list(args, settings: Settings) -> int:
    from console.auth import ROLE_NAMES
    from intake.base.times import cn_datetime, aware
    from store.console import users

    def show(store) -> int:
        found = users(store)
        if not found:
            print("还没有控制台账号；用 intake user add 账号名 --password-stdin 创建。")
        for user in found:
            state = "已停用" if user.disabled else ("待修改临时密码" if user.must_change_password else "正常")
            print(f"{user.name}\t{ROLE_NAMES.get(user.role, user.role)}\t{state}\t"
                  f"创建于 {cn_datetime(aware(user.created_at), settings.competition.timezone)}")
        return 0

    return _accounts(settings, show)


def cmd_user_state(args, settings: Settings) -> int:
    """disable / enable / remove: each ends every session of the account at once."""
    from store.console import end_sessions, remove_user

    done = {"disable": "已停用控制台账号：{}（其已登录的会话全部失效）", "enable": "已启用控制台账号：{}",
            "remove": "已删除控制台账号：{}（其处理记录保留）"}[args.user_command]

    def change(store) -> int:
        found = (remove_user(store, args.name) if args.user_command == "remove"
                 else end_sessions(store, args.name, disabled=args.user_command == "disable"))
        if not found:
            print(f"intake: 没有名为 {args.name} 的控制台账号；intake user list 列出全部账号", file=sys.stderr)
            return 1
        print(done.format(args.name))
        return 0

    return _accounts(settings, change)


def cmd_past_load(args, settings: Settings) -> int:
    """Earlier years' reports into the copy check's index (stored, not registered)."""
    from intake.review.past import load_past
    from store import Store

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(f"no such folder: {folder}; give the folder that holds the earlier years' reports")
    store = Store(settings.store.url)
    try:
        print(load_past(store, folder, args.year).summary(args.year))
    finally:
        store.close()
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a wrong command line is one line that points to the help."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="intake", description="QC 成果竞赛报名邮件自动受理")
    parser.add_argument("--config", help="configuration file (default: $INTAKE_CONFIG or ./config.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    poll = sub.add_parser("poll", help="poll the mailbox")
    poll.add_argument("--once", action="store_true", required=True, help="one poll cycle, then exit")
    poll.set_defaults(func=cmd_poll)
    sub.add_parser("run", help="the service: poll, reply, until stopped").set_defaults(func=cmd_run)
    ingest = sub.add_parser("ingest", help="run .eml files, folders, Maildir or mbox through the pipeline")
    ingest.add_argument("--json", action="store_true", help="print one JSON object per message")
    ingest.add_argument("paths", nargs="+")
    ingest.set_defaults(func=cmd_ingest)
    digest = sub.add_parser("digest", help="build the secretariat's daily digest now")
    digest.add_argument("--send", action="store_true", help="mail it to the [digest] to addresses")
    digest.add_argument("--out", metavar="FILE", help="write the HTML to FILE (default without --send: "
                                                      "digest-DATE.html here)")
    digest.add_argument("--date", type=_day, metavar="YYYY-MM-DD",
                        help="the digest as of the end of that day (default: now)")
    digest.set_defaults(func=cmd_digest)
    export = sub.add_parser("export", help="write the registry (and 附件8 推荐汇总表) as an Excel file")
    export.add_argument("file", metavar="FILE.xlsx")
    export.set_defaults(func=cmd_export)
    retry = sub.add_parser("retry", help="re-run quarantined messages after the cause was fixed")
    retry.add_argument("messages", nargs="*", help="content hash (prefix) or Message-ID; default: all quarantined")
    retry.set_defaults(func=cmd_retry)
    web = sub.add_parser("web", help="the secretariat's web console")
    web.add_argument("--host", help="address to listen on (default: [web] host, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: [web] port, 8080)")
    web.set_defaults(func=cmd_web)
    user = sub.add_parser("user", help="accounts of the web console")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    user_add = user_sub.add_parser("add", help="create a console account (or set a new password)")
    user_add.add_argument("name")
    user_add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user_add.add_argument("--role", choices=("secretariat", "reviewer"),
                          help="secretariat (every page and action; the default for a new account) or reviewer "
                               "(reads registrations and documents only)")
    user_add.add_argument("--temporary", action="store_true",
                          help="a temporary password: the first login must choose a new one")
    user_add.set_defaults(func=cmd_user_add)
    user_sub.add_parser("list", help="the console accounts, their roles and states").set_defaults(func=cmd_user_list)
    for command, words in (("disable", "disable an account and end its sessions"), ("enable", "enable it again"),
                           ("remove", "delete an account (its decisions keep its name)")):
        parser_ = user_sub.add_parser(command, help=words)
        parser_.add_argument("name")
        parser_.set_defaults(func=cmd_user_state)
    past = sub.add_parser("past", help="earlier years' reports for the copy check")
    past_sub = past.add_subparsers(dest="past_command", required=True)
    past_load = past_sub.add_parser("load", help="load a folder of earlier years' reports (.docx/.doc/.wps/.pdf)")
    past_load.add_argument("folder")
    past_load.add_argument("--year", type=int, required=True, help="the year of the competition they were sent to")
    past_load.set_defaults(func=cmd_past_load)
    demo = sub.add_parser("demo", help="a local sample mailbox run end to end")
    demo.add_argument("--dir", default="intake-demo", help="folder for the demo's files (default: intake-demo)")
    demo.set_defaults(func=cmd_demo, needs_config=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mailparser", "pdfminer", "imapclient", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = None
    try:
        settings = None if not getattr(args, "needs_config", True) else load_settings(config_path(args.config))
        return args.func(args, settings)
    except (ConfigError, CommandError) as err:
        print(f"intake: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except MailboxError as err:
        print(f"intake: {err}", file=sys.stderr)
        return 1
    except (StoreError, DBAPIError) as err:
        log.debug("store", exc_info=True)
        print(f"intake: {_store_problem(err, settings)}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - one line for the user, the traceback in debug
        log.debug("fatal", exc_info=True)
        print(f"intake: {_one_line(err)}; run the command again with -v for the details", file=sys.stderr)
        return 1


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _store_problem(err: Exception, settings: Settings | None) -> str:
    """The database could not be opened or written: which one, and where that is configured."""
    reason = _one_line(getattr(err, "orig", None) or err)
    if settings is None:
        return f"cannot use the database ({reason}); run the command again with -v for the details"
    where = f"check [store] url in {settings.path}"
    if settings.store.url.startswith("sqlite"):
        return f"cannot use the database {settings.store.shown_url} ({reason}); {where} and that its folder is writable"
    return f"cannot use the database {settings.store.shown_url} ({reason}); {where} and that the database server runs"


if __name__ == "__main__":
    sys.exit(main())
