"""A real HTTP server on 127.0.0.1 serving set answers: the far end of 超大附件 download links.

`routes` maps a path (unquoted) to (status, headers, body); every path asked
for is kept in `hits`, so a test can tell what was, and was not, fetched.
"""
from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager


class WebServer(http.server.ThreadingHTTPServer):
    """Serves `routes` (path → (status, headers, body)) and remembers every path asked for."""

    def __init__(self, routes: dict | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes, self.hits = dict(routes or {}), []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + urllib.parse.quote(path)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.hits.append(urllib.parse.unquote(self.path))
        status, headers, body = self.server.routes.get(urllib.parse.unquote(self.path), (404, {}, b""))
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def running_web_server(routes: dict | None = None) -> Iterator[WebServer]:
    """A WebServer answering in a thread of its own, shut down after."""
    srv = WebServer(routes)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
