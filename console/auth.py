"""Accounts, sessions and CSRF: every page needs a login, every change a token.

Passwords are kept only as Argon2id hashes (argon2-cffi). The session is a
signed cookie (Starlette's SessionMiddleware, itsdangerous) that lapses after
`[web] session_minutes` without activity. Each session carries a random CSRF
token that every POST form must echo.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from store import Store
from store.console import save_user, user_by_name

log = logging.getLogger("intake.console")

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MAX_FAILURES, FAILURE_WINDOW = 5, 600.0


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_user(store: Store, name: str, password: str) -> bool:
    """Create (or re-key) an account; True when it is new. The password is never stored or logged."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ValueError("账号名不能为空、不能含空格，且不超过 64 个字符")
    if len(password) < 8:
        raise ValueError("密码至少需要 8 个字符")
    return save_user(store, name, hash_password(password))


class Throttle:
    """Refuse a name after MAX_FAILURES wrong passwords within FAILURE_WINDOW seconds."""

    def __init__(self):
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if time.monotonic() - t < FAILURE_WINDOW]
            self._failures[name] = recent
            return len(recent) >= MAX_FAILURES

    def fail(self, name: str) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(time.monotonic())

    def clear(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


def check_password(store: Store, name: str, password: str) -> bool:
    user = user_by_name(store, name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        save_user(store, name, hash_password(password))
    return user is not None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


def start_session(request: Request, name: str) -> None:
    """A fresh session for the user: nothing from before the login is kept."""
    request.session.clear()
    request.session.update(user=name, csrf=secrets.token_urlsafe(32), since=int(time.time()))


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def guarded(handler: Callable[[Request], Response]) -> Callable:
    """Wrap a (synchronous) page handler: login required; POST must carry the CSRF token.

    The handler runs in a worker thread (the store is synchronous); the parsed
    form is in `request.state.form`, the user's name in `request.state.user`.
    """
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        user = request.session.get("user")
        if not user or user_by_name(request.app.state.store, user) is None:
            request.session.pop("user", None)
            if request.method != "GET":
                return request.app.state.render(request, "error.html", {
                    "title": "登录已过期", "message": "登录已过期，请重新登录后再操作。"}, status_code=401)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        request.state.user = user
        if request.method == "POST":
            form = await request.form()
            if not csrf_ok(request, form.get("csrf")):
                log.warning("Console: %s %s refused, CSRF token missing or wrong (user %s)",
                            request.method, request.url.path, user)
                return request.app.state.render(request, "error.html", {
                    "title": "请求无效", "message": "页面已过期或请求来源不明，操作未执行。请返回刷新页面后重试。"},
                    status_code=403)
            request.state.form = form
        return await run_in_threadpool(handler, request)
    return endpoint
