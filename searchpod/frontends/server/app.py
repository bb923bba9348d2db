"""The Starlette application: a read-only JSON API and a server-rendered search page.

Every route only reads the index through the public ``Index`` API: an id in a URL is a key
looked up in the index, never a file path, so it cannot reach anything outside it. Searches
run in Starlette's thread pool; ``Index`` gives each thread its own searcher and picks up
every commit another process makes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searchpod.errors import EpisodeNotFoundError, OptionError, QueryError, SearchpodError
from searchpod.frontends.server import pages
from searchpod.frontends.server.params import moment_arguments, search_arguments
from searchpod.frontends.server.workslots import WorkSlots
from searchpod.index import Index, IndexStats
from searchpod.text.analysis import analyse

STATIC = Path(__file__).parent / "static"
MAX_ID_CHARS = 500
MAX_TARGET_BYTES = 8192  # path plus query string
MAX_SECONDS = 7 * 24 * 3600
READ_ONLY = "only GET and HEAD: this server is read-only"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    # Episode audio lives on the podcast's own server (http or https).
    "media-src 'self' http: https:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def create_app(index: Index | str | os.PathLike[str]) -> ASGIApp:
    """The ASGI app serving ``index`` (an open ``Index`` or its path)."""
    ix = index if isinstance(index, Index) else Index(index)
    facts = CommitCache(ix)

    def api_search(request: Request) -> Response:
        query, kwargs = search_arguments(request.query_params)
        return JSONResponse(ix.search(query, **kwargs).to_dict())

    def api_moments(request: Request) -> Response:
        query, kwargs = moment_arguments(request.query_params)
        return JSONResponse(ix.moments(query, **kwargs).to_dict())

    def api_episode(request: Request) -> Response:
        return JSONResponse(ix.get(_episode_id(request)).to_dict())

    def api_stats(request: Request) -> Response:
        return JSONResponse(facts.stats().to_dict())

    def home(request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items() if v}
        if not params.get("q", "").strip():
            stats = facts.stats()
            line = f"{stats.episodes} episodes, {stats.timed_episodes} with timed transcripts."
            return _html(pages.layout("searchpod", pages.home(line), params))
        try:
            query, kwargs = moment_arguments(params)
            results = ix.moments(query, **kwargs)
        except QueryError as exc:
            body = pages.error_page(str(exc))
            return _html(pages.layout("searchpod: bad query", body, params), 400)
        media = {m.id: facts.media_url(m.id) for m in results.moments}
        body = pages.moments_page(results, media, params)
        return _html(pages.layout(f"{query} — searchpod", body, params))

    def episode_page(request: Request) -> Response:
        at = _seconds(request.query_params.get("t"))
        query = request.query_params.get("q", "")[:1000]
        episode = ix.get(_episode_id(request))
        body = pages.episode_page(episode, at, query, frozenset(analyse(query)))
        title = f"{episode.title or episode.id} — searchpod"
        return _html(pages.layout(title, body, {"q": query} if query else {}))

    routes = [
        Route("/", home),
        Route("/api/search", api_search),
        Route("/api/moments", api_moments),
        Route("/api/episodes/{episode_id:path}", api_episode),
        Route("/api/stats", api_stats),
        Route("/e/{episode_id:path}", episode_page),
        Route("/e", lambda request: RedirectResponse("/")),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: _http_error,
            QueryError: lambda r, e: _error(r, 400, str(e)),
            EpisodeNotFoundError: lambda r, e: _error(r, 404, str(e)),
            SearchpodError: lambda r, e: _error(r, 503, str(e)),
        },
    )
    # Guard outermost: the answers of WorkSlots (503 when busy) carry the headers too.
    return Guard(WorkSlots(app))


def _episode_id(request: Request) -> str:
    episode_id = request.path_params["episode_id"]
    if not episode_id or len(episode_id) > MAX_ID_CHARS:
        raise HTTPException(404, f"no episode with id {episode_id[:40]!r} in the index")
    return str(episode_id)


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_SECONDS:
        raise OptionError("t", value[:40], "must be a number of seconds, like t=755")
    return seconds


class CommitCache:
    """What the pages ask for again and again, kept until the index's next commit.

    An episode's media URL comes with its whole transcript, and is the same for every
    request until something is committed. Each value is kept under the commit read before
    computing it, so a commit landing meanwhile only costs one more computation, never a
    stale answer. (``Index.stats`` keeps its own answer per commit.)
    """

    MAX_EPISODES = 10_000

    def __init__(self, ix: Index) -> None:
        self.ix = ix
        self._media: tuple[tuple[str, int], dict[str, str | None]] = (("", -1), {})

    def stats(self) -> IndexStats:
        return self.ix.stats()

    def media_url(self, episode_id: str) -> str | None:
        commit = self.ix.commit
        seen, urls = self._media
        if seen != commit or len(urls) >= self.MAX_EPISODES:
            urls = {}
            self._media = (commit, urls)
        if episode_id not in urls:
            try:
                urls[episode_id] = self.ix.get(episode_id).media_url
            except EpisodeNotFoundError:
                urls[episode_id] = None  # removed by a commit since the search
        return urls[episode_id]


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: Any) -> Response:
    message = READ_ONLY if exc.status_code == 405 else str(exc.detail)
    return _error(request, exc.status_code, message)


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    body = pages.error_page(message)
    return _html(pages.layout("searchpod: error", body, {}), status)


class Guard:
    """ASGI middleware: read-only, bounded requests, and security headers on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _refuse(scope)
        if problem is not None:
            status, message = problem
            response = JSONResponse(
                {"error": {"status": status, "message": message}},
                status_code=status,
                headers={"allow": "GET, HEAD"} if status == 405 else None,
            )
            await response(scope, receive, _with_headers(send))
            return
        await self.app(scope, receive, _with_headers(send))


def _refuse(scope: Scope) -> tuple[int, str] | None:
    if scope["method"] not in ("GET", "HEAD"):
        return 405, READ_ONLY
    target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
    if target > MAX_TARGET_BYTES:
        return 414, f"request URL longer than {MAX_TARGET_BYTES} bytes"
    headers = dict(scope["headers"])
    length = headers.get(b"content-length", b"0").strip()
    if (length and length != b"0") or b"transfer-encoding" in headers:
        return 413, "requests must not have a body"
    return None


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)

    return sending
