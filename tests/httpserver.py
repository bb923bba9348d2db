"""A tiny HTTP server on 127.0.0.1 for tests: routes in a dict, requests recorded.

    with LocalServer({"/feed.xml": Route(body=b"<rss/>", etag='"v1"')}) as server:
        fetcher.get(server.url("/feed.xml"))
        server.requests[-1].headers.get("If-None-Match")

Routes may be changed between requests (``server.routes[path] = Route(...)``). Unknown paths
answer 404. Never touches the internet: it binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import pytest

_PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)


def clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make urllib talk to 127.0.0.1 directly even where *_proxy variables are set."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@dataclass
class Route:
    """What one path answers.

    ``redirect`` sends a 302 (or ``status`` if it is a 3xx) to that location. ``etag`` /
    ``last_modified`` are sent and honoured: a matching ``If-None-Match`` or
    ``If-Modified-Since`` gets a 304. ``delay`` sleeps before the status line;
    ``body_delay`` sends half the body, then sleeps. ``gzip`` compresses the body when the
    client accepts it. ``send_length=False`` omits Content-Length and ends the body by
    closing the connection; ``repeat`` sends the body that many times (a long stream);
    ``trickle`` sends the body one byte at a time, that many seconds apart.
    """

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/plain; charset=utf-8"
    redirect: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    body_delay: float = 0.0
    gzip: bool = False
    send_length: bool = True
    repeat: int = 1
    trickle: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received: its path and headers (look-ups ignore case)."""

    path: str
    headers: Message


class LocalServer:
    """A threaded HTTP server serving ``routes``; use as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.app = self  # type: ignore[attr-defined]
        # A short poll interval: shutdown() waits up to one interval, in every test's teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Wake any handler still sleeping in a delay, so nothing outlives the test.
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server_version = "searchpod-test/1"

    def do_GET(self) -> None:
        app: LocalServer = self.server.app  # type: ignore[attr-defined]
        app._record(RecordedRequest(self.path, self.headers))
        route = app.routes.get(self.path)
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay and app._stopping.wait(route.delay):
            return
        if route.redirect is not None:
            status = route.status if 300 <= route.status < 400 else 302
            self._send(status, {"Location": route.redirect, **route.headers}, b"")
            return

        headers = dict(route.headers)
        if route.content_type:
            headers["Content-Type"] = route.content_type
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if self._not_modified(route):
            self._send(304, headers, b"")
            return

        body = route.body * route.repeat
        if route.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        if route.send_length:
            headers["Content-Length"] = str(len(body))
        self.send_response(route.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if route.body_delay:
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            if app._stopping.wait(route.body_delay):
                return
            body = body[half:]
        if route.trickle:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                if app._stopping.wait(route.trickle):
                    return
            return
        self.wfile.write(body)

    def _not_modified(self, route: Route) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if route.etag and if_none_match:
            return if_none_match.strip() in ("*", route.etag)
        if_modified_since = self.headers.get("If-Modified-Since")
        # Exact comparison is enough here: clients echo the server's own Last-Modified.
        return bool(route.last_modified and if_modified_since == route.last_modified)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def handle_one_request(self) -> None:
        # A client that gave up (timeout, body too large) closes its end; writing to it then
        # fails, which is the expected end of those tests, not a server error.
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
