"""Queries: parse, bound, filter, rank, page, facet — and turn Whoosh results into our dataclasses.

Everything Whoosh returns is copied into plain data inside this module; nothing of
Whoosh's leaks to callers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from searchpod.analysis import stem
from searchpod.engine.query import (
    EXPANSION_BUDGET_S,
    MAX_EXPANSIONS,
    MAX_QUERY_EXPANSIONS,
    Budget,
    OverBudget,
    Shape,
    body_field,
    both,
    bound_expansions,
    facets_of,
    filters_for,
    fuzzy,
    parse,
    restrict_to_speakers,
    shape_of,
    sort_facet,
    suggest,
    term_text,
)
from searchpod.errors import QueryError
from searchpod.model import Hit, SearchResults
from searchpod.options import MAX_LIMIT, SORTS, SearchOptions, Sort
from searchpod.safe import safe_url
from searchpod.schema import SEARCH_FIELDS, Timing
from searchpod.snippets import (
    Match,
    build_snippets,
    highlight_spans,
    proximity,
    within_phrases,
)

MAX_QUERY_CHARS = 1000
# How many of the best BM25 matches the proximity re-rank looks at.
RERANK_DEPTH = 50
_FIELDS_IN_QUERY = re.compile(r"\b([A-Za-z_]+):")
TEXT_FIELDS = frozenset({*SEARCH_FIELDS, "show"})
_SHORT_FIELDS = frozenset({"title", "summary", "host", "show"})
KNOWN_FIELDS = frozenset({*SEARCH_FIELDS, "show", "speaker", "episode", "published", "id"})


def run_search(searcher: Any, text: str, options: SearchOptions) -> SearchResults:
    """Run one query on a Whoosh searcher and return plain results."""
    validate_query(text)
    warnings: list[str] = []
    parsed = parse(searcher.schema, text)
    if options.speaker:
        clause = parse(searcher.schema, options.speaker, field="speaker")
        parsed = both(parsed, clause)
    parsed = restrict_to_speakers(parsed, searcher.reader(), warnings)
    # From here: parsing may have paid one-time imports (NLTK) that are not the query's cost.
    budget = Budget()
    try:
        parsed = bound_expansions(parsed, searcher.reader(), budget, warnings)
    except OverBudget:
        raise QueryError(text, budget.too_much()) from None
    query = fuzzy(parsed, searcher.reader(), budget, warnings) if options.fuzzy else parsed
    filters = filters_for(searcher.schema, options, text)
    results = _run(searcher, query, filters, options)
    fuzzy_used = options.fuzzy
    suggestion = suggest(searcher, parsed, budget)
    if results.total == 0 and not options.fuzzy and suggestion is not None:
        # Nothing matched and a word is unknown: near spellings are what the user meant.
        query = fuzzy(parsed, searcher.reader(), budget, warnings)
        results = _run(searcher, query, filters, options)
        fuzzy_used = True
        if results.total:
            warnings.append(
                f"no exact matches; showing near spellings (did you mean {suggestion!r}?)"
            )
    if budget.exhausted:
        warnings.append(budget.cut_short())
    hits = tuple(_hits(searcher, results, query))
    undated = sum(h.published is None for h in hits)
    if options.sort is not Sort.RELEVANCE and undated:
        # Transcript-only folders often carry no dates at all: say so rather than let
        # "newest" look like it worked.
        warnings.append(
            f"{undated} of {len(hits)} results have no date, so --sort {options.sort.value} "
            "cannot place them (they are listed last)"
        )
    facets = facets_of(searcher, query, filters) if options.facets else None
    return SearchResults(
        query=text,
        total=results.total,
        hits=hits,
        page=options.page,
        limit=options.limit,
        suggestion=suggestion,
        facets=facets,
        warnings=tuple(dict.fromkeys(warnings)),
        fuzzy=fuzzy_used,
    )


def validate_query(text: str) -> None:
    """Reject what Whoosh would silently misread: unbalanced brackets or quotes, huge input."""
    if not text.strip():
        raise QueryError(text, "empty query")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters")
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


@dataclass
class _Page:
    total: int
    docs: list[tuple[int, float]]
    matched: dict[int, set[tuple[str, bytes]]]
    # Body match spans already read for re-ranking, so snippets don't read them twice.
    chars: dict[int, list[Match]] = dataclasses.field(default_factory=dict)


def _run(searcher: Any, query: Any, filters: Any, options: SearchOptions) -> _Page:
    sortedby = sort_facet(options.sort)
    needed = options.page * options.limit
    # limit=None collects every match in one pass, so the total is exact without running
    # the query a second time (Whoosh's len() on a limited result re-runs it).
    results = searcher.search(query, limit=None, filter=filters, sortedby=sortedby, terms=True)
    total = results.scored_length()
    start = (options.page - 1) * options.limit
    shape = shape_of(query)
    # Proximity needs two things to bring together: two words, a word and a phrase, ...
    rerank = sortedby is None and RERANK_DEPTH > 0 and len(shape.loose) + len(shape.phrases) > 1
    depth = max(needed, RERANK_DEPTH) if rerank else needed
    ranked = [(hit.docnum, hit.score or 0.0, set(hit.matched_terms())) for hit in results[:depth]]
    chars: dict[int, list[Match]] = {}
    if rerank:
        ranked, chars = _rerank_by_proximity(searcher, ranked, shape)
    page = ranked[start:needed]
    return _Page(
        total=total,
        docs=[(d, score) for d, score, _ in page],
        matched={d: terms for d, _, terms in page},
        chars={d: chars[d] for d, _, _ in page if d in chars},
    )


_Ranked = list[tuple[int, float, set[tuple[str, bytes]]]]


def _rerank_by_proximity(
    searcher: Any, ranked: _Ranked, shape: Shape
) -> tuple[_Ranked, dict[int, list[Match]]]:
    """Among the best ``RERANK_DEPTH``, episodes where more query words occur together first.

    BM25 scores each word on its own; someone searching for a moment remembers words said
    in one breath. A title or summary holding several of the words counts as together too.
    Ties keep BM25 order, and the order past the head is BM25's, so paging stays stable
    (page 4 never reorders pages 1-3). Single-word queries are left as they are.
    """
    head = ranked[:RERANK_DEPTH]
    chars = _body_chars(searcher, {d: terms for d, _, terms in head}, shape)

    def together(i: int) -> int:
        docnum, _, terms = head[i]
        per_field: dict[str, set[bytes]] = {}
        for f, t in terms:
            if f in _SHORT_FIELDS:
                per_field.setdefault(f, set()).add(t)
        short = max((len(ts) for ts in per_field.values()), default=0)
        return max(short, proximity(chars.get(docnum, [])))

    order = sorted(range(len(head)), key=lambda i: (-together(i), i))
    return [head[i] for i in order] + ranked[RERANK_DEPTH:], chars


def _hits(searcher: Any, page: _Page, query: Any) -> Iterable[Hit]:
    if not page.docs:
        return  # an empty index has no columns to open
    # Matched terms, not the query's: fuzzy and wildcard terms are known only after matching.
    query_terms = {term_text(t) for f, t in query.iter_all_terms(phrases=True) if f in TEXT_FIELDS}
    chars = dict(page.chars)
    missing = {d: terms for d, terms in page.matched.items() if d not in chars}
    if missing:
        chars.update(_body_chars(searcher, missing, shape_of(query)))
    bodies = searcher.reader().column_reader("body_text")
    for docnum, score in page.docs:
        fields = searcher.stored_fields(docnum)
        body = bodies[docnum].decode("utf-8")
        timing = Timing(fields["timing"]) if fields.get("timing") else None
        # Web links only, even from an index written before pages' URLs were checked.
        link_base = safe_url(fields.get("media_url")) or safe_url(fields.get("url"))
        snippets = build_snippets(body, chars.get(docnum, []), timing=timing, link_base=link_base)
        matched = {term_text(t) for f, t in page.matched.get(docnum, ()) if f in TEXT_FIELDS}
        terms = frozenset(query_terms | matched)
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
    searcher: Any, matched: dict[int, set[tuple[str, bytes]]], shape: Shape
) -> dict[int, list[Match]]:
    """The stored character spans of each matched term in each hit's body.

    A word that is only in the query as part of an exact phrase counts only where the
    whole phrase was said: "like what" highlights those two words together, not every
    "like" in the episode.
    """
    out: dict[int, list[Match]] = {d: [] for d in matched}
    by_term: dict[tuple[str, bytes], list[int]] = {}
    for docnum, terms in matched.items():
        for field, btext in terms:
            if body_field(field):
                by_term.setdefault((field, btext), []).append(docnum)
    reader = searcher.reader()
    for (field, btext), docnums in by_term.items():
        text = term_text(btext)
        # One matcher per term, walked forward through the hits in docnum order.
        matcher = reader.postings(field, btext)
        for docnum in sorted(docnums):
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if not matcher.is_active():
                break
            if matcher.id() == docnum:
                out[docnum].extend(
                    Match(pos, s, e, text) for pos, s, e in matcher.value_as("characters")
                )
    if shape.phrases:
        for docnum, matches in out.items():
            out[docnum] = within_phrases(matches, shape.phrases, shape.loose)
    return out


__all__ = [
    "EXPANSION_BUDGET_S",
    "MAX_EXPANSIONS",
    "MAX_LIMIT",
    "MAX_QUERY_EXPANSIONS",
    "SORTS",
    "SearchOptions",
    "run_search",
    "stem",
    "validate_query",
]
