"""What a search means: parse, plan, relax, rank, re-rank by proximity, page, facet, suggest.

The policy lives here; the engine (``searchpod.engine.reader``) carries it out and answers
in plain data, so nothing here touches the search library itself.
"""

from __future__ import annotations

import dataclasses
import re
import time
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from searchpod.cycles import fewer_collections
from searchpod.engine.reader import (
    EXPANSION_BUDGET_S,
    MAX_EXPANSIONS,
    MAX_FUZZY_CHARS,
    MAX_FUZZY_EDITS,
    MAX_QUERY_EXPANSIONS,
    NO_SUCH_SPEAKER,
    QUERY_BUDGET_S,
    Budget,
    Filter,
    OutOfTime,
    OverBudget,
    Query,
    Ranked,
    Reader,
    Shape,
    Span,
    Term,
    body_field,
    checkpoint,
    plan_query,
    query_terms,
    shape_of,
    speakers_asked,
    term_text,
    with_near_words,
)
from searchpod.errors import QueryError
from searchpod.fields import SEARCH_FIELDS
from searchpod.indexing.documents import Timing
from searchpod.indexing.passages import Passages, decode_passages
from searchpod.model import Hit, SearchResults
from searchpod.options import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    SORTS,
    SearchOptions,
    Sort,
)
from searchpod.query import ranking
from searchpod.query.relax import filler_stems, relax_below, repeated_stems
from searchpod.query.snippets import (
    Match,
    build_snippets,
    highlight_spans,
    place_stop_words,
    within_phrases,
)
from searchpod.query.why_empty import filter_warnings, has_filters
from searchpod.text import analysis, typos
from searchpod.text.analysis import TOKEN_PATTERN, is_stop_term, normalise, stem
from searchpod.text.safe import safe_url

# How many of the best BM25 matches the proximity re-rank looks at.
RERANK_DEPTH = 100
_FIELDS_IN_QUERY = re.compile(r"\b([A-Za-z_]+):")
TEXT_FIELDS = frozenset({*SEARCH_FIELDS, "show"})
_SHORT_FIELDS = frozenset({"title", "summary", "host", "show"})
KNOWN_FIELDS = frozenset({*SEARCH_FIELDS, "show", "speaker", "episode", "published", "id"})
T = TypeVar("T")


def run_search(searcher: Reader, text: str, options: SearchOptions) -> SearchResults:
    """Run one query on one committed state of the index and return plain results.

    Everything the query asks for shares one budget of work (``QUERY_BUDGET_S``: expanding
    its words, matching, facets, snippets); a query that needs more is a QueryError.
    """
    return within_budget(text, lambda budget: _search(searcher, text, options, budget))


def within_budget(text: str, work: Callable[[Budget], T]) -> T:
    """``work(budget)`` under one query's budget of work; over it, a QueryError on ``text``."""
    budget = Budget()
    try:
        # Ranking allocates a container per passage, posting and match, and no cycles.
        with budget.running(), fewer_collections():
            return work(budget)
    except OutOfTime:
        raise QueryError(text, budget.too_slow()) from None


def _search(searcher: Reader, text: str, options: SearchOptions, budget: Budget) -> SearchResults:
    found = resolve(searcher, text, options, budget)
    query, filters, results, warnings = found.query, found.filters, found.page, found.warnings
    if options.sort is not Sort.RELEVANCE:
        scores = searcher.scores(query, (d for d, _ in results.docs))
        # Sorted by date, the engine's score is the sort key, not what Hit.score promises.
        results.docs = [(d, scores.get(d, 0.0)) for d, _ in results.docs]
    hits = tuple(_hits(searcher, results, query, found.fillers, found.speakers))
    undated = sum(h.published is None for h in hits)
    if options.sort is not Sort.RELEVANCE and undated:
        # Transcript-only folders often carry no dates at all: say so rather than let
        # "newest" look like it worked.
        warnings.append(
            f"{undated} of {len(hits)} results have no date, so --sort {options.sort.value} "
            "cannot place them (they are listed last)"
        )
    if results.total == 0 and has_filters(options):
        warnings = _why_empty(searcher, query, options, warnings)
    facets = searcher.facets(query, filters) if options.facets else None
    return SearchResults(
        query=text,
        total=results.total,
        hits=hits,
        page=options.page,
        limit=options.limit,
        suggestion=found.suggestion,
        facets=facets,
        warnings=tuple(dict.fromkeys(warnings)),
        fuzzy=found.fuzzy,
        relaxed=found.relaxed,
    )


