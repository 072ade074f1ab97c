"""An expert's own score and comment on a registration: written from its page, by the
expert's account only, and only ever as that account's own (the name comes from the
session, never from the form); the secretariat reads every expert's."""
from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console.auth import EXPERTS, guarded
from store import console as console_store
from store.console import REVIEWER
from store.scores import save_score, scores_of

log = logging.getLogger("intake.console")
MAX_COMMENT = 4000


def visible_scores(store, registration_id: int, account) -> list:
    """What the account may read: an expert their own score, the secretariat all."""
    return scores_of(store, registration_id, account.name if account.role == REVIEWER else None)


def parse_score(raw: str) -> int | None:
    """A whole number from 0 to 100, or None when left empty; ValueError otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 100:
        raise ValueError("评分须为 0 到 100 之间的整数。")
    return int(raw)


@guarded(roles=EXPERTS)
def score(request: Request) -> Response:
    """POST /registrations/{number}/score: the expert's own score and comment."""
    store, form = request.app.state.store, request.state.form
    reg = console_store.registration_by_number(store, request.path_params["number"])
    if reg is None:
        request.session["flash"] = {"text": "没有这个总编号的报名。", "error": True}
        return RedirectResponse("/registrations", status_code=303)
    back = f"/registrations/{reg.number}#scores"
    try:
        value = parse_score(str(form.get("score", "")))
    except ValueError as err:
        request.session["flash"] = {"text": str(err), "error": True}
        return RedirectResponse(back, status_code=303)
    save_score(store, reg.id, request.state.user, value, str(form.get("comment", "")).strip()[:MAX_COMMENT])
    log.info("Console: %s scored %s", request.state.user, reg.number)
    request.session["flash"] = {"text": f"您对 {reg.number} 的评分和意见已保存。", "error": False}
    return RedirectResponse(back, status_code=303)
