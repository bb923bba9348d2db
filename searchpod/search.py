"""Queries: parse, bound, filter, rank, page, facet — and turn Whoosh results into our dataclasses.

Everything Whoosh returns is copied into plain data inside this module; nothing of
Whoosh's leaks to callers.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh import sorting
from whoosh.qparser import (
    AndGroup,
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldParser,
    QueryParser,
)
from whoosh.qparser.dateparse import DateParserPlugin

from searchpod import ranking, typos
from searchpod.analysis import TOKEN_PATTERN, known_words, normalise, saved_sources, stem
from searchpod.errors import QueryError
from searchpod.model import Hit, SearchResults
from searchpod.phrase import exact_phrases
from searchpod.relax import MODES, Mode, filler_stems, plan, relax_below
from searchpod.schema import SAID_PREFIX, SEARCH_FIELDS, Timing
from searchpod.snippets import (
    Match,
    build_snippets,
    highlight_spans,
    within_phrases,
)

MAX_QUERY_CHARS = 1000
MAX_EXPANSIONS = 256
MAX_LIMIT = 1000
# How many of the best BM25 matches the proximity re-rank looks at.
RERANK_DEPTH = 100
SORTS = ("relevance", "newest", "oldest")
_FIELDS_IN_QUERY = re.compile(r"\b([A-Za-z_]+):")
TEXT_FIELDS = frozenset({*SEARCH_FIELDS, "show"})
_SHORT_FIELDS = frozenset({"title", "summary", "host", "show"})
KNOWN_FIELDS = frozenset({*SEARCH_FIELDS, "show", "speaker", "episode", "published", "id"})


@dataclass(frozen=True)
class SearchOptions:
    """Keyword options of ``Index.search``; checked by ``run_search``."""

    limit: int = 10
    page: int = 1
    sort: str = "relevance"
    host: str | None = None
    show: str | None = None
    speaker: str | None = None
    since: str | None = None
    until: str | None = None
    episode: str | None = None
    facets: bool = False
    fuzzy: bool = False
    mode: Mode = "auto"


def run_search(searcher: Any, text: str, options: SearchOptions) -> SearchResults:
    """Run one query on a Whoosh searcher and return plain results."""
    _check_options(text, options)
    validate_query(text)
    warnings: list[str] = []
    parsed = exact_phrases(_normalise_terms(_parser(searcher.schema).parse(text)))
    steps = plan(parsed, filler_stems(text, stem), options.mode, word_fields=TEXT_FIELDS)
    parsed = _prepare(searcher, steps.strict, options, text, warnings)
    near: dict[str, list[tuple[str, int]]] = {}
    if options.fuzzy:
        near = _near_words(searcher, parsed, text, unknown_only=False)
    query = _with_near_words(parsed, near)
    filters = _filters(searcher.schema, options, text)
    results = _run(searcher, query, filters, options)
    fuzzy_used = options.fuzzy
    suggestion = None
    if results.total == 0:
        # Suggestions cost a look through the vocabulary: only when nothing matched.
        unknown = _near_words(searcher, parsed, text, unknown_only=True)
        suggestion = _suggestion(searcher, text, unknown)
        if suggestion is not None and not options.fuzzy:
            # A word is unknown and near a known one: that is what the user meant.
            nearer = _with_near_words(parsed, unknown)
            found = _run(searcher, nearer, filters, options)
            if found.total:  # else (filters) the suggestion is shown as a suggestion
                near, query, results, fuzzy_used = unknown, nearer, found, True
    relaxed = False
    few = min(relax_below(options.page, options.limit), searcher.doc_count())
    if steps.relaxed is not None and results.total < few:
        wider = _with_near_words(_prepare(searcher, steps.relaxed, options, text, []), near)
        more = _run(searcher, wider, filters, options, first=results.all_docs)
        if more.total > results.total:
            query, results, relaxed = wider, more, True
    if fuzzy_used and not options.fuzzy and results.total:
        warnings.append(f"no exact matches; showing near spellings (did you mean {suggestion!r}?)")
    hits = tuple(_hits(searcher, results, query, ignore=steps.fillers))
    facets = _facets(searcher, query, filters) if options.facets else None
    return SearchResults(
        query=text,
        total=results.total,
        hits=hits,
        page=options.page,
        limit=options.limit,
        suggestion=suggestion,
        facets=facets,
        warnings=tuple(warnings),
        fuzzy=fuzzy_used,
        relaxed=relaxed,
    )


def _prepare(searcher: Any, q: Any, options: SearchOptions, text: str, warnings: list[str]) -> Any:
    """A planned query with its speaker restriction applied and its expansions bounded."""
    if options.speaker:
        clause = _field_parser(searcher.schema, "speaker").parse(options.speaker)
        q = wq.And([q, clause]).normalize()
    q = _restrict_to_speakers(q, searcher.reader(), warnings)
    return _bound_expansions(q, searcher.reader(), text, warnings)


def validate_query(text: str) -> None:
    """Reject what Whoosh would silently misread: unbalanced brackets or quotes, huge input."""
    if not text.strip():
        raise QueryError(text, "empty query")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters")
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


_parsers: dict[tuple[str, ...], Any] = {}


def _parser(schema: Any) -> MultifieldParser:
    # Building a parser costs more than a whole warm query: keep one per schema layout.
    key = tuple(schema.names())
    if key in _parsers:
        return _parsers[key]
    parser = MultifieldParser(
        list(SEARCH_FIELDS), schema, fieldboosts=SEARCH_FIELDS, group=AndGroup
    )
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DateParserPlugin(free=False))
    _parsers[key] = parser
    return parser


def _field_parser(schema: Any, field: str) -> QueryParser:
    key = (*schema.names(), "::", field)
    if key not in _parsers:
        _parsers[key] = QueryParser(field, schema, group=AndGroup)
    return _parsers[key]


@dataclass
class _Page:
    total: int
    docs: list[tuple[int, float]]
    matched: dict[int, set[tuple[str, bytes]]]
    # Body match spans already read for re-ranking, so snippets don't read them twice.
    chars: dict[int, list[Match]] = dataclasses.field(default_factory=dict)
    # Every matching episode, kept only when there are few (to rank them first if relaxed).
    all_docs: frozenset[int] = frozenset()


def _run(
    searcher: Any,
    query: Any,
    filters: Any,
    options: SearchOptions,
    first: frozenset[int] = frozenset(),
) -> _Page:
    """One page of ``query``'s matches; episodes in ``first`` (full matches) rank first."""
    sortedby = None
    if options.sort == "newest":
        sortedby = sorting.FieldFacet("day", reverse=True)
    elif options.sort == "oldest":
        # Undated episodes (day 0) go last here too.
        sortedby = sorting.TranslateFacet(_undated_last, sorting.FieldFacet("day"))
    needed = options.page * options.limit
    # limit=None collects every match in one pass, so the total is exact without running
    # the query a second time (Whoosh's len() on a limited result re-runs it).
    results = searcher.search(query, limit=None, filter=filters, sortedby=sortedby, terms=True)
    total = results.scored_length()
    start = (options.page - 1) * options.limit
    shape = _shape(query)
    # Proximity needs two things to bring together: two words, a word and a phrase, ...
    rerank = sortedby is None and RERANK_DEPTH > 0 and len(shape.loose) + len(shape.phrases) > 1
    depth = max(needed, RERANK_DEPTH) if rerank else needed
    if first:
        # Full matches may score below partial ones: fetch them wherever they rank.
        order = sorted(range(total), key=lambda i: results.docnum(i) not in first)[:depth]
    else:
        order = list(range(min(depth, total)))
    ranked = []
    for i in order:
        hit = results[i]
        terms = set(hit.matched_terms())
        ranked.append((hit.docnum, hit.score or 0.0, terms))
    chars: dict[int, list[Match]] = {}
    if rerank:
        ranked, chars = _rerank_by_proximity(searcher, ranked, shape, first)
    page = ranked[start:needed]
    return _Page(
        total=total,
        docs=[(d, score) for d, score, _ in page],
        matched={d: terms for d, _, terms in page},
        chars={d: chars[d] for d, _, _ in page if d in chars},
        all_docs=frozenset(results.docnum(i) for i in range(total))
        if total < relax_below(options.page, options.limit)
        else frozenset(),
    )