@dataclass
class Resolved:
    """A query as the search runs it: parsed, planned, expanded, relaxed or not, and the
    page of episodes that decided it."""

    query: Query
    filters: Filter | None
    page: _Page
    fillers: frozenset[str]
    suggestion: str | None
    fuzzy: bool
    relaxed: bool
    warnings: list[str]
    # Each ``speaker:`` name's index terms: matches count only in passages they said.
    speakers: list[frozenset[str]] = dataclasses.field(default_factory=list)


def resolve(
    searcher: Reader,
    text: str,
    options: SearchOptions,
    budget: Budget,
    *,
    rank: bool = True,
    every_match: bool = False,
) -> Resolved:
    """The query to run for ``text``: every word, near spellings when nothing matched, most
    of the words when few episodes hold them all. ``rank=False`` skips the proximity re-rank
    of the page (for callers that only need the query); ``every_match`` keeps every match the
    query found, with the postings it read (``_Page.found``), for moments."""
    validate_query(text)
    warnings: list[str] = []
    parsed = searcher.parse(text)
    steps = plan_query(
        parsed,
        filler_stems(text, stem),
        options.mode,
        word_fields=TEXT_FIELDS,
        repeats=repeated_stems(text, stem),
    )
    terms_left = budget.terms
    try:
        prepared = _prepare(searcher, steps.strict, options, budget, warnings)
    except OverBudget:
        raise QueryError(text, budget.too_much()) from None
    near: dict[str, list[tuple[str, int]]] = {}
    query = prepared
    filters = searcher.filters(options, text)
    speakers = speakers_asked(searcher.with_speaker(parsed, options.speaker))

    def run(
        q: Query,
        filters: Filter | None,
        options: SearchOptions,
        first: frozenset[int] = frozenset(),
    ) -> _Page:
        if speakers:  # only episodes where the speaker said the words
            said = _said_by_filter(searcher, q, filters, speakers)
            if not said:  # (an empty filter would be no filter to the engine)
                return _Page(total=0, docs=[], matched={})
            return _run(searcher, q, said, options, first, rank=rank)
        return _run(searcher, q, filters, options, first, rank=rank, every=every_match)

    results = run(query, filters, options)
    fuzzy_used = False
    suggestion = None
    few = min(relax_below(options.limit), searcher.doc_count())
    if results.total == 0:
        # No episode holds every word as typed: look for near spellings of the words the
        # index does not hold (suggestions cost a look through the vocabulary).
        unknown = _near_words(searcher, prepared, text, budget, unknown_only=True)
        suggestion = _suggestion(searcher, text, unknown)
        if suggestion is not None:
            # A word is unknown and near a known one: that is what the user meant.
            nearer = with_near_words(prepared, _near_terms(unknown), typos.NEAR_BOOST)
            found = run(nearer, filters, options)
            if found.total:  # else (filters) the suggestion is shown as a suggestion
                near, query, results, fuzzy_used = unknown, nearer, found, True
    relaxed = False
    if steps.relaxed is not None and results.total < few:
        # The same words expand to the same terms again: the same count, the time left.
        budget.terms = terms_left
        try:
            wider = _prepare(searcher, steps.relaxed, options, budget, [])
        except OverBudget:
            wider = None  # out of time: the full matches are what there is
        if wider is not None:
            wider = with_near_words(wider, _near_terms(near), typos.NEAR_BOOST)
            more = run(wider, filters, options, first=results.all_docs)
            if more.total > results.total:
                query, results, relaxed = wider, more, True
    if options.fuzzy and results.total < few:
        # Near spellings of every word, as weaker alternatives, only after every episode
        # the words as typed find (``first``: all of them, as there are few), so asking for
        # them never costs a correctly spelt query anything.
        every = _near_words(searcher, prepared, text, budget, unknown_only=False)
        if every:
            nearer = with_near_words(query, _near_terms(every), typos.NEAR_BOOST)
            found = run(nearer, filters, options, first=results.all_docs)
            if found.total > results.total:
                query, results, fuzzy_used = nearer, found, True
    if fuzzy_used and not options.fuzzy:
        warnings.append(f"no exact matches; showing near spellings (did you mean {suggestion!r}?)")
    if budget.exhausted:
        warnings.append(budget.cut_short())
    return Resolved(
        query, filters, results, steps.fillers, suggestion, fuzzy_used, relaxed, warnings, speakers
    )


