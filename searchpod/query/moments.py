"""Moments: the best passages across the whole index, not the best episodes' snippets.

Every episode is cut into passages when it is indexed (``searchpod.indexing.passages``: a
speaker's turn, or about 30 seconds of consecutive cues; untimed text every ~450 characters).
A query's moments are found in every episode the search matches (the same query, filters,
relaxation and query language as ``Index.search``), and each passage holding a match is
scored on its own: BM25 over passages (term frequency in the passage, passage length, and
how many passages hold the term), plus how much of the query it holds together
(``ranking.together_weight``). The passage's words come from the body's own postings,
which hold every word's character offset, so a passage is found by where its words are.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from operator import attrgetter
from typing import Any, NamedTuple

from searchpod.engine.reader import Budget, Reader, checkpoint, lucene_idf, shape_of
from searchpod.indexing.documents import Timing
from searchpod.indexing.passages import Passages
from searchpod.model import Moment, MomentResults
from searchpod.options import SearchOptions, Sort
from searchpod.query import ranking
from searchpod.query.relax import RELAX_BELOW
from searchpod.query.search import (
    Resolved,
    _passages,
    _why_empty,
    all_matches,
    resolve,
    said_by,
    within_budget,
)
from searchpod.query.snippets import Match, build_snippets
from searchpod.query.why_empty import has_filters
from searchpod.text.safe import safe_url

# A page holds at most this share of one episode's moments while other episodes have
# moments left: one episode that matches everywhere cannot fill the first page.
MAX_SHARE_OF_PAGE = 0.3
# Words said within this many characters (about one caption line, one breath) count as
# together a second time: a remembered line's words stand closer than a passage's width.
# Measured on the moments benchmark: 40 / 60 / 80 characters gave 0.94 / 0.96 / 0.96
# success@1 on one show, where the passage window alone gave 0.93.
BREATH_CHARS = 80
_START = attrgetter("start")
# BM25's figures for passages (Lucene's defaults).
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class EpisodeMatches:
    """What scoring needs of one matching episode: its passages and the query's matches in
    its body (token positions and character spans, as the postings hold them)."""

    docnum: int
    passages: Passages
    matches: Sequence[Match]


class RankedPassage(NamedTuple):
    """One passage holding a match, scored: ``number`` is its place in its episode.

    A named tuple, not a dataclass: a query of common words makes ~15,000 of them."""

    score: float
    docnum: int
    number: int
    start: int
    end: int
    matches: Sequence[Match]


def rank_passages(
    episodes: Sequence[EpisodeMatches],
    *,
    doc_count: int,
    doc_frequency: Mapping[str, int],
    query_words: int,
    ignore: frozenset[str] = frozenset(),
) -> Ranking:
    """Every passage holding a match (of a word that is not in ``ignore``), best first.

    A passage scores BM25 over passages plus ``ranking.together_weight`` of its matches,
    within ``ranking.NEAR_CHARS`` and again within ``BREATH_CHARS``.
    Passage statistics come from the episodes given: the index holds ``doc_count`` times
    their mean number of passages, and a term is in as many passages as its episode
    frequency (``doc_frequency``) times the mean number of passages holding it in an
    episode that does. Ties go to the earlier episode, then the earlier passage.
    """
    # (episode, passage number, its matches, term -> matches of it), for every passage hit.
    hit: list[tuple[EpisodeMatches, int, list[Match], dict[str, int]]] = []
    passages = chars = 0
    docs_with: dict[str, int] = {}
    passages_with: dict[str, int] = {}
    for ep in episodes:
        starts = ep.passages.starts
        by_passage: dict[int, list[Match]] = {}
        # bisect in C over every match: a common word is said thousands of times.
        numbers = map(bisect_right, repeat(starts), map(_START, ep.matches))
        for number, m in zip(numbers, ep.matches, strict=True):
            found = by_passage.get(number)
            if found is None:
                by_passage[number] = [m]
            else:
                found.append(m)
        passages += max(1, len(starts))
        chars += ep.passages.length
        here: set[str] = set()
        for number, ms in by_passage.items():
            tf: dict[str, int] = {}
            for m in ms:
                tf[m.term] = tf.get(m.term, 0) + 1
            hit.append((ep, max(0, number - 1), ms, tf))
            here.update(tf)
            for term in tf:
                passages_with[term] = passages_with.get(term, 0) + 1
        for term in here:
            docs_with[term] = docs_with.get(term, 0) + 1
    if not episodes:
        return Ranking(0, 0, iter(()))
    total = max(1.0, doc_count * passages / len(episodes))
    average = max(1.0, chars / passages)
    idf: dict[str, float] = {}
    weights: dict[str, float] = {}
    for term, docs in docs_with.items():
        df = max(docs, doc_frequency.get(term, docs)) * passages_with[term] / docs
        idf[term] = lucene_idf(total, df)
        weights[term] = ranking.TOGETHER_FLOOR + idf[term]
    wanted = set(docs_with) - ignore or set(docs_with)  # only fillers asked: they count
    k1_plus_1, flat, sloped = K1 + 1, K1 * (1 - B), K1 * B / average
    # BM25 for every passage, and the most its words said together could add (two windows,
    # each at most the words' weights): only passages whose bound can still reach the next
    # one out have their proximity worked out.
    candidates: list[tuple[float, float, int]] = []
    for i, (ep, number, _, tf) in enumerate(hit):
        if wanted.isdisjoint(tf):
            continue
        start, end = ep.passages.bounds(number) if ep.passages.starts else (0, 0)
        norm = flat + sloped * max(1, end - start)
        bm25 = 0.0
        for t, f in tf.items():
            bm25 += idf[t] * f * k1_plus_1 / (f + norm)
        bound = bm25
        if len(tf) > 1:  # one word alone is never "together"
            most = 2 * sum(weights[t] for t in tf)
            bound = ranking.blended(bm25, most * (1 + 1e-9) + 1e-9)
        candidates.append((bound, bm25, i))
    best = _best_first(hit, candidates, weights, query_words)
    return Ranking(len(candidates), len({hit[i][0].docnum for _, _, i in candidates}), best)


@dataclass(frozen=True)
class Ranking:
    """Every passage holding a match: how many, from how many episodes, and the passages
    best first (scored as they are reached: a page needs the first few)."""

    total: int
    episodes: int
    passages: Iterator[RankedPassage]


def _best_first(
    hit: list[tuple[EpisodeMatches, int, list[Match], dict[str, int]]],
    candidates: list[tuple[float, float, int]],
    weights: dict[str, float],
    query_words: int,
) -> Iterator[RankedPassage]:
    """The candidates in order of score (then episode, then passage), the same order as
    scoring them all and sorting, scoring each only when its bound is reached."""
    candidates.sort(key=lambda c: -c[0])
    heap: list[tuple[float, int, int, int]] = []

    def ranked(entry: tuple[float, int, int, int]) -> RankedPassage:
        negative, docnum, number, i = entry
        ep, _, ms, _ = hit[i]
        start, end = ep.passages.bounds(number) if ep.passages.starts else (0, 0)
        return RankedPassage(-negative, docnum, number, start, end, ms)

    for bound, bm25, i in candidates:
        while heap and -heap[0][0] > bound:  # nothing unscored can reach it
            yield ranked(heapq.heappop(heap))
        ep, number, ms, tf = hit[i]
        together = 0.0
        if len(tf) > 1:
            together = ranking.together_weight(ms, weights, query_words)
            together += ranking.together_weight(ms, weights, query_words, width=BREATH_CHARS)
        heapq.heappush(heap, (-ranking.blended(bm25, together), ep.docnum, number, i))
    while heap:
        yield ranked(heapq.heappop(heap))


def find_moments(searcher: Reader, text: str, options: SearchOptions) -> MomentResults:
    """Rank moments for ``text`` with ``options`` (``Index.search``'s filters, ``sort``,
    ``limit`` and ``page``). Raises QueryError like ``Index.search``, within the same budget
    of work.

    By relevance moments are ranked by ``rank_passages``; with a date sort they follow their
    episodes' order (best passage first within an episode).
    """
    return within_budget(text, lambda budget: _find_moments(searcher, text, options, budget))


def _find_moments(
    searcher: Reader, text: str, options: SearchOptions, budget: Budget
) -> MomentResults:
    # Which episodes match is decided as for a first page of ten: the same for every page
    # and limit, so totals and pages agree.
    probe = replace(options, limit=RELAX_BELOW, page=1, facets=False, sort=Sort.RELEVANCE)
    found = resolve(searcher, text, probe, budget, rank=False)
    episodes = _episode_matches(searcher, found)
    frequency = {
        t: searcher.doc_frequency("body", t) for t in {m.term for e in episodes for m in e.matches}
    }
    shape = shape_of(found.query)
    ranking_ = rank_passages(
        episodes,
        doc_count=searcher.doc_count(),
        doc_frequency=frequency,
        query_words=len(shape.loose.union(*shape.phrases)),
        ignore=found.fillers,
    )
    ranked: Iterable[RankedPassage] = ranking_.passages
    if options.sort is not Sort.RELEVANCE:
        ranked = _by_date(searcher, list(ranked), newest=options.sort is Sort.NEWEST)
    by_score = options.sort is Sort.RELEVANCE
    ordered = spread_over_pages(ranked, options.limit, pages=options.page, by_score=by_score)
    at = (options.page - 1) * options.limit
    page = ordered[at : at + options.limit]
    warnings = found.warnings
    if not ranking_.total and has_filters(options):
        warnings = _why_empty(searcher, found.query, options, warnings)
    return MomentResults(
        query=text,
        total=ranking_.total,
        moments=tuple(_moments(searcher, page, found.fillers)),
        page=options.page,
        limit=options.limit,
        episodes=ranking_.episodes,
        suggestion=found.suggestion,
        warnings=tuple(dict.fromkeys(warnings)),
        fuzzy=found.fuzzy,
        relaxed=found.relaxed,
    )


def _episode_matches(searcher: Reader, found: Resolved) -> list[EpisodeMatches]:
    """Every episode the query matches, with its passages and the query's matches in them
    (only in passages by the speaker asked for, if one was)."""
    table = searcher.passage_tables()
    out = []
    for docnum, matches in sorted(all_matches(searcher, found.query, found.filters).items()):
        passages = _passages(table, docnum, matches)
        said = said_by(passages, matches, found.speakers)
        if said:  # else matched on its title or summary only, or said by someone else
            out.append(EpisodeMatches(docnum, passages, said))
    return out


def _by_date(searcher: Reader, ranked: list[RankedPassage], *, newest: bool) -> list[RankedPassage]:
    day_of = searcher.days()

    def key(p: RankedPassage) -> tuple[bool, int]:
        day = day_of(p.docnum)
        return (day == 0, -day if newest else day)  # undated last either way

    return sorted(ranked, key=key)  # stable: best passage first within an episode


def spread_over_pages(
    moments: Iterable[Any], limit: int, *, pages: int | None = None, by_score: bool = True
) -> list[Any]:
    """``moments`` in order, but no page of ``limit`` holds more than ``MAX_SHARE_OF_PAGE``
    of one episode's moments while other episodes' moments are left to fill it; a page's
    moments are in order (``by_score``: their scores never rise down a page). Only the
    first ``pages`` pages when given (a page depends only on the ones before it), taking
    no more of ``moments`` than they need."""
    cap = max(1, math.ceil(limit * MAX_SHARE_OF_PAGE))
    source = iter(moments)
    queue: list[Any] = []  # held back by the cap on earlier pages, in order
    out: list[Any] = []
    while pages is None or len(out) < pages * limit:
        page: list[Any] = []
        skipped: list[Any] = []
        per_episode: dict[Any, int] = {}
        taken = 0
        while len(page) < limit:
            if taken < len(queue):
                moment = queue[taken]
                taken += 1
            else:
                moment = next(source, None)
                if moment is None:
                    break
            key = _episode_of(moment)
            if per_episode.get(key, 0) < cap:
                per_episode[key] = per_episode.get(key, 0) + 1
                page.append(moment)
            else:
                skipped.append(moment)
        rest = queue[taken:]
        # Nothing else to show: the page is filled with what the cap held back, in order.
        while len(page) < limit and skipped:
            page.append(skipped.pop(0))
        if not page:
            break
        if by_score:
            page.sort(key=lambda m: -m.score)  # stable: ties keep the ranking's order
        out.extend(page)
        queue = skipped + rest
    return out


def _episode_of(moment: Any) -> Any:
    return moment.docnum if isinstance(moment, RankedPassage) else moment.id


def _moments(
    searcher: Reader, page: Sequence[RankedPassage], ignore: frozenset[str]
) -> list[Moment]:
    """The page's passages as moments: the passage's best snippet, with its time and link."""
    body_of = searcher.bodies()
    out = []
    for passage in page:
        checkpoint()
        fields = searcher.stored(passage.docnum)
        body = body_of(passage.docnum)
        timing = Timing(fields["timing"]) if fields.get("timing") else None
        link_base = safe_url(fields.get("media_url")) or safe_url(fields.get("url"))
        # Filler words score, but are not what was looked for: no highlights.
        shown = [m for m in passage.matches if m.term not in ignore] or list(passage.matches)
        snippets = build_snippets(body, shown, timing=timing, link_base=link_base, count=1)
        published = fields.get("published")
        snippet = snippets[0]
        out.append(
            Moment(
                id=fields["id"],
                title=fields.get("title", ""),
                text=snippet.text,
                score=passage.score,
                show=fields.get("show") or None,
                episode=fields.get("episode"),
                published=published.date() if published else None,
                start=snippet.start,
                end=snippet.end,
                speaker=snippet.speaker,
                highlights=snippet.highlights,
                link=safe_url(snippet.link),
            )
        )
    return out