_Ranked = list[tuple[int, float, set[tuple[str, bytes]]]]


@dataclass(frozen=True)
class _Shape:
    """The body words of a query: exact phrases (as word tuples) and words on their own."""

    phrases: frozenset[tuple[str, ...]]
    loose: frozenset[str]


def _shape(query: Any) -> _Shape:
    phrases = set()
    for leaf in _leaves(query):
        if isinstance(leaf, wq.Phrase) and _is_body(leaf.fieldname) and leaf.slop == 1:
            phrases.add(tuple(_text(w) for w in leaf.words))
    loose = {_text(t) for f, t in query.iter_all_terms(phrases=False) if _is_body(f)}
    return _Shape(frozenset(phrases), frozenset(loose))


def _is_body(field: str) -> bool:
    return field == "body" or field.startswith(SAID_PREFIX)


def _rerank_by_proximity(
    searcher: Any, ranked: _Ranked, shape: _Shape, first: frozenset[int] = frozenset()
) -> tuple[_Ranked, dict[int, list[Match]]]:
    """Among the best ``RERANK_DEPTH``, add to each score how informative the query words
    it holds together are (see ``ranking.together_weight``).

    BM25 scores each word on its own; someone searching for a moment remembers words said
    in one breath. A title or summary holding several of the words counts as together too.
    Only the head is re-scored, and a bonus only raises a score, so the order past the head
    stays BM25's and paging stays stable (page 4 never reorders pages 1-3). Full matches
    (``first``) stay ahead of partial ones. Single-word queries are left as they are.
    """
    head = ranked[:RERANK_DEPTH]
    chars = _body_chars(searcher, {d: terms for d, _, terms in head}, shape)
    reader = searcher.reader()
    doc_count = searcher.doc_count()
    words = {_text(t) for _, _, terms in head for _, t in terms}
    weights = {
        w: ranking.informativeness(doc_count, reader.doc_frequency("body", w)) for w in words
    }
    query_words = len(shape.loose.union(*shape.phrases))

    def key(i: int) -> tuple[bool, float, int]:
        docnum, score, terms = head[i]
        per_field: dict[str, set[str]] = {}
        for f, t in terms:
            if f in _SHORT_FIELDS:
                per_field.setdefault(f, set()).add(_text(t))
        short = max(
            (
                ranking.together_share(sum(weights[t] for t in ts), len(ts), query_words)
                for ts in per_field.values()
            ),
            default=0.0,
        )
        near = max(short, ranking.together_weight(chars.get(docnum, []), weights, query_words))
        return (bool(first) and docnum not in first, -ranking.blended(score, near), i)

    order = sorted(range(len(head)), key=key)
    return [head[i] for i in order] + ranked[RERANK_DEPTH:], chars


