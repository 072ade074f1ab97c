"""The secretariat's daily digest: what arrived, what is complete, what waits for a person.

`build_digest` reads the store into plain data, `render_digest_html` and
`render_digest_text` lay it out from templates, `digest_message` makes the
e-mail (text, HTML with the chart inline, the registry workbook attached),
`send_digest` delivers it through `notifier.transport`.
"""
from __future__ import annotations

import base64
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from intake.fetch.archive import Archive
from intake.base.config import Settings
from intake.base.times import cn_date, cn_datetime, cn_deadline
from notifier.chart import arrivals_png
from notifier.statistics import FORM_CLASSES, DayCount, arrivals, days_left
from notifier.compose import header_safe
from intake.base.times import aware
from intake.mime.parse import archived_body
from notifier.registry import (
    LATE_LABEL, TEMPLATE_DIR, Problem, Registry, RegistryRow, as_problem, finding_title, load_registry,
    status_label,
)
from notifier.transport import DirectoryTransport, PermanentFailure, TemporaryFailure, make_transport
from notifier.workbook import write_workbook
from store import Store
from store import console as console_store
from store.models import Message, MessageStatus, Outbox, OutboxStatus

log = logging.getLogger("intake.notifier")

# Rows of the count table: key, label. Keys are classifications, split by verdict for forms.
COUNT_ROWS = (
    ("submission:accepted", "报名邮件：材料齐全"),
    ("submission:deficient", "报名邮件：需补正"),
    ("correction:accepted", "补正邮件：已补齐"),
    ("correction:deficient", "补正邮件：仍需补正"),
    ("observer", "观摩报名"),
    ("inquiry", "咨询来信"),
    ("auto_reply", "自动回复（不回复）"),
    ("bounce", "退信（不回复）"),
    ("duplicate", "重复来信（不回复）"),
    ("unreadable", "无法解析的邮件"),
)
# Shown only when there is something to count.
RARE_ROWS = (("own_mail", "本邮箱自己发出的邮件"), ("quarantined", "处理出错的邮件"), ("pending", "尚未处理的邮件"))
REPLY_LABELS = {"acknowledgement": "报名回执", "deficiency_notice": "补正通知",
                "observer_acknowledgement": "观摩回执", "reminder": "补正提醒"}
# What the secretariat can decide in the web console (store/console.py has the codes).
ACTION_LABELS = {"accept": "予以受理", "waive": "免除此项", "confirm": "确认问题", "notice": "发送补正通知",
                 "resend": "重发回复", "rerun": "重新处理邮件", "answered": "咨询已答复"}
CHART_DAYS, MIN_CHART_DAYS = 30, 7
MAX_INQUIRIES = 100


# -- plain data ---------------------------------------------------------------

@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    today: int
    total: int


@dataclass(frozen=True)
class Outstanding:
    """A registration (or a mail that got no number) still waiting for a correction, or, late, for
    the secretariat's decision."""

    number: str
    enterprise: str
    group: str
    topic: str
    sender: str
    last_received: datetime
    status_label: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ReviewItem:
    """Something the system could not decide: a person should look."""

    title: str
    detail: str
    document: str | None
    number: str
    sender: str
    subject: str
    received: datetime


@dataclass(frozen=True)
class Inquiry:
    received: datetime
    sender: str
    subject: str
    excerpt: str
    # Why it was left to a person rather than taken as a registration.
    reason: str = ""


@dataclass(frozen=True)
class TroubledReply:
    to: str
    subject: str
    kind: str
    error: str
    attempts: int
    # "failed": refused for good; "uncertain": a crash mid-send, maybe delivered;
    # "retrying": still queued after an error.
    state: str


@dataclass(frozen=True)
class DecisionLine:
    """Something the secretariat decided in the web console (who, when, what, why)."""

    at: datetime
    user: str
    action: str
    number: str
    what: str
    note: str


