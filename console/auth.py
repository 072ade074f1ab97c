"""Accounts, sessions, roles and CSRF: every page needs a login, every change a token.

Passwords are kept only as Argon2id hashes (argon2-cffi). The session is a
signed cookie (Starlette's SessionMiddleware, itsdangerous) holding the
account's session version: a logout, a new password, disabling or removing the
account raise or drop that version in the store, and every cookie carrying an
older one is refused on its next request. A session also ends
`[web] session_minutes` after the last page and `[web] session_max_hours`
after the login. Each session carries a random CSRF token that every POST
form must echo. Who may open what is declared once, at each handler
(`guarded(roles=...)`); the navigation is derived from the same declaration.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import quote

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from intake.base.times import aware
from store import Store
from store.console import REVIEWER, ROLES, SECRETARIAT, save_user, user_by_name
from store.models import ConsoleUser

log = logging.getLogger("intake.console")

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MAX_NAME = 64
ROLE_NAMES = {SECRETARIAT: "秘书处", REVIEWER: "评审专家"}
# Who may open a page or take an action: everyone logged in, the secretariat only, the experts only.
EVERYONE = frozenset(ROLES)
STAFF = frozenset({SECRETARIAT})
EXPERTS = frozenset({REVIEWER})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ch.isspace() for ch in name):
        raise ValueError(f"账号名不能为空、不能含空格，且不超过 {MAX_NAME} 个字符")
    return name


def check_new_password(password: str) -> None:
    if len(password) < 8:
        raise ValueError("密码至少需要 8 个字符")


def add_user(store: Store, name: str, password: str, *, role: str | None = None, temporary: bool = False) -> bool:
    """Create (or re-key) an account; True when it is new. A new password ends the account's
    sessions. The password is never stored or logged."""
    name = check_name(name)
    check_new_password(password)
    return save_user(store, name, hash_password(password), role=role, temporary=temporary)


# -- how often, and how many at once, passwords are checked ----------------------------------

class Lockout:
    """Login tries counted before the password is checked, per account name and per client address.

    Counting first is what holds against tries sent together: the sixth of twenty
    parallel tries is refused before any Argon2 check has finished. The counts
    live in `limits`' in-memory storage (sliding-window counters; expired windows
    are dropped, so anonymous names cost nothing after the window), names cut to
    MAX_NAME. A successful login clears its account's count ("five wrong in a
    row"); the address count stays. At most `checks` Argon2 checks run at once
    (64 MiB each); a try that finds no free slot within `wait` seconds is refused.
    """

    def __init__(self, *, per_account: int = 5, per_address: int = 30, window: int = 600,
                 checks: int = 4, wait: float = 10.0):
        self.storage = MemoryStorage()
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._account = RateLimitItemPerSecond(per_account, window)
        self._address = RateLimitItemPerSecond(per_address, window)
        self.window_minutes = max(1, round(window / 60))
        self._slots = threading.BoundedSemaphore(checks)
        self._wait = wait

    def try_(self, address: str, name: str) -> bool:
        """Count one try against both the address and the account (a refused try still
        counts); False when either has used up its tries."""
        by_address = self._limiter.hit(self._address, "address", address[:MAX_NAME])
        by_account = self._limiter.hit(self._account, "account", name[:MAX_NAME])
        return by_address and by_account

    def succeeded(self, name: str) -> None:
        self._limiter.clear(self._account, "account", name[:MAX_NAME])

    async def slot(self) -> bool:
        """Take a password-check slot, waiting at most `wait` seconds; release it with `release`."""
        deadline = time.monotonic() + self._wait
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                return False
            await anyio.sleep(0.05)
        return True

    def slot_in_thread(self) -> bool:
        """`slot` for code running in a worker thread, where waiting blocks only that thread."""
        return self._slots.acquire(timeout=self._wait)

    def release(self) -> None:
        self._slots.release()


def check_password(store: Store, name: str, password: str) -> ConsoleUser | None:
    """The account when the password is its own, else None (as slow for an unknown name)."""
    user = user_by_name(store, name[:MAX_NAME])
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        save_user(store, user.name, hash_password(password), temporary=user.must_change_password,
                  keep_sessions=True)
    return user


# -- sessions ------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


def start_session(request: Request, user: ConsoleUser) -> None:
    """A fresh session for the account: nothing from before the login is kept."""
    now = time.time()
    request.session.clear()
    request.session.update(user=user.name, version=user.session_version, csrf=secrets.token_urlsafe(32),
                           since=now, seen=now)


def session_user(request: Request) -> ConsoleUser | None:
    """The account of a session that still holds: known, enabled, same session version,
    not idle too long, not too old. Marks the session as seen now."""
    session, state = request.session, request.app.state
    name = session.get("user")
    if not name:
        return None
    user = user_by_name(state.store, name)
    now, since = time.time(), float(session.get("since", 0))
    if (user is None or user.disabled or session.get("version") != user.session_version
            # An account removed and made again starts at version 0: a session from before it is not its own.
            or since < aware(user.created_at).timestamp()
            or now - float(session.get("seen", 0)) > state.idle_seconds
            or now - since > state.max_session_seconds):
        session.clear()
        return None
    session["seen"] = now
    return user


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


PASSWORD_PAGE = "/password"


def guarded(handler: Callable[[Request], Response] | None = None, *, roles: Iterable[str] = STAFF):
    """Wrap a (synchronous) page handler: a live session required, the account's role among
    `roles` (the secretariat only unless said), POST with the CSRF token. An account with a
    temporary password sees only the page that changes it.

    Use as `@guarded` or `@guarded(roles=EVERYONE)`; the roles are kept on the endpoint
    (`endpoint.roles`) for the navigation. The handler runs in a worker thread (the store is
    synchronous); the parsed form is in `request.state.form`, the account in
    `request.state.account`, its name in `request.state.user`.
    """
    allowed = frozenset(roles)
    if handler is None:
        return lambda h: guarded(h, roles=allowed)

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        render = request.app.state.render
        user = await run_in_threadpool(session_user, request)
        if user is None:
            if request.method != "GET":
                return render(request, "error.html", {
                    "title": "登录已过期", "message": "登录已过期，请重新登录后再操作。"}, status_code=401)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        request.state.account, request.state.user = user, user.name
        if user.must_change_password and request.url.path not in (PASSWORD_PAGE, "/logout"):
            if request.method == "GET":
                return RedirectResponse(PASSWORD_PAGE, status_code=303)
            return render(request, "error.html", {"title": "请先修改密码",
                                                  "message": "请先设置自己的密码，再进行操作。"}, status_code=403)
        if user.role not in allowed:
            log.warning("Console: %s %s refused to %s (role %s)", request.method, request.url.path, user.name,
                        user.role)
            return render(request, "error.html", {
                "title": "无权访问", "message": f"您的账号（{ROLE_NAMES.get(user.role, user.role)}）无权打开此页面或"
                                               "执行此操作。如需权限，请联系秘书处管理员。"}, status_code=403)
        if request.method == "POST":
            form = await request.form()
            if not csrf_ok(request, form.get("csrf")):
                log.warning("Console: %s %s refused, CSRF token missing or wrong (user %s)",
                            request.method, request.url.path, user.name)
                return render(request, "error.html", {
                    "title": "请求无效", "message": "页面已过期或请求来源不明，操作未执行。请返回刷新页面后重试。"},
                    status_code=403)
            request.state.form = form
        return await run_in_threadpool(handler, request)

    endpoint.roles = allowed
    return endpoint
