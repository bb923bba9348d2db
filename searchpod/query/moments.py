"""Moments: the best passages across the whole index, not the best episodes' snippets.

Every episode is cut into passages when it is indexed (``searchpod.indexing.passages``: a
speaker's turn, or about 30 seconds of consecutive cues; untimed text every ~450 characters).
A query's moments are found in every episode the search matches (the same query, filters,
relaxation and query language as ``Index.search``), and each passage holding a match is
scored on its own: BM25 over passages (term frequency in the passage, passage length, and
how many passages hold the term), plus how much of the query it holds together
(``ranking.together_weight``). The passage's words come from the body's own postings,
which hold every word's character offset, so a passage is found by where its words are.

Only what can reach the page is read and scored (``rank_passages``): episodes best bound
first (their words' counts are known from the search's own postings), passages grouped by how
many query terms they hold, proximity only for passages whose bound can still reach the next
moment out; a moment is given out only when nothing unread can beat or tie it.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import Counter

try:  # Counter's own counting loop, in C: without a Counter's setup per call (~2 µs), which
    # a moments query of common words pays ~10,000 times
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # another Python: Counter.update's pure-Python loop does the same
    _count_elements = None
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, compress, count, repeat
from operator import attrgetter, sub
from typing import Any, NamedTuple, Protocol, TypeVar

from searchpod.engine.reader import (
    Budget,
    Postings,
    Reader,
    Shape,
    Span,
    Term,
    body_field,
    checkpoint,
    lucene_idf,
    shape_of,
    term_text,
)
from searchpod.indexing.documents import Timing
from searchpod.indexing.passages import Passages, decode_passages
from searchpod.model import Moment, MomentResults
from searchpod.options import SearchOptions, Sort
from searchpod.query import ranking
from searchpod.query.passage_scan import PassageCounts, count_passages, passage_index
from searchpod.query.relax import RELAX_BELOW
from searchpod.query.search import (
    Resolved,
    _body_chars,
    _passages,
    _why_empty,
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
# The query's words said at most this many times in the matching episodes: every one is
# mapped to its passage and the moments counted exactly. Past it, only the episodes whose
# best passage can still reach the page are read, and the total is an estimate.
EXACT_OCCURRENCES = 10_000
# Passage statistics come from at most this many of the episodes holding a word, evenly
# spread (all of them when fewer): the same whichever episodes a page needs read.
STAT_EPISODES = 32
T = TypeVar("T")


class RankedPassage(NamedTuple):
    """One passage holding a match, scored: ``number`` is its place in its episode."""

    score: float
    docnum: int
    number: int
    start: int
    end: int
    matches: Sequence[Match]


class Words(Protocol):
    """Where an episode's matches are read from: the search's postings, or matches read
    already (``EpisodeWords``)."""

    def starts(self, docnum: int, term: str) -> list[int]: ...
    def spans(self, docnum: int, term: str) -> list[Span]: ...
    def passages(self, docnum: int) -> Passages: ...


class EpisodeWords:
    """One matching episode: how often each of the query's terms is said in it (known at
    once), and where (read from ``words`` only when the episode is bounded or scored; the
    counts per passage are kept, the offsets only for the passages scored)."""

    __slots__ = ("_numbers", "_passages", "_starts", "_words", "counts", "docnum")

    def __init__(self, docnum: int, counts: dict[str, int], words: Words) -> None:
        self.docnum = docnum
        self.counts = counts
        self._words = words
        self._passages: Passages | None = None
        # Made on first use: a query of common words holds thousands of episodes.
        self._starts: dict[str, list[int]] | None = None
        self._numbers: dict[str, dict[int, int]] | None = None

    @classmethod
    def of_matches(cls, docnum: int, passages: Passages, matches: Iterable[Match]) -> EpisodeWords:
        """An episode whose matches are already read (phrases, speakers)."""
        read = _ReadWords(passages, matches)
        return cls(docnum, {t: len(ms) for t, ms in read.by_term.items()}, read)

    @property
    def passages(self) -> Passages:
        if self._passages is None:
            self._passages = self._words.passages(self.docnum)
        return self._passages

    def starts(self, term: str) -> list[int]:
        if self._starts is None:
            self._starts = {}
        found = self._starts.get(term)
        if found is None:
            found = self._starts[term] = self._words.starts(self.docnum, term)
        return found

    def numbers(self, term: str) -> dict[int, int]:
        """How many times ``term`` is said in each passage holding it, by ``bisect_right``
        of its start in the passage starts (so 1 is passage 0)."""
        if self._numbers is None:
            self._numbers = {}
        found = self._numbers.get(term)
        if found is None:
            # The offsets are not kept: most episodes are only bounded, never scored, and
            # a common word's offsets are thousands of numbers (matches reads them again).
            at = self._starts.get(term) if self._starts else None
            if at is None:
                at = self._words.starts(self.docnum, term)
            found = self._numbers[term] = _per_passage(self.passages.starts, at)
        return found

    def matches(self, raw: int, terms: Iterable[str]) -> list[Match]:
        """The occurrences of ``terms`` in the passage numbered ``raw`` (as ``numbers``)."""
        starts = self.passages.starts
        lo = starts[raw - 1] if raw > 0 else -(2**62)
        hi = starts[raw] if raw < len(starts) else 2**62
        out: list[Match] = []
        for term in terms:
            at = self.starts(term)
            i, j = bisect_left(at, lo), bisect_left(at, hi)
            spans = self._words.spans(self.docnum, term)
            out.extend(Match(pos, start, end, term) for pos, start, end in spans[i:j])
        return out


class _ReadWords:
    """One episode's matches, read already."""

    def __init__(self, passages: Passages, matches: Iterable[Match]) -> None:
        self._passages = passages
        self.by_term: dict[str, list[Match]] = {}
        for m in matches:
            self.by_term.setdefault(m.term, []).append(m)
        for ms in self.by_term.values():
            ms.sort(key=_START)

    def starts(self, docnum: int, term: str) -> list[int]:
        return [m.start for m in self.by_term[term]]

    def spans(self, docnum: int, term: str) -> list[Span]:
        return [(m.pos, m.start, m.end) for m in self.by_term[term]]

    def passages(self, docnum: int) -> Passages:
        return self._passages