def _why_empty(
    searcher: Reader, query: Query | None, options: SearchOptions, warnings: list[str]
) -> list[str]:
    """``warnings`` with the reason a filtered search found nothing: a filter no episode
    can pass, else how many episodes match when the filters are left out."""
    held = searcher.holdings()
    if options.speaker:
        table = searcher.passage_tables()
        names: set[str] = set()
        for docnum in searcher.live_docnums():
            blob = table(docnum)
            if blob:
                names.update(n for n in decode_passages(blob).speakers if n)
        held = dataclasses.replace(held, speakers=tuple(sorted(names)))
    named = filter_warnings(held, options)
    if any(w.startswith("no speaker named") for w in named):
        # The same news, with the names that there are.
        warnings = [w for w in warnings if w != NO_SUCH_SPEAKER]
    if not named and query is not None:
        unfiltered = _run(searcher, query, None, options).total
        if unfiltered:
            named.append(
                f"{unfiltered} episode{'s' if unfiltered != 1 else ''} match without the "
                "filters, but none passes all of them together"
            )
    return [*warnings, *named]


def _prepare(
    searcher: Reader, q: Query, options: SearchOptions, budget: Budget, warnings: list[str]
) -> Query:
    """A planned query with its speaker restriction applied and its expansions bounded
    (raises OverBudget when the budget ran out before a word could expand at all)."""
    return searcher.prepare(q, options.speaker, budget, warnings)


def _said_by_filter(
    searcher: Reader, query: Query, filters: Filter | None, speakers: list[frozenset[str]]
) -> frozenset[int]:
    """The episodes matching ``query`` within ``filters`` where one of the speakers asked
    for said a matching word (in a passage that is theirs)."""
    matched = all_matches(searcher, query, filters)
    table = searcher.passage_tables()
    return frozenset(
        d for d, ms in matched.items() if said_by(_passages(table, d, ms), ms, speakers)
    )


def all_matches(searcher: Reader, query: Query, filters: Filter | None) -> dict[int, list[Match]]:
    """Every episode matching ``query`` within ``filters``, with the query's matches in its
    body (empty for one matched on its title or summary only)."""
    found = searcher.ranked(query, filters, sort=Sort.RELEVANCE, depth=searcher.doc_count_all())
    matched = {d: terms for d, _, terms in found.ranked}
    return _body_chars(searcher, matched, shape_of(query), found.known)


def _passages(table: Callable[[int], bytes | None], docnum: int, matches: list[Match]) -> Passages:
    blob = table(docnum)
    # Every episode of an index of this version has its passages; should one be missing,
    # its whole body is one passage.
    return (
        decode_passages(blob) if blob else Passages((0,), max((m.end for m in matches), default=0))
    )


def said_by(
    passages: Passages, matches: list[Match], speakers: list[frozenset[str]]
) -> list[Match]:
    """``matches`` said in a passage whose speaker's name holds every name asked for."""
    if not speakers:
        return matches
    names = passages.speakers
    fits = [all(words <= _name_terms(name) for words in speakers) for name in names]
    if not any(fits):
        return []
    ids, starts = passages.speaker_ids, passages.starts
    out = []
    for m in matches:
        i = bisect_right(starts, m.start) - 1
        if i >= 0 and ids[i] >= 0 and fits[ids[i]]:
            out.append(m)
    return out


