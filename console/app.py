"""The console as a Starlette application, and `serve` for `intake web`.

Pages are jinja2 templates with autoescaping on, so sender text is always
shown as text; assets come from console/static (no CDN: it works offline).
"""
from __future__ import annotations

import ipaddress
import logging
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from intake.base.config import ConfigError, Settings
from intake.run.pipeline import Pipeline
from intake.base.times import aware, cn_date, cn_datetime, cn_deadline

from console import actions, copies, files, scores, views
from console.auth import Lockout, csrf_token
from console.wording import error_text, label

log = logging.getLogger("intake.console")
HERE = Path(__file__).parent
SESSION_COOKIE = "qc_console"
# No script, style or picture from anywhere but here; no framing (clickjacking).
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                names = {name for name, _ in event.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS
                         if n not in names and not (n == b"cache-control" and scope["path"].startswith("/static/"))]
                event = {**event, "headers": list(event.get("headers", [])) + extra}
            await send(event)

        await self.app(scope, receive, send_with_headers)


def _environment(settings: Settings) -> Environment:
    tz = settings.competition.timezone
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), undefined=StrictUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(label=label, error_text=error_text, competition=settings.competition)
    env.filters["when"] = lambda moment: cn_datetime(aware(moment), tz) if moment else ""
    env.filters["day"] = lambda moment: cn_date(aware(moment), tz) if moment else ""
    env.filters["deadline"] = lambda moment: cn_deadline(moment, tz)
    return env


MIN_SECRET_BYTES = 32
MAKE_SECRET = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
# The pages in the navigation: (key, path, words, route name); each shown to the roles its handler admits.
NAV = (("dashboard", "/", "总览", "dashboard"), ("registrations", "/registrations", "报名登记", "registrations"),
       ("review", "/review", "待处理", "review"), ("inquiries", "/inquiries", "咨询", "inquiries"),
       ("replies", "/replies", "发送失败", "replies"), ("decisions", "/decisions", "决定记录", "decision_log"))


class RowId(Convertor):
    """A row id in a URL: digits, at most 18 (a longer one matches no route: 404, never an
    overflow in int() or in the database)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("rowid", RowId())


def check_secret(settings: Settings, secret: str) -> None:
    """The session key must be there and long enough to resist guessing."""
    variable = f"${settings.web.secret_env}"
    if not secret:
        raise ConfigError(f"{settings.path}: [web] secret_env names {variable}, which is not set; "
                          f"make a key with {MAKE_SECRET}")
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigError(f"{settings.path}: the session key in {variable} is {len(secret.encode('utf-8'))} bytes, "
                          f"fewer than {MIN_SECRET_BYTES}; make a long random one with {MAKE_SECRET}")


def create_app(settings: Settings, *, secret: str, session_seconds: int | None = None,
               pipeline: Pipeline | None = None) -> Starlette:
    """The console over the configured store; `secret` signs the session cookies.
    `session_seconds` overrides the idle time of `[web] session_minutes` (tests)."""
    check_secret(settings, secret)
    idle = session_seconds or max(1, round(settings.web.session_minutes * 60))
    longest = max(1, round(settings.web.session_max_hours * 3600))
    env = _environment(settings)

    def render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
        account = getattr(request.state, "account", None)

        def allowed(route: str) -> bool:
            return account is not None and account.role in roles_of[route]

        page = env.get_template(name).render(
            request=request, user=getattr(request.state, "user", None), csrf=csrf_token(request),
            now=datetime.now(settings.competition.timezone), flash=request.session.pop("flash", None),
            allowed=allowed, menu=[item for item in NAV if allowed(item[3])], **{"nav": "", **context})
        return HTMLResponse(page, status_code=status_code)

    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        return render(request, "error.html", {"title": "未找到", "message": "没有这个页面。"}, status_code=404)

    routes = [
        Route("/login", views.login_page, methods=["GET"]),
        Route("/login", views.login, methods=["POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/password", views.password_page, methods=["GET"]),
        Route("/password", views.change_password, methods=["POST"]),
        Route("/", views.dashboard),
        Route("/registrations", views.registrations),
        Route("/registrations/{number}", views.registration),
        Route("/review", views.review),
        Route("/inquiries", views.inquiries),
        Route("/replies", views.replies),
        Route("/decisions", views.decision_log),
        Route("/messages/{message_id:rowid}", views.message_page),
        Route("/registrations/{number}/accept", actions.accept, methods=["POST"]),
        Route("/registrations/{number}/notice", actions.notice, methods=["POST"]),
        Route("/registrations/{number}/score", scores.score, methods=["POST"]),
        Route("/findings/{finding_id:rowid}/settle", actions.settle, methods=["POST"]),
        Route("/findings/{finding_id:rowid}/copy", copies.copy_page),
        Route("/replies/{outbox_id:rowid}/resend", actions.resend, methods=["POST"]),
        Route("/messages/{message_id:rowid}/rerun", actions.rerun, methods=["POST"]),
        Route("/messages/{message_id:rowid}/answered", actions.answered, methods=["POST"]),
        Route("/documents/{document_id:rowid}/download", files.download),
        Route("/documents/{document_id:rowid}/image", files.image),
        Route("/documents/{document_id:rowid}/page/{index:rowid}", files.pdf_page),
        Route("/documents/{document_id:rowid}/media/{index:rowid}", files.media),
        Route("/documents/{document_id:rowid}/seal", files.seal),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    roles_of = {route.name: getattr(route.endpoint, "roles", frozenset()) for route in routes
                if isinstance(route, Route)}
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.web.trusted_hosts), www_redirect=False),
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=min(idle, longest),
                   same_site="lax", https_only=settings.web.https_only),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    app.state.settings = settings
    app.state.pipeline = pipeline or Pipeline.open(settings)
    app.state.store = app.state.pipeline.store
    app.state.render = render
    app.state.lockout = Lockout()
    app.state.idle_seconds, app.state.max_session_seconds = idle, longest
    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, host: str) -> None:
    """Refuse to listen beyond this machine without TLS in front, unless the administrator says so."""
    web = settings.web
    if not is_loopback(host) and not web.https_only and not web.allow_plain_http:
        raise ConfigError(
            f"{settings.path}: the console would listen on {host} in plain HTTP, where passwords and session "
            "cookies can be read on the network; put a reverse proxy with HTTPS in front and set [web] "
            "https_only = true (and trusted_hosts to its name), or keep host = \"127.0.0.1\"; "
            "[web] allow_plain_http = true overrides this")


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Run the console until stopped (Ctrl-C or SIGTERM)."""
    import uvicorn

    host, port = host or settings.web.host, port or settings.web.port
    secret = settings.secret(settings.web.secret_env)
    check_secret(settings, secret)
    check_exposure(settings, host)
    app = create_app(settings, secret=secret)
    log.info("Console on http://%s:%d/ (store %s)", host, port, settings.store.url.split("@")[-1])
    proxies = list(settings.web.proxy_addresses)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or None)