@dataclass(frozen=True)
class Digest:
    """Everything one digest shows; times are in the competition's time zone."""

    competition: str
    now: datetime
    deadline: datetime
    registered: int
    registered_today: int
    accepted: int
    deficient: int
    # Of the deficient, those received after the deadline: the secretariat decides (逾期待定).
    late: tuple[Outstanding, ...]
    enterprises: int
    counts: tuple[CountRow, ...]
    arrivals: tuple[DayCount, ...]
    new_today: tuple[RegistryRow, ...]
    outstanding: tuple[Outstanding, ...]
    review: tuple[ReviewItem, ...]
    inquiries: tuple[Inquiry, ...]
    inquiries_total: int
    troubled_replies: tuple[TroubledReply, ...]
    registry_xlsx: bytes
    # Decisions taken in the web console in the 24 hours before the digest.
    decisions: tuple[DecisionLine, ...] = ()

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def deadline_passed(self) -> bool:
        return self.now >= self.deadline

    @property
    def days_left(self) -> int:
        return days_left(self.deadline, self.now)

    @property
    def subject(self) -> str:
        return f"QC成果竞赛报名日报（{self.today.year}年{self.today.month}月{self.today.day}日）"

    @property
    def registry_filename(self) -> str:
        return f"报名登记表-{self.today.isoformat()}.xlsx"


# -- reading the store ----------------------------------------------------------

def build_digest(store: Store, settings: Settings, now: datetime) -> Digest:
    """The digest as of `now`: mail received after it is left out."""
    tz = settings.competition.timezone
    now = now.astimezone(tz)
    ledger = store.message_ledger(until=now)
    registry = load_registry(store, settings)
    rows = [row for row in registry.rows if row.first_received <= now]
    today = now.date()
    local_day = {m.id: aware(m.received_at).astimezone(tz).date() for m in ledger}
    standing = store.standing_findings()
    settled = console_store.settled_findings(store)
    outstanding = _outstanding(rows, ledger, standing)
    return Digest(
        competition=settings.competition.name, now=now, deadline=settings.competition.deadline.astimezone(tz),
        registered=len(rows),
        registered_today=sum(1 for r in rows if r.first_received.astimezone(tz).date() == today),
        accepted=sum(1 for r in rows if r.status == "accepted"),
        deficient=sum(1 for r in rows if r.status == "deficient" and not r.awaits_late_decision),
        late=tuple(item for item in outstanding if item.status_label == LATE_LABEL),
        enterprises=len({r.enterprise for r in rows if r.enterprise}),
        counts=_counts(ledger, local_day, today),
        arrivals=_arrivals(ledger, local_day, today, tz),
        new_today=tuple(r for r in rows if r.first_received.astimezone(tz).date() == today),
        outstanding=tuple(item for item in outstanding if item.status_label != LATE_LABEL),
        review=_review(registry, ledger, [f for f in standing if f.id not in settled]),
        inquiries=_inquiries(store, ledger, settings),
        inquiries_total=sum(1 for m in ledger if m.classification == "inquiry"),
        troubled_replies=tuple(_troubled(reply) for reply in store.replies_in_trouble()),
        registry_xlsx=write_workbook(registry),
        decisions=_decisions(store, registry, now),
    )


def _decisions(store: Store, registry: Registry, now: datetime) -> tuple[DecisionLine, ...]:
    """The console's decisions of the last 24 hours up to `now`, oldest first."""
    lines = []
    for d in reversed(console_store.decisions(store, since=now - timedelta(hours=24))):
        at = aware(d.created_at).astimezone(now.tzinfo)
        if at > now:
            continue
        detail = d.detail or {}
        codes = [detail["code"]] if detail.get("code") else list(detail.get("codes", []))
        what = ACTION_LABELS.get(d.action, d.action) + (
            "：" + "、".join(finding_title(code) for code in codes) if codes else "")
        lines.append(DecisionLine(at, d.user, d.action, registry.numbers_by_id.get(d.registration_id, ""), what,
                                  d.note))
    return tuple(lines)


def _count_key(message: Message) -> str:
    if message.status == MessageStatus.QUARANTINED:
        return "quarantined"
    if message.status == MessageStatus.PENDING or not message.classification:
        return "pending"
    if message.classification in FORM_CLASSES:
        return f"{message.classification}:{message.verdict or 'deficient'}"
    return message.classification


def _counts(ledger: list[Message], local_day: dict[int, date], today: date) -> tuple[CountRow, ...]:
    total: dict[str, int] = {}
    todays: dict[str, int] = {}
    for m in ledger:
        key = _count_key(m)
        total[key] = total.get(key, 0) + 1
        if local_day[m.id] == today:
            todays[key] = todays.get(key, 0) + 1
    rows = [CountRow(k, label, todays.get(k, 0), total.get(k, 0)) for k, label in COUNT_ROWS]
    rows += [CountRow(k, label, todays.get(k, 0), total[k]) for k, label in RARE_ROWS if total.get(k)]
    known = {k for k, _ in COUNT_ROWS + RARE_ROWS}
    rows += [CountRow(k, k, todays.get(k, 0), n) for k, n in sorted(total.items()) if k not in known]
    rows.append(CountRow("all", "合计", sum(todays.values()), len(ledger)))
    return tuple(rows)