def _name_terms(name: str) -> frozenset[str]:
    return frozenset(stem(m.group()) for m in TOKEN_PATTERN.finditer(name))


def validate_query(text: str) -> None:
    """Reject what Whoosh would silently misread: unbalanced brackets or quotes, huge input."""
    if not text.strip():
        raise QueryError(text, "empty query")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters")
    words = sum(1 for _ in TOKEN_PATTERN.finditer(text))
    if words > MAX_QUERY_WORDS:
        raise QueryError(text[:40] + "…", f"{words} words: at most {MAX_QUERY_WORDS} are searched")
    if not _is_utf8(text):
        raise QueryError(text, "holds characters that are not valid Unicode (lone surrogates)")
    depth, quote_at, open_at = 0, -1, []
    for i, ch in enumerate(text):
        if ch == '"':
            quote_at = -1 if quote_at >= 0 else i
        elif quote_at >= 0:
            continue
        elif ch in "([{":
            depth += 1
            open_at.append(i)
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise QueryError(text, f"unmatched {ch!r} at column {i + 1}")
            open_at.pop()
    if quote_at >= 0:
        raise QueryError(text, f"unclosed quote opened at column {quote_at + 1}")
    if open_at:
        raise QueryError(text, f"unclosed {text[open_at[-1]]!r} opened at column {open_at[-1] + 1}")
    for m in _FIELDS_IN_QUERY.finditer(text):
        if m.group(1) not in KNOWN_FIELDS and text[m.end() : m.end() + 2] != "//":
            known = ", ".join(sorted(KNOWN_FIELDS))
            raise QueryError(text, f"unknown field {m.group(1)!r} (fields: {known})")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_Ranked = list[tuple[int, float, set[Term]]]
# Character spans of a (field, term) in a document, when already read (else None).
_Known = Callable[[int, Term], "list[Span] | None"]


@dataclass
class _Page:
    total: int
    docs: list[tuple[int, float]]
    matched: dict[int, set[tuple[str, bytes]]]
    # Body match spans already read for re-ranking, so snippets don't read them twice.
    chars: dict[int, list[Match]] = dataclasses.field(default_factory=dict)
    # Every matching episode, kept only when there are few (to rank them first if relaxed).
    all_docs: frozenset[int] = frozenset()
    # What the engine found, every match in order (``_run``'s ``every``), else None.
    found: Ranked | None = None


def _run(
    searcher: Reader,
    query: Query,
    filters: Filter | frozenset[int] | None,
    options: SearchOptions,
    first: frozenset[int] = frozenset(),
    *,
    rank: bool = True,
    every: bool = False,
) -> _Page:
    """One page of ``query``'s matches; episodes in ``first`` (full matches) rank first.
    ``every``: all of them are ranked, and kept in ``_Page.found``."""
    needed = options.page * options.limit
    start = (options.page - 1) * options.limit
    shape = shape_of(query)
    # Proximity needs two things to bring together: two words, a word and a phrase, ...
    by_relevance = options.sort is Sort.RELEVANCE
    rerank = rank and by_relevance and RERANK_DEPTH > 0
    rerank = rerank and len(shape.loose) + len(shape.phrases) > 1
    depth = max(needed, RERANK_DEPTH) if rerank else needed
    if every:
        depth = searcher.doc_count_all()
    found: Ranked = searcher.ranked(
        query,
        filters,
        sort=options.sort,
        depth=depth,
        first=first,
        keep_all_below=relax_below(options.limit),
        scored=not every,  # every match is for moments, which score passages instead
    )
    page = _page(
        searcher,
        found.ranked,
        found.total,
        found.all_docs,
        shape,
        rerank,
        first,
        start,
        needed,
        known=found.known,
    )
    if every:
        page.found = found
    return page


def _page(
    searcher: Reader,
    ranked: _Ranked,
    total: int,
    all_docs: frozenset[int],
    shape: Shape,
    rerank: bool,
    first: frozenset[int],
    start: int,
    needed: int,
    known: _Known | None = None,
) -> _Page:
    chars: dict[int, list[Match]] = {}
    if rerank:
        ranked, chars = _rerank_by_proximity(searcher, ranked, shape, first, known, needed)
    page = ranked[start:needed]
    return _Page(
        total=total,
        docs=[(d, score) for d, score, _ in page],
        matched={d: terms for d, _, terms in page},
        chars={d: chars[d] for d, _, _ in page if d in chars},
        all_docs=all_docs,
    )