class _IndexedWords:
    """Every matching episode's words, from the postings the search read."""

    def __init__(self, postings: dict[str, Postings], table: Callable[[int], bytes | None]):
        self._postings = postings
        self._table = table

    def starts(self, docnum: int, term: str) -> list[int]:
        return self._postings[term].starts(docnum)

    def spans(self, docnum: int, term: str) -> list[Span]:
        return self._postings[term].spans(docnum)

    def passages(self, docnum: int) -> Passages:
        blob = self._table(docnum)
        if blob:
            return decode_passages(blob)
        # Every episode of an index of this version has its passages; should one be
        # missing, its whole body is one passage.
        ends = (e for p in self._postings.values() for _, _, e in p.spans(docnum))
        return Passages((0,), max(ends, default=0))


def _counted(items: Iterable[int]) -> dict[int, int]:
    """How many times each of ``items`` occurs, in order of first occurrence."""
    if _count_elements is None:
        return dict(Counter(items))
    counts: dict[int, int] = {}
    _count_elements(counts, items)
    return counts


def _per_passage(passages: Sequence[int], starts: list[int]) -> dict[int, int]:
    """How many of ``starts`` (sorted) fall in each passage, by ``bisect_right`` of a start
    in ``passages``' starts, only passages holding one. All in C: a common word is said
    hundreds of times an episode, so then each passage start is looked up among the word's
    starts (a passage's count is the difference of two look-ups) rather than each start
    among the passages."""
    if len(starts) <= len(passages):
        return _counted(map(bisect_right, repeat(passages), starts))
    edges = [0, *map(bisect_left, repeat(starts), passages), len(starts)]
    between = list(map(sub, edges[1:], edges))
    return dict(compress(zip(count(), between), between))


