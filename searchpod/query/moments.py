"""Moments: the best passages across all episodes, not the best episodes.

A moment is one snippet — about ``SNIPPET_CHARS`` of text around matches said together, within
one stretch of time — with the episode it comes from. Moments are drawn from the snippets of
the best-ranked episodes (the same query, filters and query language as ``Index.search``), so
ranking, highlighting and timing are the search's own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from searchpod.model import Hit, Snippet
from searchpod.options import SearchOptions, Sort, parse_sort
from searchpod.text.analysis import stem
from searchpod.text.safe import safe_url

if TYPE_CHECKING:
    from searchpod.index import Index

# Moments come from this many of the best episodes, or five per moment a page holds: the
# same pool on every page of one query, so pages never repeat or skip a moment.
CANDIDATE_EPISODES = 20
EPISODES_PER_MOMENT = 5
# An episode's second moment counts half, its third a quarter; and a page holds at most
# this share of one episode's moments while other episodes have moments left: one episode
# that matches everywhere cannot fill the first page.
REPEAT_DECAY = 0.5
MAX_SHARE_OF_PAGE = 0.3
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Moment:
    """One passage of one episode: what was said, when, by whom, with matches marked.

    ``highlights`` are ``(start, end)`` offsets into ``text``; ``start``/``end`` are seconds
    into the episode (None for untimed text); ``link`` jumps there in the episode's media or
    page. ``score`` orders moments within one result set only.

    >>> from searchpod import Moment
    >>> moment = Moment("show/ep-7.vtt", "Ep 7", "the lamp was lit", score=3.2, start=754.0)
    >>> f"{moment.title} at {moment.start:.0f} s"
    'Ep 7 at 754 s'
    """

    id: str
    title: str
    text: str
    score: float
    show: str | None = None
    episode: int | None = None
    published: dt.date | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    highlights: tuple[tuple[int, int], ...] = ()
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "show": self.show,
            "episode": self.episode,
            "published": self.published.isoformat() if self.published else None,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "highlights": [list(h) for h in self.highlights],
            "link": self.link,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class MomentResults:
    """A page of moments. ``total`` counts the moments found in the candidate episodes.

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> found = ix.moments("lighthouse")  # pages have no timed passages: no moments
    >>> found.total, found.moments
    (0, ())
    """

    query: str
    total: int
    moments: tuple[Moment, ...]
    page: int = 1
    limit: int = 10
    episodes: int = 0
    suggestion: str | None = None
    warnings: tuple[str, ...] = ()
    fuzzy: bool = False
    relaxed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "episodes": self.episodes,
            "fuzzy": self.fuzzy,
            "relaxed": self.relaxed,
            "page": self.page,
            "limit": self.limit,
            "suggestion": self.suggestion,
            "warnings": list(self.warnings),
            "moments": [m.to_dict() for m in self.moments],
        }


def find_moments(
    index: Index, query: str, *, limit: int = 10, page: int = 1, **options: Any
) -> MomentResults:
    """Rank moments for ``query``; ``options`` are ``Index.search``'s filters and ``sort``.

    With ``sort=Sort.RELEVANCE`` (or "relevance") a moment scores its episode's score (relative to the best
    episode) times how many different query words it holds (relative to the best moment),
    decayed by ``REPEAT_DECAY`` for each better moment of the same episode. With a date sort,
    moments follow their episodes' order. Raises QueryError like ``Index.search``.
    """
    checked = SearchOptions.parse(limit=limit, page=page)  # OptionError, as search raises
    limit, page = checked.limit, checked.page
    depth = min(MAX_LIMIT, max(CANDIDATE_EPISODES, EPISODES_PER_MOMENT * limit))
    results = index.search(query, limit=depth, page=1, **options)
    # Checked by the search above: a Sort, or its name.
    by_relevance = parse_sort(options.get("sort", Sort.RELEVANCE)) is Sort.RELEVANCE
    ranked = rank_moments(results.hits, by_relevance=by_relevance)
    ranked = spread_over_pages(ranked, limit)
    start = (page - 1) * limit
    return MomentResults(
        query=query,
        total=len(ranked),
        moments=tuple(ranked[start : start + limit]),
        page=page,
        limit=limit,
        episodes=results.total,
        suggestion=results.suggestion,
        warnings=results.warnings,
        fuzzy=results.fuzzy,
        relaxed=results.relaxed,
    )


def rank_moments(hits: tuple[Hit, ...], *, by_relevance: bool = True) -> list[Moment]:
    """Every snippet of ``hits`` as a moment, best first (or in the hits' order)."""
    if not hits:
        return []
    best_hit = max(h.score for h in hits) or 1.0
    best_words = max((_words(s) for h in hits for s in h.snippets), default=1) or 1
    scored: list[tuple[float, int, int, Moment]] = []
    for rank, hit in enumerate(hits):
        for k, snippet in enumerate(hit.snippets):
            coverage = _words(snippet) / best_words
            score = (hit.score / best_hit) * (0.5 + 0.5 * coverage) * REPEAT_DECAY**k
            scored.append((score, rank, k, _moment(hit, snippet, score)))
    if by_relevance:
        scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return [m for *_, m in scored]


def spread_over_pages(moments: list[Moment], limit: int) -> list[Moment]:
    """``moments`` in order, but no page of ``limit`` holds more than ``MAX_SHARE_OF_PAGE``
    of one episode's moments while other episodes' moments are left to fill it."""
    cap = max(1, math.ceil(limit * MAX_SHARE_OF_PAGE))
    left = list(moments)
    out: list[Moment] = []
    while left:
        page: list[Moment] = []
        deferred: list[Moment] = []
        per_episode: dict[str, int] = {}
        for moment in left:
            if len(page) == limit:
                deferred.append(moment)
            elif per_episode.get(moment.id, 0) < cap:
                per_episode[moment.id] = per_episode.get(moment.id, 0) + 1
                page.append(moment)
            else:
                deferred.append(moment)
        # Nothing else to show: the page is filled with what the cap held back, in order.
        while len(page) < limit and deferred:
            page.append(deferred.pop(0))
        out.extend(page)
        left = deferred
    return out


def _words(snippet: Snippet) -> int:
    """How many different query terms the snippet's matches are (keeper and keepers: one)."""
    return len({stem(snippet.text[s:e]) for s, e in snippet.highlights})


def _moment(hit: Hit, snippet: Snippet, score: float) -> Moment:
    return Moment(
        id=hit.id,
        title=hit.title,
        text=snippet.text,
        score=score,
        show=hit.show,
        episode=hit.episode,
        published=hit.published,
        start=snippet.start,
        end=snippet.end,
        speaker=snippet.speaker,
        highlights=snippet.highlights,
        link=safe_url(snippet.link),
    )
