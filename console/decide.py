"""The console's decisions, apart from HTTP: what each one writes and queues.

Replies the secretariat causes are rendered by notifier/render.py and
composed by notifier/compose.py like the pipeline's own, threaded under the
last mail of the registration, and queued in the outbox for notifier/send.py.
"""
from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from intake.base.model import Finding, ReplyType, Severity
from intake.mime.parse import parse_mail
from intake.run.pipeline import Pipeline
from notifier.compose import compose
from intake.base.times import aware
from notifier.render import RegistrationSummary, render_reply
from store import console as db
from store.models import ConsoleDecision, MessageStatus, Outbox, Registration

from console.wording import NOTE_CODE, NOTICE_CODES

log = logging.getLogger("intake.console")


def _reply_to_registration(pipeline: Pipeline, reg: Registration, reply_type: ReplyType, status: str,
                           deficiencies: list[Finding], now: datetime) -> Outbox:
    """A reply about one registration, to the sender of its last mail, under our last reply to it."""
    store, settings = pipeline.store, pipeline.settings
    message, previous = store.message_and_reply(reg.last_message_id)
    with store.session() as s:
        files = [d.filename for d in store.documents_of(s, reg.id) if d.message_id == reg.last_message_id]
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
        raise db.ConsoleRefused("请至少选择一项问题或填写补充说明。")
    notice = _reply_to_registration(pipeline, reg, ReplyType.DEFICIENCY_NOTICE, "deficient", items, now)
    decision = db.queue_notice(pipeline.store, user, reg.id, notice, codes, note)
    log.info("Console: %s queued a deficiency notice for %s (%s)", user, reg.number, ",".join(codes) or "note")
    return decision


def accept(pipeline: Pipeline, user: str, reg: Registration, note: str, acknowledge: bool,
           now: datetime) -> ConsoleDecision:
    """Accept despite flags or deficiencies; with `acknowledge`, the sender gets a 回执."""
    ack = _reply_to_registration(pipeline, reg, ReplyType.ACKNOWLEDGEMENT, "accepted", [], now) if acknowledge \
        else None
    decision = db.accept(pipeline.store, user, reg.id, note, ack)
    log.info("Console: %s accepted %s%s", user, reg.number, " and queued a receipt" if ack else "")
    return decision


def rerun(pipeline: Pipeline, user: str, message_id: int, note: str) -> tuple[ConsoleDecision, dict]:
    """Run a message through the pipeline again (after a reader was fixed).

    What processing wrote for it is undone first (store/console.py); the
    registrations it made keep their numbers: they are handed to the recorder
    as the registrations this mail corrects.
    """
    store = pipeline.store
    message = db.message(store, message_id)
    if message is None:
        raise db.ConsoleRefused("没有这封邮件。")
    old = db.registrations_of_message(store, message_id)
    # The units it registered stay held while it is decided again (see `Store.units_locked`).
    with store.units_locked(reg.enterprise_key for reg in old):
        decision = mail = None
        try:
            mail = parse_mail(pipeline.archive.read(message.archive_path), aware(message.received_at))
            decision = pipeline.decide(mail, message)
            if old and decision.submission is not None:
                known = {reg.id for reg in old}
                decision = dataclasses.replace(
                    decision, corrects=tuple(old) + tuple(r for r in decision.corrects if r.id not in known))
        except Exception as err:  # noqa: BLE001 - the pipeline records the mail as unreadable below
            log.info("Console: rerun of message %s: %s; processed the usual way", message_id, err)
            decision = None
        before = db.reset_for_rerun(store, message_id)
        # Hold the message so that a running service leaves it to us.
        if not store.claim(message_id):
            raise db.ConsoleRefused("这封邮件已由正在运行的收信服务接手处理，请稍后刷新查看结果。")
        fresh = db.message(store, message_id)
        try:
            if decision is not None:
                outcome = pipeline.record(fresh, mail, decision)
            else:
                outcome = pipeline.process(fresh)
        except Exception as err:  # noqa: BLE001 - counted like any failed attempt; the service retries
            store.note_failure(message_id, f"{type(err).__name__}: {err}")
            log.exception("Console: rerun of message %s failed", message_id)
            raise db.ConsoleRefused(f"重新处理失败：{type(err).__name__}。邮件已放回待处理队列，请查看日志。") from err
        finally:
            store.release(message_id)
    after = db.message(store, message_id)
    regs = db.registrations_of_message(store, message_id)
    detail = {**{f"before_{k}": v for k, v in before.items()},
              "classification": after.classification, "verdict": after.verdict,
              "numbers": [r["number"] for r in outcome.get("submissions", [])]}
    recorded = db.record_rerun(store, user, message_id, note, detail, [r.id for r in regs])
    log.info("Console: %s re-ran message %s: %s, %s", user, message_id, after.classification, after.verdict)
    return recorded, outcome


def is_rerunnable(status: str) -> bool:
    return status in (MessageStatus.PROCESSED, MessageStatus.QUARANTINED)