def rank_passages(
    episodes: Sequence[EpisodeWords],
    *,
    doc_count: int,
    doc_frequency: Mapping[str, int],
    query_words: int,
    ignore: frozenset[str] = frozenset(),
    count_all: bool = False,
    bulk: Callable[[dict[str, list[int]]], PassageCounts | None] | None = None,
) -> Ranking:
    """Every passage holding a match (of a word that is not in ``ignore``), best first.

    A passage scores BM25 over passages plus ``ranking.together_weight`` of its matches,
    within ``ranking.NEAR_CHARS`` and again within ``BREATH_CHARS``. Passage statistics
    come from the episodes given (in docnum order), at most ``STAT_EPISODES`` of them per
    term, evenly spread: the index holds ``doc_count`` times their mean number of
    passages, and a term is in as many passages as its episode frequency
    (``doc_frequency``) times the mean number of passages holding it in an episode that
    does. Ties go to the earlier episode, then the earlier passage.

    Passages are scored lazily, best bound first: an episode's words are mapped to its
    passages only when the most its best passage could score (its words' counts, each in
    the shortest passage, all said together) can still reach the next one out. The total
    is exact when the query's words are said at most ``EXACT_OCCURRENCES`` times in the
    matching episodes (or ``count_all``), else estimated from those counts.

    With ``bulk`` (which counts each term's occurrences per passage in the docnums given
    for it, all at once: ``passage_scan``), every passage is bounded on its own before
    any is scored, and the total is always exact; the passages come out in the same order
    with the same scores.
    """
    if not episodes:
        return Ranking(0, 0, iter(()))
    holding: dict[str, list[EpisodeWords]] = {}  # each term's episodes, in docnum order
    for e in episodes:
        for t in e.counts:
            held = holding.get(t)
            if held is None:
                holding[t] = [e]
            else:
                held.append(e)
    terms = sorted(holding)
    sample = _evenly(episodes, STAT_EPISODES)
    passages = chars = 0
    for e in sample:
        passages += max(1, len(e.passages.starts))
        chars += e.passages.length
    total = max(1.0, doc_count * passages / len(sample))
    average = max(1.0, chars / passages)
    idf: dict[str, float] = {}
    weights: dict[str, float] = {}
    counted = bulk({t: [e.docnum for e in holding[t]] for t in terms}) if bulk else None
    for term in terms:
        checkpoint()
        some = _evenly(holding[term], STAT_EPISODES)
        if counted is not None:
            within = counted.passages_holding(term, [e.docnum for e in some]) / len(some)
        else:
            within = sum(len(e.numbers(term)) for e in some) / len(some)
        held_by = len(holding[term])
        df = max(held_by, doc_frequency.get(term, held_by)) * within
        idf[term] = lucene_idf(total, df)
        weights[term] = ranking.TOGETHER_FLOOR + idf[term]
    wanted = frozenset(terms) - ignore or frozenset(terms)  # only fillers asked: they count
    flat, sloped = K1 * (1 - B), K1 * B / average
    scorer = _Scorer(idf, weights, wanted, query_words, flat, sloped)
    if counted is not None:
        found, ordered = counted.bounds(
            idf,
            weights,
            wanted,
            k1=K1,
            flat=flat,
            sloped=sloped,
            query_words=query_words,
            proximity=ranking.PROXIMITY_WEIGHT,
        )
        by_doc = {e.docnum: e for e in episodes}
        saying = len(episodes)  # (each episode says a term at least once)
        if len(wanted) < len(terms):  # else only fillers: no moment
            saying = sum(not wanted.isdisjoint(e.counts) for e in episodes)
        return Ranking(found, saying, _best_first_counted(by_doc, counted, ordered, scorer))
    said: list[int] = []  # how often each episode with a wanted word says them
    saying_at: list[int] = []  # and where it is in ``episodes``
    for i, e in enumerate(episodes):
        n = 0
        for t, c in e.counts.items():
            if t in wanted:
                n += c
        if n:  # else only fillers: no moment
            said.append(n)
            saying_at.append(i)
    bounds = [(scorer.bound(episodes[i]), i) for i in saying_at]
    exact = count_all or sum(said) <= EXACT_OCCURRENCES
    if exact:
        found = 0
        for _, i in bounds:
            checkpoint()
            e = episodes[i]
            found += len(set().union(*(e.numbers(t) for t in e.counts if t in wanted)))
    else:
        found = _estimate(said, passages / len(sample))
    best = _best_first(episodes, bounds, scorer)
    return Ranking(found, len(bounds), best, exact)


def _evenly(items: Sequence[T], most: int) -> Sequence[T]:
    """At most ``most`` of ``items``, evenly spread (all of them when there are few)."""
    if len(items) <= most:
        return items
    step = len(items) / most
    return [items[int(i * step)] for i in range(most)]


