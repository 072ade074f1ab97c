"""The console's decisions over HTTP: each a POST with a CSRF token, then back to the page.

The outcome is said on the next page (a one-time message in the session).
"""
from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from store import console as console_store

from console import decisions
from console.auth import guarded, safe_next

MAX_NOTE = 2000


def _note(request: Request) -> str:
    return str(request.state.form.get("note", "")).strip()[:MAX_NOTE]


def _back(request: Request, default: str, message: str, error: bool = False) -> Response:
    request.session["flash"] = {"text": message, "error": error}
    return RedirectResponse(safe_next(str(request.state.form.get("back", "")) or default), status_code=303)


def _registration(request: Request):
    return console_store.registration_by_number(request.app.state.store, request.path_params["number"])


def _now(request: Request) -> datetime:
    return datetime.now(request.app.state.settings.competition.timezone)


@guarded
def accept(request: Request) -> Response:
    reg = _registration(request)
    if reg is None:
        return _back(request, "/registrations", "没有这个总编号的报名。", error=True)
    acknowledge = request.state.form.get("acknowledge") == "1"
    decisions.accept(request.app.state.pipeline, request.state.user, reg, _note(request), acknowledge, _now(request))
    sent = "，回执已放入发件队列" if acknowledge else ""
    return _back(request, f"/registrations/{reg.number}", f"已受理 {reg.number}{sent}。")


@guarded
def notice(request: Request) -> Response:
    reg = _registration(request)
    if reg is None:
        return _back(request, "/registrations", "没有这个总编号的报名。", error=True)
    form = request.state.form
    document = str(form.get("document", "")).strip() or None
    try:
        decisions.send_notice(request.app.state.pipeline, request.state.user, reg, list(form.getlist("codes")),
                           _note(request), document, _now(request))
    except console_store.ConsoleRefused as err:
        return _back(request, f"/registrations/{reg.number}", str(err), error=True)
    return _back(request, f"/registrations/{reg.number}", f"补正通知（总编号 {reg.number}）已放入发件队列。")


@guarded
def settle(request: Request) -> Response:
    store = request.app.state.store
    finding = console_store.finding(store, request.path_params["finding_id"])
    action = str(request.state.form.get("action", ""))
    if finding is None or action not in (console_store.WAIVE, console_store.CONFIRM):
        return _back(request, "/review", "无法处理该事项（可能已被重新处理）。", error=True)
    note = _note(request)
    if action == console_store.WAIVE and not note:
        return _back(request, "/review", "免除一项问题时请写明理由。", error=True)
    decision = console_store.settle_finding(store, request.state.user, finding.id, action, note)
    text = "已免除该项" if action == console_store.WAIVE else "已确认该问题"
    if (decision.detail or {}).get("status") == "accepted":
        text += "；该报名已无待补正事项，已改为已受理"
    return _back(request, "/review", text + "。")


@guarded
def resend(request: Request) -> Response:
    store = request.app.state.store
    row = console_store.reply(store, request.path_params["outbox_id"])
    if row is None:
        return _back(request, "/replies", "没有这封回复。", error=True)
    registration_id = None
    number = str(request.state.form.get("number", ""))
    if number and (reg := console_store.registration_by_number(store, number)):
        registration_id = reg.id
    try:
        console_store.requeue_reply(store, request.state.user, row.id, _note(request), registration_id)
    except console_store.ConsoleRefused as err:
        return _back(request, "/replies", str(err), error=True)
    return _back(request, "/replies", f"回复“{row.subject}”已重新放入发件队列，将由发信服务发出。")


@guarded
def rerun(request: Request) -> Response:
    message_id = request.path_params["message_id"]
    try:
        _, outcome = decisions.rerun(request.app.state.pipeline, request.state.user, message_id, _note(request))
    except console_store.ConsoleRefused as err:
        return _back(request, f"/messages/{message_id}", str(err), error=True)
    numbers = "、".join(s["number"] for s in outcome.get("submissions", []))
    return _back(request, f"/messages/{message_id}",
                 "邮件已重新处理" + (f"，总编号 {numbers}" if numbers else "") + "。")


@guarded
def answered(request: Request) -> Response:
    store = request.app.state.store
    message = console_store.message(store, request.path_params["message_id"])
    if message is None:
        return _back(request, "/inquiries", "没有这封邮件。", error=True)
    console_store.mark_answered(store, request.state.user, message.id, _note(request))
    return _back(request, "/inquiries", "已标记为已答复。")