def _undated_last(day: int) -> int:
    return day or 10**8


def _hits(
    searcher: Any, page: _Page, query: Any, ignore: frozenset[str] = frozenset()
) -> Iterable[Hit]:
    if not page.docs:
        return  # an empty index has no columns to open
    # Matched terms, not the query's: fuzzy and wildcard terms are known only after matching.
    query_terms = {
        _text(t) for f, t in query.iter_all_terms(phrases=True) if f in TEXT_FIELDS
    } - ignore
    chars = dict(page.chars)
    missing = {d: terms for d, terms in page.matched.items() if d not in chars}
    if missing:
        chars.update(_body_chars(searcher, missing, _shape(query)))
    if ignore:
        # Filler words score, and count in proximity (a remembered line holds "which" and
        # "would" too), but they are not what was looked for: no highlights.
        chars = {d: [m for m in ms if m.term not in ignore] for d, ms in chars.items()}
    bodies = searcher.reader().column_reader("body_text")
    for docnum, score in page.docs:
        fields = searcher.stored_fields(docnum)
        body = bodies[docnum].decode("utf-8")
        timing = Timing(fields["timing"]) if fields.get("timing") else None
        link_base = fields.get("media_url") or fields.get("url")
        snippets = build_snippets(body, chars.get(docnum, []), timing=timing, link_base=link_base)
        matched = {_text(t) for f, t in page.matched.get(docnum, ()) if f in TEXT_FIELDS} - ignore
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


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _body_chars(
    searcher: Any, matched: dict[int, set[tuple[str, bytes]]], shape: _Shape
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
            if _is_body(field):
                by_term.setdefault((field, btext), []).append(docnum)
    reader = searcher.reader()
    for (field, btext), docnums in by_term.items():
        text = _text(btext)
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


def _filters(schema: Any, options: SearchOptions, text: str) -> Any:
    parts = []
    for field, value in (("host", options.host), ("show", options.show)):
        if value:
            q = _field_parser(schema, field).parse(value)
            if q is wq.NullQuery:
                raise QueryError(
                    value, f"--{field} needs at least one word that is not a stop word"
                )
            parts.append(q)
    since, until = _date(options.since, "--since", text), _date(options.until, "--until", text)
    if since or until:
        end = dt.datetime.combine(until, dt.time.max) if until else None
        start = dt.datetime.combine(since, dt.time.min) if since else None
        parts.append(wq.DateRange("published", start, end))
    if options.episode:
        lo, hi = _episode_range(options.episode)
        parts.append(wq.NumericRange("episode", lo, hi))
    return wq.And(parts) if parts else None


def _date(value: str | None, option: str, text: str) -> dt.date | None:
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}", value):
            return dt.date(
                int(value), 1 if option == "--since" else 12, 1 if option == "--since" else 31
            )
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            y, m = map(int, value.split("-"))
            if option == "--since":
                return dt.date(y, m, 1)
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise QueryError(value, f"{option} takes a date like 2023, 2023-04 or 2023-04-30") from exc