def _estimate(said: list[int], per_episode: float) -> int:
    """About how many passages hold a wanted word, from how often each episode says them:
    an episode of ``per_episode`` passages saying them ``n`` times, each in a passage at
    random, has ``p (1 - (1 - 1/p)^n)``."""
    keep = 1 - 1 / per_episode if per_episode > 1 else 0.0
    about = 0.0
    for n in said:
        about += per_episode * (1 - keep**n) if keep else 1.0
    # Two significant figures: it is an estimate, and says so.
    rounded = round(about, 1 - len(str(int(about))))
    return max(len(said), int(rounded))


@dataclass(frozen=True)
class _Scorer:
    """What scoring a passage needs: the terms' passage IDF and together weights."""

    idf: dict[str, float]
    weights: dict[str, float]
    wanted: frozenset[str]
    query_words: int
    flat: float
    sloped: float
    # The together shares by which terms an episode holds (most hold the same ones): for
    # n = 0, 1, ... the most n of them said together add (their best n weights, scaled).
    _together: dict[tuple[str, ...], list[float]] = field(default_factory=dict, compare=False)

    def togethers(self, terms: tuple[str, ...]) -> list[float]:
        found = self._together.get(terms)
        if found is None:
            best = sorted((self.weights[t] for t in terms), reverse=True)
            found = [2 * self.scale(n) * sum(best[:n]) for n in range(len(terms) + 1)]
            self._together[terms] = found
        return found

    def scale(self, together: int) -> float:
        """``ranking.together_weight``'s share for ``together`` different terms."""
        if together < 2:
            return 0.0
        return min(1.0, (together - 1) / max(1, self.query_words - 1))

    def bound(self, e: EpisodeWords) -> float:
        """The most a passage of ``e`` can score: each word as often as the episode says
        it, in a passage of one character, all of them together in both windows."""
        shortest = self.flat + self.sloped
        idf = self.idf
        bm25 = 0.0
        for term, said in e.counts.items():
            bm25 += idf[term] * said * (K1 + 1) / (said + shortest)
        most = self.togethers(tuple(e.counts))[-1]
        return _above(ranking.blended(_above(bm25), _above(most)))

    def groups(self, e: EpisodeWords) -> tuple[dict[int, int], list[tuple[float, int]]]:
        """How many different query terms each passage of ``e`` holding one holds, and for
        each such number ``n`` the most a passage holding ``n`` can score: the best ``n``
        terms' BM25 (each as often as one passage says it, in the shortest passage) and
        together weights. Counted in C; most passages hold one common word."""
        checkpoint()
        numbers = [e.numbers(t) for t in e.counts]
        held = _counted(chain.from_iterable(numbers))
        shortest = self.flat + self.sloped
        idf = self.idf
        best_bm25 = []
        for term, counts in zip(e.counts, numbers, strict=True):
            f = max(counts.values())
            best_bm25.append(idf[term] * f * (K1 + 1) / (f + shortest))
        best_bm25.sort(reverse=True)
        together = self.togethers(tuple(e.counts))
        out = []
        for n in set(held.values()):
            bound = ranking.blended(_above(sum(best_bm25[:n])), _above(together[n]))
            out.append((_above(bound), n))
        return held, out

    def candidates(
        self, e: EpisodeWords, raws: Iterable[int]
    ) -> list[tuple[float, float, int, tuple[str, ...]]]:
        """Each of passages ``raws`` of ``e`` holding a wanted word: (the most it can
        score, its BM25, its number as ``EpisodeWords.numbers``, the terms it holds), best
        bound first."""
        checkpoint()
        numbers = [(t, e.numbers(t)) for t in sorted(e.counts)]
        out = []
        for raw in raws:
            found = self.candidate(e, raw, [(t, counts.get(raw, 0)) for t, counts in numbers])
            if found is not None:
                out.append(found)
        out.sort(key=lambda c: -c[0])
        return out

    def candidate(
        self, e: EpisodeWords, raw: int, said: Iterable[tuple[str, int]]
    ) -> tuple[float, float, int, tuple[str, ...]] | None:
        """Passage ``raw`` of ``e``, where each term is ``said`` (in term order) so many
        times, as ``candidates`` gives it; None when it holds only fillers."""
        idf = self.idf
        k1_plus_1 = K1 + 1
        p = e.passages
        start, end = p.bounds(max(0, raw - 1)) if p.starts else (0, 0)
        norm = self.flat + self.sloped * max(1, end - start)
        bm25 = 0.0
        terms = []
        for term, f in said:
            if f:
                terms.append(term)
                bm25 += idf[term] * f * k1_plus_1 / (f + norm)
        if self.wanted.isdisjoint(terms):
            return None  # only fillers
        bound = bm25
        if len(terms) > 1:  # one word alone is never "together"
            most = 2 * self.scale(len(terms)) * sum(self.weights[t] for t in terms)
            bound = _above(ranking.blended(bm25, _above(most)))
        return (bound, bm25, raw, tuple(terms))

    def scored(
        self, e: EpisodeWords, candidate: tuple[float, float, int, tuple[str, ...]]
    ) -> RankedPassage:
        _, bm25, raw, terms = candidate
        ms = e.matches(raw, terms)
        together = 0.0
        if len(terms) > 1:
            q = self.query_words
            together = ranking.together_weight(ms, self.weights, q)
            together += ranking.together_weight(ms, self.weights, q, width=BREATH_CHARS)
        number = max(0, raw - 1)
        p = e.passages
        start, end = p.bounds(number) if p.starts else (0, 0)
        return RankedPassage(ranking.blended(bm25, together), e.docnum, number, start, end, ms)


