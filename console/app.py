"""The console as a Starlette application, and `serve` for `intake web`.

Pages are jinja2 templates with autoescaping on, so sender text is always
shown as text; assets come from console/static (no CDN: it works offline).
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from intake.base.config import ConfigError, Settings
from intake.run.pipeline import Pipeline
from intake.base.times import cn_date, cn_datetime, cn_deadline
from intake.base.times import aware

from console import actions, files, views
from console.auth import Throttle, csrf_token
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


def create_app(settings: Settings, *, secret: str, session_seconds: int | None = None,
               pipeline: Pipeline | None = None) -> Starlette:
    """The console over the configured store; `secret` signs the session cookies."""
    if not secret:
        raise ConfigError(f"{settings.path}: [web] secret_env names ${settings.web.secret_env}, which is not set")
    seconds = session_seconds or max(1, round(settings.web.session_minutes * 60))
    env = _environment(settings)

    def render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
        page = env.get_template(name).render(request=request, user=getattr(request.state, "user", None),
                                             csrf=csrf_token(request), now=datetime.now(settings.competition.timezone),
                                             flash=request.session.pop("flash", None), **{"nav": "", **context})
        return HTMLResponse(page, status_code=status_code)

    routes = [
        Route("/login", views.login_page, methods=["GET"]),
        Route("/login", views.login, methods=["POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/", views.dashboard),
        Route("/registrations", views.registrations),
        Route("/registrations/{number}", views.registration),
        Route("/review", views.review),
        Route("/inquiries", views.inquiries),
        Route("/replies", views.replies),
        Route("/decisions", views.decision_log),
        Route("/messages/{message_id:int}", views.message_page),
        Route("/registrations/{number}/accept", actions.accept, methods=["POST"]),
        Route("/registrations/{number}/notice", actions.notice, methods=["POST"]),
        Route("/findings/{finding_id:int}/settle", actions.settle, methods=["POST"]),
        Route("/replies/{outbox_id:int}/resend", actions.resend, methods=["POST"]),
        Route("/messages/{message_id:int}/rerun", actions.rerun, methods=["POST"]),
        Route("/messages/{message_id:int}/answered", actions.answered, methods=["POST"]),
        Route("/documents/{document_id:int}/download", files.download),
        Route("/documents/{document_id:int}/image", files.image),
        Route("/documents/{document_id:int}/page/{index:int}", files.pdf_page),
        Route("/documents/{document_id:int}/media/{index:int}", files.media),
        Route("/documents/{document_id:int}/seal", files.seal),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=seconds,
                   same_site="lax", https_only=settings.web.https_only),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.settings = settings
    app.state.pipeline = pipeline or Pipeline.open(settings)
    app.state.store = app.state.pipeline.store
    app.state.render = render
    app.state.throttle = Throttle()
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Run the console until stopped (Ctrl-C or SIGTERM)."""
    import uvicorn

    app = create_app(settings, secret=settings.secret(settings.web.secret_env))
    host, port = host or settings.web.host, port or settings.web.port
    log.info("Console on http://%s:%d/ (store %s)", host, port, settings.store.url.split("@")[-1])
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False)