def _rerank_by_proximity(
    searcher: Reader,
    ranked: _Ranked,
    shape: Shape,
    first: frozenset[int] = frozenset(),
    known: _Known | None = None,
    needed: int = RERANK_DEPTH,
) -> tuple[_Ranked, dict[int, list[Match]]]:
    """Among the best ``RERANK_DEPTH``, add to each score how informative the query words
    it holds together are (see ``ranking.together_weight``).

    BM25 scores each word on its own; someone searching for a moment remembers words said
    in one breath. A title or summary holding several of the words counts as together too.
    Only the head is re-scored (its scores become the blended ones), and a bonus only raises
    a score, so the order past the head stays BM25's and paging stays stable (page 4 never
    reorders pages 1-3). Full matches (``first``) stay ahead of partial ones. Single-word
    queries are left as they are.

    Only the first ``needed`` come out in their exact order (the rest follow): the bonus is
    at most the sum of the words' weights, and the head is in BM25 order, so once an
    episode's score plus that cannot reach the ``needed``-th best, none after it can.
    """
    head = ranked[:RERANK_DEPTH]
    doc_count = searcher.doc_count()
    words = {term_text(t) for _, _, terms in head for f, t in terms if _is_word_field(f)}
    weights = {
        w: ranking.informativeness(doc_count, searcher.doc_frequency("body", w)) for w in words
    }
    query_words = len(shape.loose.union(*shape.phrases))
    # The most proximity can add, with room for the rounding of sums taken in another order.
    ceiling = sum(weights.values()) * (1 + 1e-9) + 1e-9
    chars: dict[int, list[Match]] = {}

    def key(i: int) -> tuple[bool, float, int]:
        docnum, score, terms = head[i]
        per_field: dict[str, set[str]] = {}
        for f, t in terms:
            if f in _SHORT_FIELDS:
                per_field.setdefault(f, set()).add(term_text(t))
        short = max(
            (
                ranking.together_share(sum(weights[t] for t in ts), len(ts), query_words)
                for ts in per_field.values()
            ),
            default=0.0,
        )
        near = max(short, ranking.together_weight(chars.get(docnum, []), weights, query_words))
        return (bool(first) and docnum not in first, -ranking.blended(score, near), i)

    keys: list[tuple[bool, float, int]] = []
    done = 0
    while done < len(head):
        if len(keys) >= needed:
            docnum, score, _ = head[done]
            at_best = (bool(first) and docnum not in first, -ranking.blended(score, ceiling), done)
            if at_best > sorted(keys)[needed - 1]:
                break
        checkpoint()
        batch = head[done : done + max(needed - done, 10)]
        chars.update(_body_chars(searcher, {d: terms for d, _, terms in batch}, shape, known))
        keys.extend(key(i) for i in range(done, done + len(batch)))
        done += len(batch)
    # The score shown is the one ranked by (BM25 with proximity added), so scores never
    # rise down a page.
    reranked = [(head[i][0], -blended, head[i][2]) for _, blended, i in sorted(keys)]
    return reranked + head[done:] + ranked[RERANK_DEPTH:], chars


def _is_word_field(field: str) -> bool:
    return field in TEXT_FIELDS or body_field(field)


