"""The secretariat's decisions in the console, apart from HTTP: what each one writes and queues.

Replies the secretariat causes are rendered by notifier/render.py and
composed by notifier/compose.py like the pipeline's own, threaded under the
last mail of the registration, and queued in the outbox for notifier/send.py.
"""
from __future__ import annotations

import dataclasses
import errno
import logging
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from intake.record.history import units_named
from intake.base.model import Finding, ReplyType, Severity
from intake.base.times import aware
from intake.run.pipeline import Pipeline
from intake.run.prepare import prepare
from intake.record.write import record_decision, record_unreadable
from notifier.compose import compose, reply_composer
from notifier.render import RegistrationSummary, render_reply
from store import console as console_store
from store.models import ConsoleDecision, MessageStatus, Outbox, Registration

from console.wording import NOTE_CODE, NOTICE_CODES

log = logging.getLogger("intake.console")


def _reply_to_registration(pipeline: Pipeline, reg: Registration, reply_type: ReplyType, status: str,
                           deficiencies: list[Finding], now: datetime) -> Outbox:
    """A reply about one registration, to the sender of its last mail, under our last reply to it."""
    store, settings = pipeline.store, pipeline.settings
    message, previous = store.message_and_reply(reg.last_message_id)
    with store.session() as s:
        files = [d.filename for d in store.documents_of(reg.id) if d.message_id == reg.last_message_id]
    content = render_reply(
        reply_type, competition=settings.competition, deficiencies=deficiencies, files=files, sender_name="",
        registrations=[RegistrationSummary(reg.number, reg.enterprise, reg.group_name, reg.topic, reg.topic_type,
                                           status)],
        received_at=aware(message.received_at), now=now)
    to_addr = message.sender or reg.sender
    chain = [message.message_id] if message.message_id else []
    parent = previous.reply_message_id if previous else (chain[-1] if chain else "")
    raw, reply_id = compose(content, from_addr=settings.smtp.sender, to_addr=to_addr, in_reply_to=parent,
                            references=chain, now=now)
    return Outbox(message_id=None, reply_type=reply_type.value, to_addr=to_addr, reply_message_id=reply_id,
                  subject=content.subject, raw=raw)


def notice_items(pipeline: Pipeline, reg: Registration, codes: list[str], note: str,
                 document: str | None) -> list[Finding]:
    """The deficiencies a notice lists: the registration's own wording of each chosen code
    where it has one, else the standard sentence; the free text last."""
    standing = [f for f in pipeline.store.findings_of(reg.id) if f.message_id == reg.last_message_id]
    items: list[Finding] = []
    for code in codes:
        own = [f for f in standing if f.code == code]
        items += [Finding(code, Severity.DEFICIENCY, f.detail, f.document, f.field) for f in own] or [
            Finding(code, Severity.DEFICIENCY, NOTICE_CODES[code], document or None)]
    if note.strip():
        items.append(Finding(NOTE_CODE, Severity.DEFICIENCY, note.strip()))
    return items


def send_notice(pipeline: Pipeline, user: str, reg: Registration, codes: list[str], note: str,
                document: str | None, now: datetime) -> ConsoleDecision:
    """Queue a 补正通知 with the same 总编号; the registration becomes 待补正."""
    codes = [code for code in dict.fromkeys(codes) if code in NOTICE_CODES]
    items = notice_items(pipeline, reg, codes, note, document)
    if not items:
        raise console_store.ConsoleRefused("请至少选择一项问题或填写补充说明。")
    notice = _reply_to_registration(pipeline, reg, ReplyType.DEFICIENCY_NOTICE, "deficient", items, now)
    decision = console_store.queue_notice(pipeline.store, user, reg.id, notice, codes, note)
    log.info("Console: %s queued a deficiency notice for %s (%s)", user, reg.number, ",".join(codes) or "note")
    return decision


def accept(pipeline: Pipeline, user: str, reg: Registration, note: str, acknowledge: bool,
           now: datetime) -> ConsoleDecision:
    """Accept despite flags or deficiencies; with `acknowledge`, the sender gets a 回执."""
    ack = _reply_to_registration(pipeline, reg, ReplyType.ACKNOWLEDGEMENT, "accepted", [], now) if acknowledge \
        else None
    decision = console_store.accept(pipeline.store, user, reg.id, note, ack)
    log.info("Console: %s accepted %s%s", user, reg.number, " and queued a receipt" if ack else "")
    return decision