def _above(bound: float) -> float:
    """A bound a little above ``bound``: sums taken in another order round differently."""
    return bound * (1 + 1e-9) + 1e-9


@dataclass(frozen=True)
class Ranking:
    """Every passage holding a match: how many (``exact``, or an estimate), from how many
    episodes, and the passages best first (scored as they are reached: a page needs the
    first few)."""

    total: int
    episodes: int
    passages: Iterator[RankedPassage]
    exact: bool = True


def _best_first(
    episodes: Sequence[EpisodeWords], bounds: list[tuple[float, int]], scorer: _Scorer
) -> Iterator[RankedPassage]:
    """The passages in order of score (then episode, then passage): the same order as
    scoring them all and sorting. One heap holds episodes not yet read and groups of
    passages not yet looked at (at the most one of their passages can score), the next
    unscored passage of each group looked at (at its own bound) and scored passages: a
    scored passage comes out only when nothing unscored can beat or tie it, as an unscored
    entry goes before a scored one of the same value."""
    heap: list[tuple[float, int, int, int, int, RankedPassage | None]] = [
        (-bound, _EPISODE, i, 0, 0, None) for bound, i in bounds
    ]
    heapq.heapify(heap)
    pending: dict[int, tuple[int, dict[int, int], int]] = {}
    read: dict[int, tuple[int, list[tuple[float, float, int, tuple[str, ...]]]]] = {}
    ids = count()
    while heap:
        _, kind, a, b, _, passage = heapq.heappop(heap)
        if kind == _SCORED:
            assert passage is not None
            yield passage
        elif kind == _EPISODE:
            held, groups = scorer.groups(episodes[a])
            for bound, n in groups:
                key = next(ids)
                pending[key] = (a, held, n)
                heapq.heappush(heap, (-bound, _GROUP, key, 0, 0, None))
        elif kind == _GROUP:
            i, held, n = pending.pop(a)
            raws = [raw for raw, terms in held.items() if terms == n]
            found = scorer.candidates(episodes[i], raws)
            if found:
                key = next(ids)
                read[key] = (i, found)
                heapq.heappush(heap, (-found[0][0], _UNSCORED, key, 0, 0, None))
        else:
            i, found = read[a]
            scored = scorer.scored(episodes[i], found[b])
            heapq.heappush(
                heap, (-scored.score, _SCORED, scored.docnum, scored.number, found[b][2], scored)
            )
            if b + 1 < len(found):
                heapq.heappush(heap, (-found[b + 1][0], _UNSCORED, a, b + 1, 0, None))
            else:
                del read[a]


def _best_first_counted(
    episodes: Mapping[int, EpisodeWords],
    counted: PassageCounts,
    ordered: Iterator[tuple[float, int]],
    scorer: _Scorer,
) -> Iterator[RankedPassage]:
    """The passages in ``_best_first``'s order, from every passage's own bound (``ordered``:
    highest first): a scored passage comes out when no passage left can beat or tie it."""
    heap: list[tuple[float, int, int, int, RankedPassage]] = []
    for bound, slot in ordered:
        while heap and -heap[0][0] > bound:
            yield heapq.heappop(heap)[-1]
        checkpoint()
        docnum, raw = counted.where(slot)
        e = episodes[docnum]
        found = scorer.candidate(e, raw, [(t, counted.count(t, slot)) for t in sorted(e.counts)])
        if found is None:  # (only fillers: not counted as a slot with a wanted term)
            continue
        scored = scorer.scored(e, found)
        heapq.heappush(heap, (-scored.score, scored.docnum, scored.number, raw, scored))
    while heap:
        yield heapq.heappop(heap)[-1]