def _arrivals(ledger: list[Message], local_day: dict[int, date], today: date, tz) -> tuple[DayCount, ...]:
    """Per day over the last CHART_DAYS days (at least MIN_CHART_DAYS) up to today."""
    first = min(local_day.values(), default=today)
    start = min(max(first, today - timedelta(days=CHART_DAYS - 1)), today - timedelta(days=MIN_CHART_DAYS - 1))
    return arrivals(ledger, tz, start, today)


def _outstanding(rows: list[RegistryRow], ledger: list[Message], standing) -> tuple[Outstanding, ...]:
    """Deficient registrations, then mails too incomplete to get a number (unless the
    sender has registered since)."""
    result = [Outstanding(r.number, r.enterprise, r.group, r.topic, r.sender, r.last_received, r.status_label,
                          r.problems) for r in rows if r.status == "deficient"]
    messages = {m.id: m for m in ledger}
    later = {}
    for r in rows:
        later[r.sender] = max(later.get(r.sender, r.last_received), r.last_received)
    unnumbered: dict[int, list[Problem]] = {}
    for f in standing:
        if f.registration_id is None and f.severity == "deficiency" and f.message_id in messages:
            unnumbered.setdefault(f.message_id, []).append(as_problem(f))
    for message_id, problems in unnumbered.items():
        m = messages[message_id]
        received = aware(m.received_at)
        if m.sender in later and later[m.sender] > received:
            continue
        result.append(Outstanding("", "", "", m.subject, m.sender, received,
                                  status_label("deficient", tuple(problems)), tuple(problems)))
    return tuple(result)


def _review(registry: Registry, ledger: list[Message], standing) -> tuple[ReviewItem, ...]:
    """Review flags that stand, unreadable mail and mail that broke processing; newest first."""
    messages = {m.id: m for m in ledger}
    items, seen = [], set()
    for f in standing:
        m = messages.get(f.message_id)
        key = (f.message_id, f.code, f.document, f.detail)
        if f.severity != "review" or m is None or key in seen:
            continue
        seen.add(key)
        number = registry.numbers_by_id.get(f.registration_id, "")
        items.append(ReviewItem(finding_title(f.code), f.detail or "", f.document, number, m.sender, m.subject,
                                aware(m.received_at)))
    items += [_unhandled(m) for m in ledger
              if m.classification == "unreadable" or m.status == MessageStatus.QUARANTINED]
    return tuple(sorted(items, key=lambda item: item.received, reverse=True))


def _unhandled(m: Message) -> ReviewItem:
    """A mail the pipeline could not decide about: parsing failed, or processing kept failing."""
    if m.classification == "unreadable":
        title, detail = "邮件无法解析", f"{(m.error or '').strip()}。原始邮件已存档，请在邮箱中查看"
    else:
        title, detail = "系统处理出错", (f"处理该邮件时出错（{(m.error or '').strip()}），已重试{m.attempts}次；"
                                         "原始邮件已存档；排除原因后可由管理员运行 intake retry 重新处理")
    return ReviewItem(title, detail, None, "", m.sender, m.subject, aware(m.received_at))


def _inquiries(store: Store, ledger: list[Message], settings: Settings) -> tuple[Inquiry, ...]:
    archive = Archive(settings.store.archive_dir)
    wanted = [m for m in reversed(ledger) if m.classification == "inquiry"][:MAX_INQUIRIES]
    reasons = store.classification_reasons([m.id for m in wanted])
    return tuple(Inquiry(aware(m.received_at), m.sender, m.subject, _excerpt(archive, m), reasons.get(m.id, ""))
                 for m in wanted)


_SPACE = re.compile(r"\s+")


def _excerpt(archive: Archive, message: Message, limit: int = 160) -> str:
    """The question itself, from the archived mail; '' when it cannot be read."""
    text = _SPACE.sub(" ", archived_body(archive, message.archive_path, message.received_at)).strip()
    return text if len(text) <= limit else text[:limit] + "……"


def _troubled(reply: Outbox) -> TroubledReply:
    return TroubledReply(to=reply.to_addr, subject=reply.subject, kind=REPLY_LABELS.get(reply.reply_type,
                                                                                        reply.reply_type),
                         error=reply.last_error or "", attempts=reply.attempts,
                         state={OutboxStatus.FAILED: "failed", OutboxStatus.UNCERTAIN: "uncertain"}.get(
                             reply.status, "retrying"))