def rerun(pipeline: Pipeline, user: str, message_id: int, note: str) -> tuple[ConsoleDecision, dict]:
    """Run a message through the pipeline again (after a reader was fixed).

    The registrations it made keep their numbers: they are handed to the
    recorder as the registrations this mail corrects. The message is held
    before anything is changed; undoing what processing wrote for it
    (store/console.py), recording the new decision and the console's record of
    who asked are one transaction: when any of it fails, nothing has changed
    and the message keeps its old documents, findings and numbers (a message
    left pending would be processed again without them, under new numbers).
    """
    store = pipeline.store
    message = console_store.message(store, message_id)
    if message is None:
        raise console_store.ConsoleRefused("没有这封邮件。")
    old = console_store.registrations_of_message(store, message_id)
    try:
        prepared = prepare(pipeline.archive.read(message.archive_path), aware(message.received_at),
                           links=pipeline.link_fetcher)
    except OSError as err:
        log.error("Console: rerun of message %s: cannot read it from the archive: %s", message_id, err)
        raise console_store.ConsoleRefused("存档中读不到这封邮件，未作任何改动，请查看日志。") from err
    named = units_named(prepared.extraction.documents) if prepared.extraction else set()
    # The units it registered and names stay held while it is decided again (see `Store.units_locked`).
    with store.units_locked({*(reg.enterprise_key for reg in old), *named}):
        if not store.hold(message_id):
            raise console_store.ConsoleRefused("这封邮件正由收信服务处理，请稍后刷新查看结果。")
        try:
            decision = None if prepared.mail is None else _decided_again(pipeline, message, prepared, old)
            with store.session():  # one transaction: every store call below joins it
                before = console_store.reset_for_rerun(store, message_id)
                fresh = store.lock_message(message_id)
                outcome = (record_unreadable(store, fresh, prepared.unreadable) if decision is None else
                           record_decision(store, pipeline.archive, pipeline.settings, fresh, prepared.mail,
                                           decision, reply_composer(pipeline.settings)))
                regs = console_store.registrations_of_message(store, message_id)
                detail = {**{f"before_{k}": v for k, v in before.items()},
                          "classification": fresh.classification, "verdict": fresh.verdict,
                          "numbers": [r["number"] for r in outcome.get("submissions", [])]}
                recorded = console_store.record_rerun(store, user, message_id, note, detail, [r.id for r in regs])
        except console_store.ConsoleRefused:
            raise
        except Exception as err:  # noqa: BLE001 - rolled back: the message stays as it was
            log.exception("Console: rerun of message %s failed; nothing was changed", message_id)
            raise console_store.ConsoleRefused(f"重新处理失败，未作任何改动：{_why(err)}。详情见日志。") from err
        finally:
            store.release(message_id)
    log.info("Console: %s re-ran message %s: %s, %s", user, message_id, fresh.classification, fresh.verdict)
    return recorded, outcome


def _decided_again(pipeline: Pipeline, message, prepared, old: list[Registration]):
    """The pipeline's decision about the message, correcting the registrations it made before."""
    decision = pipeline.judge(prepared.mail, message, prepared.extraction, prepared.signatures)
    if old and decision.submission is not None:
        known = {reg.id for reg in old}
        decision = dataclasses.replace(
            decision, corrects=tuple(old) + tuple(r for r in decision.corrects if r.id not in known))
    return decision


def _why(err: Exception) -> str:
    """The cause of a failed re-run in words for the secretariat (the log has the rest)."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "存档所在磁盘已满"
    if isinstance(err, OSError) and err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "存档目录不可写入"
    if isinstance(err, OSError):
        return "存档读写出错"
    if isinstance(err, SQLAlchemyError):
        return "数据库拒绝了写入"
    return "程序出错"


def is_rerunnable(status: str) -> bool:
    return status in (MessageStatus.PROCESSED, MessageStatus.QUARANTINED)