def _episode_range(value: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"\s*(\d*)\s*(?:(\.\.|-)\s*(\d*))?\s*", value)
    if not m or not (m.group(1) or m.group(3)):
        raise QueryError(value, "--episode takes a number or a range like 10..20, 10.. or ..20")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else (None if m.group(2) else lo)
    return lo, hi


def _check_options(text: str, options: SearchOptions) -> None:
    if not 1 <= options.limit <= MAX_LIMIT:
        raise QueryError(text, f"limit must be between 1 and {MAX_LIMIT}")
    if options.page < 1:
        raise QueryError(text, "page must be 1 or more")
    if options.sort not in SORTS:
        raise QueryError(text, f"sort must be one of {', '.join(SORTS)}")
    if options.mode not in MODES:
        raise QueryError(text, f"mode must be one of {', '.join(MODES)}")


def _restrict_to_speakers(q: Any, reader: Any, warnings: list[str]) -> Any:
    """With ``speaker:NAME`` in the query, words match only what that speaker said.

    Body terms move to the speaker's ``said_*`` field; title/host/summary alternatives drop.
    """
    wanted: list[set[str]] = []
    for sub in _leaves(q):
        if getattr(sub, "fieldname", None) == "speaker":
            words = sub.words if isinstance(sub, wq.Phrase) else [_text(sub.text)]
            wanted.append({_text(w) for w in words})
    if not wanted:
        return q
    fields = [f for f in reader.indexed_field_names() if f.startswith(SAID_PREFIX)]
    chosen = [
        f
        for f in fields
        if all(words <= {stem(w) for w in f[len(SAID_PREFIX) :].split("_")} for words in wanted)
    ]
    if not chosen:
        warnings.append("no speaker by that name in the index")
        return wq.NullQuery

    def rewrite(sub: Any) -> Any:
        field = getattr(sub, "fieldname", None)
        if field == "body":
            copies = []
            for target in chosen:
                clone = copy.copy(sub)
                clone.fieldname = target
                copies.append(clone)
            return copies[0] if len(copies) == 1 else wq.Or(copies)
        if field in SEARCH_FIELDS:
            return wq.NullQuery
        if isinstance(sub, wq.CompoundQuery) or hasattr(sub, "child"):
            return sub.apply(rewrite)
        return sub

    return rewrite(q).normalize()


def _leaves(q: Any) -> Iterable[Any]:
    if q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _leaves(child)


def _normalise_terms(q: Any) -> Any:
    """Fuzzy terms are compared with stems, so stem them; prefixes only get lowercased."""
    if isinstance(q, wq.FuzzyTerm):
        q.text = stem(_text(q.text))
    elif isinstance(q, (wq.Prefix, wq.Wildcard)):
        q.text = normalise(_text(q.text))
    elif isinstance(q, wq.CompoundQuery) or hasattr(q, "child"):
        return q.apply(_normalise_terms)
    return q


def _bound_expansions(q: Any, reader: Any, text: str, warnings: list[str]) -> Any:
    """Replace a wildcard/fuzzy/prefix term that expands too far by its most frequent terms."""
    if isinstance(q, wq.MultiTerm):
        expanded = []
        for btext in q._btexts(reader):
            expanded.append(btext)
            if len(expanded) > 20 * MAX_EXPANSIONS:
                break
        if len(expanded) <= MAX_EXPANSIONS:
            return q
        fieldname = q.fieldname
        expanded.sort(key=lambda b: -reader.doc_frequency(fieldname, b))
        kept = expanded[:MAX_EXPANSIONS]
        warnings.append(
            f"{q} matches more than {MAX_EXPANSIONS} terms; searched the {MAX_EXPANSIONS} most common"
        )
        return wq.Or([wq.Term(fieldname, b.decode("utf-8")) for b in kept])
    if isinstance(q, wq.CompoundQuery) or hasattr(q, "child") or hasattr(q, "subqueries"):
        return q.apply(lambda c: _bound_expansions(c, reader, text, warnings))
    return q


# Near spellings weigh this much of an exact match, so exact matches rank first.
NEAR_BOOST = 0.5
_vocabularies: dict[tuple[Any, ...], typos.Vocabulary] = {}


