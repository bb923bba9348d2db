"""The Starlette application: a read-only JSON API and a server-rendered search page.

Every route only reads the index through the public ``Index`` API: an id in a URL is a key
looked up in the index, never a file path, so it cannot reach anything outside it. Searches
run in Starlette's thread pool; ``Index`` gives each thread its own searcher and picks up
every commit another process makes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searchpod.errors import EpisodeNotFoundError, OptionError, QueryError, SearchpodError
from searchpod.frontends.server import pages
from searchpod.frontends.server.params import search_arguments
from searchpod.frontends.server.workslots import WorkSlots
from searchpod.index import Index
from searchpod.model import IndexStats
from searchpod.options import REQUEST_MAX_PAGE
from searchpod.query.catalogue import Catalogue
from searchpod.text.analysis import analyse

STATIC = Path(__file__).parent / "static"
MAX_ID_CHARS = 500
MAX_TARGET_BYTES = 8192  # path plus query string
MAX_SECONDS = 7 * 24 * 3600
EPISODES_PER_PAGE = 50
FAVICON = STATIC / "favicon.svg"
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
        query, options = search_arguments(request.query_params)
        return JSONResponse(ix.search(query, options).to_dict())

    def api_moments(request: Request) -> Response:
        query, options = search_arguments(request.query_params)
        return JSONResponse(ix.moments(query, options).to_dict())

    def api_episode(request: Request) -> Response:
        return JSONResponse(ix.get(_episode_id(request)).to_dict())

    def api_stats(request: Request) -> Response:
        return JSONResponse(facts.stats().to_dict())

    def home(request: Request) -> Response:
        given = dict(request.query_params)
        params = _clean(given)
        if params != given:
            # Empty boxes of a form sent without the script: the same page at a clean URL.
            return RedirectResponse("/" + pages.clean_query(params), status_code=303)
        if not params.get("q", "").strip():
            stats, catalogue = facts.stats(), facts.catalogue()
            body = pages.home(
                stats.episodes, catalogue.shows, catalogue.seconds, catalogue.words,
                stats.timed_episodes,
            )  # fmt: skip
            return _html(pages.layout("searchpod", body, params))
        try:
            query, options = search_arguments(params)
            results = ix.moments(query, options)
        except QueryError as exc:
            body = pages.error_page(str(exc))
            return _html(pages.layout("searchpod: bad query", body, params), 400)
        episodes = {m.id: facts.episode(m.id) for m in results.moments}
        body = pages.moments_page(results, episodes, params)
        return _html(pages.layout(f"{query} — searchpod", body, params))

    def episodes_page(request: Request) -> Response:
        given = dict(request.query_params)
        params = {
            k: v for k, v in _clean(given).items() if k in ("show", "episode", "sort", "page")
        }
        if params.get("sort") == "newest":
            params.pop("sort")
        if params != given:
            return RedirectResponse("/episodes" + pages.clean_query(params), status_code=303)
        page = _page(params.get("page"))
        catalogue = facts.catalogue()
        rows = catalogue.select(
            show=params.get("show"),
            episodes=params.get("episode"),
            oldest=params.get("sort") == "oldest",
        )
        start = (page - 1) * EPISODES_PER_PAGE
        body = pages.episodes_page(
            rows[start : start + EPISODES_PER_PAGE], catalogue.shows, params,
            page=page, limit=EPISODES_PER_PAGE, total=len(rows),
        )  # fmt: skip
        return _html(pages.layout("Episodes — searchpod", body, {}))

    def episode_page(request: Request) -> Response:
        at = _seconds(request.query_params.get("t"))
        query = request.query_params.get("q", "")[:1000]
        episode = ix.get(_episode_id(request))
        body = pages.episode_page(episode, at, query, frozenset(analyse(query)))
        title = f"{episode.title or episode.id} — searchpod"
        player = pages.episode_player(episode, at)
        return _html(pages.layout(title, body, {}, player))

    def favicon(request: Request) -> Response:
        return Response(
            FAVICON.read_bytes(),
            media_type="image/svg+xml",
            headers={"cache-control": "public, max-age=86400"},
        )

    routes = [
        Route("/", home),
        Route("/api/search", api_search),
        Route("/api/moments", api_moments),
        Route("/api/episodes/{episode_id:path}", api_episode),
        Route("/api/stats", api_stats),
        Route("/e/{episode_id:path}", episode_page),
        Route("/e", lambda request: RedirectResponse("/")),
        Route("/episodes", episodes_page),
        Route("/favicon.ico", favicon),
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
    # Transcript pages are large and repetitive HTML: gzip makes them ~5x smaller.
    return Guard(WorkSlots(GZipMiddleware(app, minimum_size=1024, compresslevel=6)))


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


def _clean(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` without empty values and defaults (relevance order, the first page)."""
    return {
        k: v
        for k, v in params.items()
        if v.strip() and not (k == "sort" and v == "relevance") and not (k == "page" and v == "1")
    }


def _page(value: str | None) -> int:
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= REQUEST_MAX_PAGE:
        raise OptionError(
            "page", value[:40], f"must be a whole number from 1 to {REQUEST_MAX_PAGE}"
        )
    return int(value)


class CommitCache:
    """What the pages ask for again and again, kept until the index's next commit.

    An episode's media URL and line starts (which name a share link's line) come with its
    whole transcript, and are the same for every request until something is committed. Each
    value is kept under the commit read before computing it, so a commit landing meanwhile
    only costs one more computation, never a stale answer. (``Index.stats`` and
    ``Index.catalogue`` keep their own answers per commit.)
    """

    MAX_EPISODES = 200  # a results page holds at most 100 episodes

    def __init__(self, ix: Index) -> None:
        self.ix = ix
        self._episodes: tuple[tuple[str, int], dict[str, pages.EpisodeFacts]] = (("", -1), {})

    def stats(self) -> IndexStats:
        return self.ix.stats()

    def catalogue(self) -> Catalogue:
        return self.ix.catalogue()

    def episode(self, episode_id: str) -> pages.EpisodeFacts:
        """An episode's media URL and line starts (for a share link's ``#c`` fragment)."""
        commit = self.ix.commit
        seen, known = self._episodes
        if seen != commit or len(known) >= self.MAX_EPISODES:
            known = {}
            self._episodes = (commit, known)
        if episode_id not in known:
            try:
                episode = self.ix.get(episode_id)
                known[episode_id] = pages.EpisodeFacts(
                    episode.media_url, tuple(c.start for c in episode.cues)
                )
            except EpisodeNotFoundError:  # removed by a commit since the search
                known[episode_id] = pages.EpisodeFacts(None, ())
        return known[episode_id]


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