# -- rendering ----------------------------------------------------------------

def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short_time"] = lambda moment, tz: f"{moment.astimezone(tz).month}月{moment.astimezone(tz).day}日 " \
                                                   f"{moment.astimezone(tz):%H:%M}"
    env.globals.update(cn_date=cn_date, cn_datetime=cn_datetime, cn_deadline=cn_deadline)
    return env


def _context(digest: Digest) -> dict:
    weekday = "一二三四五六日"[digest.today.weekday()]
    return {"d": digest, "tz": digest.now.tzinfo, "weekday": f"星期{weekday}"}


def render_digest_html(digest: Digest, *, chart_src: str | None = None) -> str:
    """The digest as HTML with inline styles only; every sender-supplied string escaped.

    `chart_src` is where the chart image is: the mail passes its cid: URL;
    by default the PNG is embedded as a data: URL, so a file on disk is
    complete on its own (mail clients block data: URLs, hence cid: there).
    """
    src = chart_src or "data:image/png;base64," + base64.b64encode(chart_png(digest)).decode("ascii")
    return _environment().get_template("digest.html.j2").render(**_context(digest), chart_src=src)


def render_digest_text(digest: Digest) -> str:
    return _environment().get_template("digest.txt.j2").render(**_context(digest))


def chart_png(digest: Digest) -> bytes:
    return arrivals_png(digest.arrivals, digest.today)


# Lines may be long (RFC 5322 allows 998) so that the Chinese file name stays one
# RFC 2231 parameter (filename*=utf-8''…): some mail clients do not join
# RFC 2231 continuations (filename*0*, filename*1*) and would show a garbled name.
_UNSPLIT = email.policy.SMTP.clone(max_line_length=998)


def digest_message(digest: Digest, settings: Settings) -> bytes:
    """The digest e-mail as RFC 5322 bytes.

    multipart/mixed: [multipart/alternative: [text/plain, multipart/related:
    [text/html, image/png (cid:)]], the .xlsx registry].
    """
    _, from_email = email.utils.parseaddr(settings.smtp.sender)
    domain = from_email.rpartition("@")[2] or None
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = header_safe(settings.smtp.sender)
    msg["To"] = ", ".join(header_safe(addr) for addr in settings.digest.to)
    msg["Subject"] = digest.subject
    msg["Date"] = email.utils.format_datetime(datetime.now(digest.now.tzinfo))
    msg["Message-ID"] = email.utils.make_msgid(idstring="digest", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    chart_cid = email.utils.make_msgid(idstring="chart", domain=domain)[1:-1]
    msg.set_content(render_digest_text(digest), charset="utf-8", cte="base64")
    msg.add_alternative(render_digest_html(digest, chart_src=f"cid:{chart_cid}"), subtype="html",
                        charset="utf-8", cte="base64")
    msg.get_payload()[1].add_related(chart_png(digest), maintype="image", subtype="png", cid=f"<{chart_cid}>",
                                     filename="arrivals.png", disposition="inline")
    msg.add_attachment(digest.registry_xlsx, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename=digest.registry_filename)
    msg.get_payload()[-1].set_param("name", digest.registry_filename)
    return msg.as_bytes(policy=_UNSPLIT)


class DigestNotSent(Exception):
    """The digest could not be delivered; the text says why, in one line."""


def send_digest(digest: Digest, settings: Settings) -> Path | None:
    """Mail the digest to every [digest] to address; return None.

    With the `directory` transport nothing is mailed: the message is written
    as digest-<date>.eml into the replies folder, and that path is returned.
    """
    if not settings.digest.to:
        raise DigestNotSent(f"{settings.path}: [digest] to lists no address")
    raw = digest_message(digest, settings)
    transport = make_transport(settings.smtp, settings.secret(settings.smtp.password_env))
    if isinstance(transport, DirectoryTransport):
        target = transport.folder / f"digest-{digest.today.isoformat()}.eml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
        return target
    try:
        for address in settings.digest.to:
            # The transports deliver Outbox rows; this one is never stored.
            transport.send(Outbox(message_id=None, reply_type="digest", to_addr=address, reply_message_id="",
                                  subject=digest.subject, raw=raw))
    except (PermanentFailure, TemporaryFailure) as err:
        raise DigestNotSent(f"digest not sent to {address}: {err}") from err
    finally:
        transport.close()
    log.info("Digest %s: sent to %s", digest.today.isoformat(), ", ".join(settings.digest.to))
    return None