# Heap entries of equal value: unscored ones first, so a tie is scored before it is passed.
_EPISODE, _GROUP, _UNSCORED, _SCORED = 0, 1, 2, 3


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
    found = resolve(searcher, text, probe, budget, rank=False, every_match=True)
    shape = shape_of(found.query)
    episodes, read, postings = _episode_words(searcher, found, shape)
    words = {t for e in episodes for t in e.counts}
    frequency = {t: searcher.doc_frequency("body", t) for t in words}
    ranking_ = rank_passages(
        episodes,
        doc_count=searcher.doc_count(),
        doc_frequency=frequency,
        query_words=len(shape.loose.union(*shape.phrases)),
        ignore=found.fillers,
        count_all=read,
        bulk=_bulk(searcher, postings) if postings is not None else None,
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
        total_exact=ranking_.exact,
    )


def _bulk(
    searcher: Reader, postings: dict[str, Postings]
) -> Callable[[dict[str, list[int]]], PassageCounts | None]:
    def count(docnums: dict[str, list[int]]) -> PassageCounts | None:
        return count_passages(passage_index(searcher), postings, docnums)

    return count


def _episode_words(
    searcher: Reader, found: Resolved, shape: Shape
) -> tuple[list[EpisodeWords], bool, dict[str, Postings] | None]:
    """Every episode the query matches in its body, in docnum order, whether their
    matches were all read already, and the postings they were counted from (if not). A
    phrase counts only where it is said whole and a speaker only in their passages, so
    then every match is read (``_body_chars``); else only how often each word is said,
    from the postings the match read."""
    matched = found.page.found  # every match of the query, as resolving it ran it
    if matched is None:  # (a speaker's filter narrowed that run)
        matched = searcher.ranked(
            found.query, found.filters, sort=Sort.RELEVANCE, depth=searcher.doc_count_all()
        )
    table = searcher.passage_tables()
    terms_of = {d: terms for d, _, terms in matched.ranked}
    if found.speakers or shape.phrases or matched.postings is None:
        out = []
        chars = _body_chars(searcher, terms_of, shape, matched.known)
        for docnum, matches in sorted(chars.items()):
            passages = _passages(table, docnum, matches)
            said = said_by(passages, matches, found.speakers)
            if said:  # else matched on its title or summary only, or said by someone else
                out.append(EpisodeWords.of_matches(docnum, passages, said))
        return out, True, None
    by_term: dict[Term, list[int]] = {}
    for docnum, terms in terms_of.items():
        for term in terms:
            docnums = by_term.get(term)
            if docnums is None:
                by_term[term] = [docnum]
            else:
                docnums.append(docnum)
    postings: dict[str, Postings] = {}
    for term, docnums in by_term.items():
        if not body_field(term[0]):
            continue
        read = matched.postings(term)
        if read is None or not all(map(read.__contains__, docnums)):
            read = searcher.postings(term, docnums)
        postings[term_text(term[1])] = read
    # Each episode's counts, term by term (in term order), from each term's counts at once.
    per_doc: dict[int, dict[str, int]] = {}
    for t in sorted(postings):
        for docnum, n in postings[t].counts().items():
            if n and docnum in terms_of:
                counts = per_doc.get(docnum)
                if counts is None:
                    per_doc[docnum] = {t: n}
                else:
                    counts[t] = n
    words = _IndexedWords(postings, table)
    return [EpisodeWords(d, per_doc[d], words) for d in sorted(per_doc)], False, postings


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
    # An episode's fields, body and timing, read once for its moments on the page (a page
    # holds up to 3 of one episode's).
    read: dict[int, tuple[dict[str, Any], str, Timing | None]] = {}
    for passage in page:
        checkpoint()
        known = read.get(passage.docnum)
        if known is None:
            fields = searcher.stored(passage.docnum)
            timing = Timing(fields["timing"]) if fields.get("timing") else None
            known = read[passage.docnum] = (fields, body_of(passage.docnum), timing)
        fields, body, timing = known
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
