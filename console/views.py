"""The console's pages (GET) and the login: read the store, fill a template."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from intake.mime.parse import archived_body
from intake.review.sheet import review_registration
from intake.validators.deadline import is_late
from intake.base.times import aware
from notifier.registry import LATE_LABEL, as_problem, status_label
from store import console as console_store
from store.models import Message, Registration, StoredFinding

from console import evidence, previews
from console.auth import (EVERYONE, MAX_NAME, PASSWORD_PAGE, add_user, check_password, csrf_ok, guarded, safe_next,
                          start_session)
from console.chart import arrivals, arrivals_svg
from notifier.statistics import days_left
from console.decisions import is_rerunnable
from console.scores import visible_scores
from console.wording import NOTICE_CODES, label

log = logging.getLogger("intake.console")
PAGE_SIZE = 200
STAMP_CODES = {"MISSING_STAMP", "STAMP_UNCERTAIN"}
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _now(request: Request) -> datetime:
    return datetime.now(request.app.state.settings.competition.timezone)


# -- login ------------------------------------------------------------------------

async def login_page(request: Request) -> Response:
    if request.session.get("user"):
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return request.app.state.render(request, "login.html", {"next": safe_next(request.query_params.get("next")),
                                                            "error": None, "name": ""})


async def login(request: Request) -> Response:
    """The try is counted before the password is checked, and at most a few checks run at
    once (console/auth.py's Lockout). A failed login logs the address, never the name typed
    (it is sometimes a password typed into the wrong field)."""
    form = await request.form()
    name, password = str(form.get("name", "")).strip()[:MAX_NAME], str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    render, store, lockout = request.app.state.render, request.app.state.store, request.app.state.lockout
    address = request.client.host if request.client else "-"

    def again(error: str, status: int) -> Response:
        return render(request, "login.html", {"next": target, "name": name, "error": error}, status_code=status)

    if not csrf_ok(request, form.get("csrf")):
        return again("登录页面已过期，请重新输入。", 403)
    if not lockout.try_(address, name):
        log.warning("Console: login refused from %s, too many tries", address)
        return again(f"登录尝试次数过多，请 {lockout.window_minutes} 分钟后再试。", 429)
    if not await lockout.slot():
        return again("登录的人较多，系统繁忙，请稍后再试。", 503)
    try:
        user = await run_in_threadpool(check_password, store, name, password)
    finally:
        lockout.release()
    if user is None:
        log.warning("Console: failed login from %s", address)
        return again("账号或密码不正确。", 401)
    if user.disabled:
        log.warning("Console: login to the disabled account %s refused", user.name)
        return again("该账号已停用，请联系秘书处管理员。", 403)
    lockout.succeeded(name)
    start_session(request, user)
    log.info("Console: %s logged in", user.name)
    return RedirectResponse(PASSWORD_PAGE if user.must_change_password else target, status_code=303)


@guarded(roles=EVERYONE)
def logout(request: Request) -> Response:
    """Ends every session of the account, not only this browser's."""
    console_store.end_sessions(request.app.state.store, request.state.user)
    log.info("Console: %s logged out", request.state.user)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@guarded(roles=EVERYONE)
def password_page(request: Request) -> Response:
    return request.app.state.render(request, "password.html", {"nav": "", "error": None})


@guarded(roles=EVERYONE)
def change_password(request: Request) -> Response:
    """A new password of the account's own choosing; every other session of it ends, this one goes on."""
    form, account = request.state.form, request.state.account
    old, new, again = (str(form.get(key, "")) for key in ("current", "new", "repeat"))

    def refused(error: str) -> Response:
        return request.app.state.render(request, "password.html", {"nav": "", "error": error}, status_code=400)

    address, lockout = (request.client.host if request.client else "-"), request.app.state.lockout
    if not lockout.try_(address, account.name):
        return refused("尝试次数过多，请稍后再试。")
    if not lockout.slot_in_thread():
        return refused("系统繁忙，请稍后再试。")
    try:
        checked = check_password(request.app.state.store, account.name, old)
    finally:
        lockout.release()
    if checked is None:
        return refused("当前密码不正确。")
    if new != again:
        return refused("两次输入的新密码不一致。")
    if new == old:
        return refused("新密码不能与当前密码相同。")
    try:
        add_user(request.app.state.store, account.name, new, temporary=False)
    except ValueError as err:
        return refused(str(err))
    start_session(request, console_store.user_by_name(request.app.state.store, account.name))
    request.session["flash"] = {"text": "密码已修改，其他已登录的浏览器需重新登录。", "error": False}
    log.info("Console: %s changed the password", account.name)
    return RedirectResponse("/", status_code=303)


# -- what needs a person -------------------------------------------------------------

@dataclass(frozen=True)
class OpenItem:
    """A standing finding nobody has settled yet."""

    finding: StoredFinding
    registration: Registration | None
    message: Message | None


def _standing_by_registration(store) -> dict[int | None, list[StoredFinding]]:
    grouped: dict[int | None, list[StoredFinding]] = {}
    for f in store.standing_findings():
        grouped.setdefault(f.registration_id, []).append(f)
    return grouped


def open_items(store, severity: str = "review") -> list[OpenItem]:
    """Standing findings of one severity that no decision has settled, newest mail first."""
    settled = console_store.settled_findings(store)
    registrations = {r.id: r for r in store.all_registrations()}
    messages = {m.id: m for m in store.message_ledger()}
    items = [OpenItem(f, registrations.get(f.registration_id), messages.get(f.message_id))
             for f in store.standing_findings() if f.severity == severity and f.id not in settled]
    return sorted(items, key=lambda item: (aware(item.message.received_at) if item.message else EARLIEST,
                                           item.finding.id), reverse=True)


def _needs(store) -> dict:
    answered = console_store.answered_messages(store)
    return {
        "flags": open_items(store),
        "inquiries": [m for m in console_store.messages_of_class(store, "inquiry") if m.id not in answered],
        "replies": store.replies_in_trouble(),
        "unhandled": console_store.unhandled_messages(store),
    }


# -- pages ------------------------------------------------------------------------------

@guarded(roles=EVERYONE)
def dashboard(request: Request) -> Response:
    store, settings = request.app.state.store, request.app.state.settings
    now = _now(request)
    ledger = store.message_ledger()
    counts = console_store.status_counts(store)
    classes: dict[str, int] = {}
    for m in ledger:
        key = m.classification or m.status
        classes[key] = classes.get(key, 0) + 1
    chart = arrivals_svg(arrivals(ledger, now.tzinfo, now.date()), now.date())
    return request.app.state.render(request, "dashboard.html", {
        "nav": "dashboard", "counts": counts, "total": sum(counts.values()), "classes": classes,
        "messages_total": len(ledger), "chart": chart,
        "days_left": days_left(settings.competition.deadline, now),
        "deadline_passed": now >= settings.competition.deadline, "needs": _needs(store),
        "recent": console_store.decisions(store, limit=10)})


def _filters(request: Request) -> dict[str, str]:
    params = request.query_params
    return {key: params.get(key, "").strip()[:200] for key in ("status", "enterprise", "code", "topic_type", "q")}


@dataclass(frozen=True)
class Row:
    registration: Registration
    codes: tuple[str, ...]
    label: str
    open_flags: int


@guarded(roles=EVERYONE)
def registrations(request: Request) -> Response:
    store = request.app.state.store
    chosen = _filters(request)
    standing = _standing_by_registration(store)
    settled = console_store.settled_findings(store)
    rows = []
    for reg in store.all_registrations():
        findings = standing.get(reg.id, [])
        problems = tuple(as_problem(f) for f in findings if f.severity == "deficiency")
        rows.append(Row(reg, tuple(dict.fromkeys(f.code for f in findings)),
                        status_label(reg.status, problems) if reg.status == "deficient" else
                        label("status", reg.status),
                        sum(1 for f in findings if f.severity == "review" and f.id not in settled)))
    all_codes = sorted({code for row in rows for code in row.codes})
    topic_types = sorted({row.registration.topic_type for row in rows if row.registration.topic_type})
    shown = [row for row in rows if _matches(row, chosen)]
    return request.app.state.render(request, "registrations.html", {
        "nav": "registrations", "rows": shown[:PAGE_SIZE], "matched": len(shown), "total": len(rows),
        "filters": chosen, "codes": all_codes, "topic_types": topic_types})


def _matches(row: Row, chosen: dict[str, str]) -> bool:
    reg = row.registration
    if chosen["status"] == "flagged":
        if not row.open_flags:
            return False
    elif chosen["status"] == "late":
        if row.label != LATE_LABEL:
            return False
    elif chosen["status"] and reg.status != chosen["status"]:
        return False
    if chosen["enterprise"] and chosen["enterprise"].lower() not in reg.enterprise.lower():
        return False
    if chosen["code"] and chosen["code"] not in row.codes:
        return False
    if chosen["topic_type"] and reg.topic_type != chosen["topic_type"]:
        return False
    if chosen["q"]:
        haystack = " ".join((reg.number, reg.enterprise, reg.group_name, reg.topic, reg.sender)).lower()
        return all(word in haystack for word in chosen["q"].lower().split())
    return True


@dataclass(frozen=True)
class DocumentView:
    document: object
    preview: str | None
    pages: int


@dataclass(frozen=True)
class FindingView:
    finding: StoredFinding
    standing: bool
    settled: object | None
    excerpts: list
    seal_document: object | None


def _document_view(request: Request, doc) -> DocumentView:
    """How a document is previewed, with its number of PDF pages or .docx pictures."""
    kind = evidence.preview_kind(doc.filename) if doc.archive_path else None
    pages = 0
    if kind in ("pdf", "docx"):
        def count() -> int:
            data = request.app.state.pipeline.archive.read(doc.archive_path)
            return min(evidence.MAX_PAGES, evidence.pdf_page_count(data)) if kind == "pdf" else len(evidence.docx_media(data))

        try:
            pages = previews.counted(doc.sha256, kind, count)
        except OSError:
            return DocumentView(doc, None, 0)
    return DocumentView(doc, kind, pages)


def _finding_views(file: console_store.RegistrationFile, settled: dict, documents: list[DocumentView]) -> list[FindingView]:
    reg = file.registration
    by_name = {}
    for doc in file.documents:
        by_name.setdefault(doc.filename, doc)
    # Documents with a picture to show: an image, a PDF page, a picture inside a .docx.
    pictured = {v.document.id for v in documents if v.preview == "image" or v.pages}
    views = []
    for f in sorted(file.findings, key=lambda f: (f.message_id != reg.last_message_id, f.id)):
        doc = by_name.get(f.document or "")
        terms = evidence.terms_of(f.code, f.detail, f.field)
        texts = [doc] if doc else [d for d in file.documents if d.message_id == f.message_id]
        excerpts = [(d.filename, e) for d in texts for e in evidence.marked_excerpts(d.text or "", terms, limit=3)]
        seal = None
        if f.code in STAMP_CODES:
            candidates = ([doc] if doc else []) + [d for d in file.documents if d.message_id == f.message_id
                                                   and d.kind in ("entry_form", "scan")]
            seal = next((d for d in candidates if d.id in pictured), None)
        views.append(FindingView(f, f.message_id == reg.last_message_id, settled.get(f.id), excerpts[:4], seal))
    return views


@guarded(roles=EVERYONE)
def registration(request: Request) -> Response:
    store = request.app.state.store
    reg = console_store.registration_by_number(store, request.path_params["number"])
    if reg is None:
        return _not_found(request, "没有这个总编号的报名。")
    file = console_store.registration_file(store, reg)
    settled = console_store.settled_findings(store)
    documents = [_document_view(request, doc) for doc in file.documents]
    history = _history(file)
    return request.app.state.render(request, "registration.html", {
        "nav": "registrations", "reg": reg, "file": file, "documents": documents,
        "findings": _finding_views(file, settled, documents), "history": history, "notice_codes": NOTICE_CODES,
        "last_message": next((m for m in file.messages if m.id == reg.last_message_id), None),
        "rerunnable": is_rerunnable, "sheet": review_registration(store, reg),
        "scores": visible_scores(store, reg.id, request.state.account)})


@dataclass(frozen=True)
class Event:
    """One line of a registration's history."""

    at: datetime
    kind: str  # "in", "out", "decision"
    item: object


def _history(file: console_store.RegistrationFile) -> list[Event]:
    events = [Event(aware(m.received_at), "in", m) for m in file.messages]
    events += [Event(aware(r.sent_at or r.created_at), "out", r) for r in file.replies]
    events += [Event(aware(d.created_at), "decision", d) for d in file.decisions]
    return sorted(events, key=lambda e: e.at, reverse=True)


@guarded
def review(request: Request) -> Response:
    store = request.app.state.store
    return request.app.state.render(request, "review.html", {
        "nav": "review", "needs": _needs(store), "unnumbered": [i for i in open_items(store, "deficiency")
                                                               if i.registration is None],
        "late": [r for r in _late(store)]})


def _late(store) -> list[Registration]:
    standing = _standing_by_registration(store)
    return [reg for reg in store.all_registrations() if reg.status == "deficient"
            and is_late(f.code for f in standing.get(reg.id, []) if f.severity == "deficiency")]


_SPACE = re.compile(r"[ \t]+")


def _body(request: Request, message: Message) -> str:
    """The mail's text as the sender wrote it (shown escaped), '' when it cannot be read."""
    text = archived_body(request.app.state.pipeline.archive, message.archive_path, message.received_at)
    return _SPACE.sub(" ", text).strip()[:20000]


@guarded
def inquiries(request: Request) -> Response:
    store = request.app.state.store
    answered = console_store.answered_messages(store)
    show_all = request.query_params.get("all") == "1"
    shown = [m for m in console_store.messages_of_class(store, "inquiry") if show_all or m.id not in answered]
    reasons = store.classification_reasons([m.id for m in shown])
    items = [(m, answered.get(m.id), _body(request, m)[:300], reasons.get(m.id, "")) for m in shown]
    return request.app.state.render(request, "inquiries.html", {"nav": "inquiries", "items": items,
                                                                "show_all": show_all})


@guarded
def replies(request: Request) -> Response:
    store = request.app.state.store
    return request.app.state.render(request, "replies.html", {"nav": "replies",
                                                              "items": store.replies_in_trouble()})


@guarded
def decision_log(request: Request) -> Response:
    store = request.app.state.store
    registrations_by_id = {r.id: r for r in store.all_registrations()}
    return request.app.state.render(request, "decisions.html", {
        "nav": "decisions", "items": console_store.decisions(store, limit=500), "registrations": registrations_by_id})


@guarded
def message_page(request: Request) -> Response:
    store = request.app.state.store
    message = console_store.message(store, request.path_params["message_id"])
    if message is None:
        return _not_found(request, "没有这封邮件。")
    _, reply = store.message_and_reply(message.id)
    return request.app.state.render(request, "message.html", {
        "nav": "", "message": message, "body": _body(request, message), "reply": reply,
        "registrations": console_store.registrations_of_message(store, message.id),
        "answered": console_store.answered_messages(store).get(message.id), "rerunnable": is_rerunnable})


def _not_found(request: Request, text: str) -> Response:
    return request.app.state.render(request, "error.html", {"title": "未找到", "message": text}, status_code=404)