def _hits(
    searcher: Reader,
    page: _Page,
    query: Query,
    ignore: frozenset[str] = frozenset(),
    speakers: list[frozenset[str]] | None = None,
) -> Iterable[Hit]:
    if not page.docs:
        return  # an empty index has no columns to open
    # Matched terms, not the query's: fuzzy and wildcard terms are known only after matching.
    asked = {term_text(t) for f, t in query_terms(query, phrases=True) if f in TEXT_FIELDS}
    asked -= ignore
    chars = dict(page.chars)
    missing = {d: terms for d, terms in page.matched.items() if d not in chars}
    if missing:
        chars.update(_body_chars(searcher, missing, shape_of(query)))
    if speakers:  # snippets of what the speaker asked for said
        table = searcher.passage_tables()
        chars = {d: said_by(_passages(table, d, ms), ms, speakers) for d, ms in chars.items()}
    if ignore:
        # Filler words score, and count in proximity (a remembered line holds "which" and
        # "would" too), but they are not what was looked for: no highlights.
        chars = {d: [m for m in ms if m.term not in ignore] for d, ms in chars.items()}
    body_of = searcher.bodies()
    for docnum, score in page.docs:
        checkpoint()  # a page may hold 1,000 episodes, each read and cut into snippets
        fields = searcher.stored(docnum)
        body = body_of(docnum)
        timing = Timing(fields["timing"]) if fields.get("timing") else None
        # Web links only, even from an index written before pages' URLs were checked.
        link_base = safe_url(fields.get("media_url")) or safe_url(fields.get("url"))
        snippets = build_snippets(body, chars.get(docnum, []), timing=timing, link_base=link_base)
        matched = {
            term_text(t) for f, t in page.matched.get(docnum, ()) if f in TEXT_FIELDS
        } - ignore
        terms = frozenset(asked | matched)
        published = fields.get("published")
        yield Hit(
            id=fields["id"],
            title=fields.get("title", ""),
            source=fields.get("source", ""),
            score=float(score),
            show=fields.get("show") or None,
            episode=fields.get("episode"),
            host=fields.get("host") or None,
            summary=fields.get("summary", ""),
            published=published.date() if published else None,
            url=link_base,
            snippets=snippets,
            title_highlights=highlight_spans(fields.get("title", ""), terms),
            summary_highlights=highlight_spans(fields.get("summary", ""), terms),
        )


def _body_chars(
    searcher: Reader,
    matched: dict[int, set[Term]],
    shape: Shape,
    known: _Known | None = None,
) -> dict[int, list[Match]]:
    """The stored character spans of each matched term in each hit's body.

    A word that is only in the query as part of an exact phrase counts only where the
    whole phrase was said: "like what" highlights those two words together, not every
    "like" in the episode.
    """
    out: dict[int, list[Match]] = {d: [] for d in matched}
    by_term: dict[Term, list[int]] = {}
    for docnum, terms in matched.items():
        for field, btext in terms:
            if body_field(field):
                by_term.setdefault((field, btext), []).append(docnum)
    # Stop terms of the body: their positions index its words, their spans are found here.
    body_stops: dict[int, set[str]] = {d: set() for d in matched}
    for (field, btext), docnums in by_term.items():
        text = term_text(btext)
        if field == "body" and is_stop_term(text):
            for docnum in docnums:
                body_stops[docnum].add(text)
        unread = []
        for docnum in sorted(docnums):
            spans = known(docnum, (field, btext)) if known else None
            if spans is None:
                unread.append(docnum)
            else:
                out[docnum].extend(Match(pos, s, e, text) for pos, s, e in spans)
        if not unread:
            continue
        # One pass per term, forward through the hits in docnum order.
        for docnum, spans in searcher.spans((field, btext), unread).items():
            out[docnum].extend(Match(pos, s, e, text) for pos, s, e in spans)
    if shape.phrases:
        for docnum, matches in out.items():
            out[docnum] = within_phrases(matches, shape.phrases, shape.loose)
    unplaced = {d for d, ms in out.items() if any(m.start < 0 for m in ms)}
    if unplaced:
        body_of = searcher.bodies()
        for docnum in unplaced:
            in_body = {m for m in out[docnum] if m.start < 0 and m.term in body_stops[docnum]}
            out[docnum] = place_stop_words(out[docnum], body_of(docnum), in_body)
    return out


# The vocabulary of each index's analyser (its saved word table), with the document
# count it was read at: reading every shard is slow, so only again after a change.
_vocabularies: weakref.WeakKeyDictionary[analysis.Analyser, tuple[int, typos.Vocabulary]] = (
    weakref.WeakKeyDictionary()
)