def _vocabulary(searcher: Any) -> typos.Vocabulary:
    # Words this process indexed or saved tables hold: some may belong to another index,
    # which is why near words are kept only when their term is in this one.
    key = (saved_sources(), searcher.reader().doc_count_all())
    if key not in _vocabularies:
        _vocabularies.clear()
        _vocabularies[key] = typos.Vocabulary.of(known_words())
    return _vocabularies[key]


def _near_words(
    searcher: Any, q: Any, text: str, *, unknown_only: bool
) -> dict[str, list[tuple[str, int]]]:
    """For each word of the query (each unknown one with ``unknown_only``): its index term ->
    the real words of the text within its typo budget, as (word, distance), best first."""
    reader = searcher.reader()

    def frequency(term: str) -> int:
        return sum(reader.doc_frequency(f, term) for f in SEARCH_FIELDS)

    typed = {stem(w): normalise(w) for w in (m.group() for m in TOKEN_PATTERN.finditer(text))}
    out: dict[str, list[tuple[str, int]]] = {}
    seen = set()
    deadline = time.monotonic() + typos.NEAR_TIME_LIMIT
    for fieldname, btext in q.iter_all_terms():
        term = _text(btext)
        word = typed.get(term)
        if word is None or term in seen or not (fieldname in SEARCH_FIELDS or _is_body(fieldname)):
            continue
        seen.add(term)
        if unknown_only and frequency(term):
            continue
        found = []
        # One time budget for the whole query, however many words it has.
        left = max(0.0, deadline - time.monotonic())
        for near, distance in typos.near_words(word, _vocabulary(searcher), time_limit=left):
            if stem(near) != term and frequency(stem(near)):
                found.append((near, distance, frequency(stem(near))))
        found.sort(key=lambda f: (f[1], -f[2], f[0]))
        if found:
            out[term] = [(w, d) for w, d, _ in found[: typos.MAX_NEAR]]
    return out


def _with_near_words(q: Any, near: dict[str, list[tuple[str, int]]]) -> Any:
    """Each term with near words also matches them, at ``NEAR_BOOST`` of an exact match."""
    if not near:
        return q
    if isinstance(q, wq.Term) and not isinstance(q, wq.MultiTerm) and _text(q.text) in near:
        alternatives = {stem(w) for w, _ in near[_text(q.text)]}
        return wq.Or(
            [q]
            + [wq.Term(q.fieldname, t, boost=q.boost * NEAR_BOOST) for t in sorted(alternatives)]
        )
    if isinstance(q, wq.CompoundQuery) or hasattr(q, "child"):
        return q.apply(lambda c: _with_near_words(c, near))
    return q


def _suggestion(searcher: Any, text: str, unknown: dict[str, list[tuple[str, int]]]) -> str | None:
    """'Did you mean': the query as typed, each unknown word replaced by its nearest real word."""
    if not unknown:
        return None
    best = {term: _as_written(searcher, near[0][0]) for term, near in unknown.items()}

    def replace(m: re.Match[str]) -> str:
        return best.get(stem(m.group()), m.group())

    return TOKEN_PATTERN.sub(replace, text)


def _as_written(searcher: Any, word: str, episodes: int = 5) -> str:
    """``word`` if the text of an episode holding its term spells it so; else the nearest
    spelling of that term in the first few such episodes.

    Candidates come from every word this process knows; the text says which it really holds
    ("shells" where another index taught us "shell").
    """
    reader = searcher.reader()
    term = stem(word)
    if not reader.doc_frequency("body", term):
        return word
    matcher = reader.postings("body", term)
    bodies = reader.column_reader("body_text")
    forms: list[str] = []
    while matcher.is_active() and episodes > 0:
        body = bodies[matcher.id()].decode("utf-8")
        forms.extend(normalise(body[s:e]) for _, s, e in matcher.value_as("characters")[:50])
        if word in forms:
            return word
        matcher.next()
        episodes -= 1
    return min(forms, key=lambda f: (typos.damerau(word, f, 3), -forms.count(f), f), default=word)


def _facets(searcher: Any, query: Any, filters: Any) -> dict[str, dict[str, int]]:
    """Counts per host and show over the whole result set, not just this page."""
    facets = {"host": sorting.FieldFacet("host_key"), "show": sorting.FieldFacet("show_key")}
    results = searcher.search(
        query, limit=None, filter=filters, groupedby=facets, maptype=sorting.Count, scored=False
    )
    out: dict[str, dict[str, int]] = {}
    for name in facets:
        groups = results.groups(name)
        counts = {str(k): int(v) for k, v in groups.items() if k}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


__all__ = ["SORTS", "SearchOptions", "run_search", "stem", "validate_query"]