def _vocabulary(searcher: Reader) -> typos.Vocabulary:
    # The words an indexing run saved beside this index (and ones this analyser has seen
    # since, queries included): the near words found are kept only when their term is in
    # the index.
    analyser = analysis.current()
    count = searcher.doc_count_all()
    cached = _vocabularies.get(analyser)
    if cached is None or cached[0] != count:
        cached = (count, typos.Vocabulary.of(analyser.known_words()))
        _vocabularies[analyser] = cached
    return cached[1]


def _near_words(
    searcher: Reader, q: Query, text: str, budget: Budget, *, unknown_only: bool
) -> dict[str, list[tuple[str, int]]]:
    """For each word of the query (each unknown one with ``unknown_only``): its index term ->
    the real words of the text within its typo budget, as (word, distance), best first.

    Bounded in time by ``typos.NEAR_TIME_LIMIT`` and by the query's budget: words not
    reached in time are searched as written.
    """

    def frequency(term: str) -> int:
        return sum(searcher.doc_frequency(f, term) for f in SEARCH_FIELDS)

    typed = {stem(w): normalise(w) for w in (m.group() for m in TOKEN_PATTERN.finditer(text))}
    out: dict[str, list[tuple[str, int]]] = {}
    seen = set()
    # One time budget for the whole query, however many words it has.
    deadline = time.monotonic() + min(typos.NEAR_TIME_LIMIT, budget.expansion_left())
    for fieldname, btext in query_terms(q):
        if fieldname not in SEARCH_FIELDS and not body_field(fieldname):
            continue  # numbers, dates, ids: their terms are not words
        term = term_text(btext)
        word = typed.get(term)
        if word is None or term in seen:
            continue
        seen.add(term)
        if len(word) > MAX_FUZZY_CHARS or (unknown_only and frequency(term)):
            continue
        if budget.spent():
            break
        found = []
        left = max(0.0, deadline - time.monotonic())
        for near, distance in typos.near_words(word, _vocabulary(searcher), time_limit=left):
            if stem(near) != term and frequency(stem(near)):
                found.append((near, distance, frequency(stem(near))))
        found.sort(key=lambda f: (f[1], -f[2], f[0]))
        if found:
            out[term] = [(w, d) for w, d, _ in found[: typos.MAX_NEAR]]
    return out


def _near_terms(near: dict[str, list[tuple[str, int]]]) -> dict[str, list[str]]:
    """Index term -> the index terms of its near words."""
    return {term: sorted({stem(w) for w, _ in words}) for term, words in near.items()}


def _suggestion(
    searcher: Reader, text: str, unknown: dict[str, list[tuple[str, int]]]
) -> str | None:
    """'Did you mean': the query as typed, each unknown word replaced by its nearest real word."""
    if not unknown:
        return None
    best = {term: _as_written(searcher, near[0][0]) for term, near in unknown.items()}

    def replace(m: re.Match[str]) -> str:
        return best.get(stem(m.group()), m.group())

    return TOKEN_PATTERN.sub(replace, text)


def _as_written(searcher: Reader, word: str, episodes: int = 5) -> str:
    """``word`` if the text of an episode holding its term spells it so; else the nearest
    spelling of that term in the first few such episodes.

    Candidates come from every word the index's analyser knows; the text says which it
    really holds ("shells" where the table also has "shell").
    """
    body_of = searcher.bodies()
    forms: list[str] = []
    for docnum, spans in searcher.first_spans("body", stem(word), episodes):
        body = body_of(docnum)
        forms.extend(normalise(body[s:e]) for _, s, e in spans[:50])
        if word in forms:
            return word
    return min(forms, key=lambda f: (typos.damerau(word, f, 3), -forms.count(f), f), default=word)


__all__ = [
    "EXPANSION_BUDGET_S",
    "MAX_EXPANSIONS",
    "MAX_FUZZY_EDITS",
    "MAX_LIMIT",
    "MAX_QUERY_EXPANSIONS",
    "QUERY_BUDGET_S",
    "SORTS",
    "SearchOptions",
    "run_search",
    "stem",
    "validate_query",
]
