"""The engine's read interface: one committed state of an index, in searchpod's own types.

Everything above the engine reads an index through ``Reader`` and the functions here, the
way httpx's client speaks to its transport: queries go in as opaque ``Query`` and ``Filter``
values made here, and what comes back is plain data — document numbers, scores, matched
``(field, term)`` pairs, character spans, stored fields, counts. No Whoosh object crosses
this module, and the types say so: ``Query`` is a ``NewType`` of ``object``, so code above
the engine (type-checked strictly) cannot call anything on one.

A ``Reader`` is valid only inside the block that lent it (``Index._read``): copy what you
need out of it before the block ends.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NewType, TypeVar, cast

from whoosh.columns import VarBytesColumn

from searchpod.engine import query as _q
from searchpod.engine.budget import (
    EXPANSION_BUDGET_S,
    MAX_EXPANSIONS,
    MAX_FUZZY_CHARS,
    MAX_FUZZY_EDITS,
    MAX_QUERY_EXPANSIONS,
    QUERY_BUDGET_S,
    Budget,
    OutOfTime,
    OverBudget,
    budgeted,
    checkpoint,
)
from searchpod.engine.collect import collect
from searchpod.engine.holdings import Holdings, holdings
from searchpod.engine.phrase import phrase_starts
from searchpod.engine.plan import plan as _plan
from searchpod.engine.query import (
    NO_SUCH_SPEAKER,
    Shape,
    body_field,
    term_text,
)
from searchpod.engine.scoring import lucene_idf
from searchpod.options import Mode, SearchOptions, Sort

#: A query built by the engine (``Reader.parse``, ``plan_query``, ``with_near_words``):
#: hand it back to the engine; it has no methods of use above it.
Query = NewType("Query", object)
#: A restriction of the documents a query may match (``Reader.filters``).
Filter = NewType("Filter", object)
#: A matched index term: (field name, term bytes).
Term = tuple[str, bytes]
#: (position, start character, end character) of one occurrence of a term in a body.
Span = tuple[int, int, int]
T = TypeVar("T")


@dataclass(frozen=True)
class QueryPlan:
    """The queries a search runs: ``strict`` first, ``relaxed`` (when not None) if it finds
    few; ``fillers`` are index terms that score but are not what is sought."""

    strict: Query
    relaxed: Query | None
    fillers: frozenset[str]


@dataclass(frozen=True)
class Ranked:
    """The matches of a query: how many, and the best of them in order."""

    total: int
    # The best ``depth``: (docnum, score, matched terms), best first.
    ranked: list[tuple[int, float, set[Term]]]
    # Every matching docnum, when fewer than ``keep_all_below`` matched (else empty).
    all_docs: frozenset[int]
    # Spans of a term in a document, when the scoring already read them (else None).
    known: Callable[[int, Term], list[Span] | None] | None = None
    # A term's postings in every document it matched, when the scoring read them (else None).
    postings: Callable[[Term], Postings | None] | None = None


class Postings:
    """One term's occurrences in some documents: how many at once (Whoosh's header of each
    value), where they start or their full spans only when asked (decoded in C, no tuple
    per occurrence for ``starts``)."""

    def __init__(self, format_: Any, values: dict[int, Any]) -> None:
        self._format = format_
        self._values = values
        self._starts = getattr(format_, "decode_starts", None)

    def __contains__(self, docnum: int) -> bool:
        return docnum in self._values

    def counts(self) -> dict[int, int]:
        """How many times the term occurs in each document read (Whoosh's header of each
        value, all read at once)."""
        every = getattr(self._format, "all_occurrences", None)
        if every is not None:
            return dict(zip(self._values, every(list(self._values.values())), strict=True))
        return {d: len(self.spans(d)) for d in self._values}

    def starts(self, docnum: int) -> list[int]:
        """Where each occurrence starts, in order (-1 for a stop term's)."""
        value = self._values.get(docnum)
        if value is None:
            return []
        if self._starts is not None:
            return self._starts(value)  # a new list each time
        return [s for _, s, _ in self.spans(docnum)]

    def bulk_starts(self, docnums: Sequence[int]) -> tuple[Any, Any] | None:
        """``starts`` of each of ``docnums`` (all read), one after another, as one numpy
        int64 array, and how many each has (an int64 array); None when this format or a
        value cannot be read that way (then read them one at a time)."""
        bulk = getattr(self._format, "bulk_starts", None)
        if bulk is None:
            return None
        return cast("tuple[Any, Any] | None", bulk(list(map(self._values.__getitem__, docnums))))

    def spans(self, docnum: int) -> list[Span]:
        """(position, start, end) of each occurrence, in order."""
        value = self._values.get(docnum)
        if value is None:
            return []
        return [(p, s, e) for p, s, e in self._format.decoder("characters")(value)]


class Reader:
    """One committed state of the index, read in searchpod's types (see the module)."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        self._reader = searcher.reader()

    # -- counts and stored documents ---------------------------------------------------

    def doc_count(self) -> int:
        """Live documents."""
        return int(self._searcher.doc_count())

    def doc_count_all(self) -> int:
        """Documents including deleted ones not yet merged away (changes with each commit)."""
        return int(self._reader.doc_count_all())

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents hold ``term`` (an index term) in ``field``."""
        return int(self._reader.doc_frequency(field, term))

    def is_current(self) -> bool:
        """Whether this state is still the index's last commit."""
        return bool(self._searcher.up_to_date())

    def docnum_of(self, episode_id: str) -> int | None:
        """The document number of the episode with this id, or None."""
        docnum = self._searcher.document_number(id=episode_id)
        return None if docnum is None else int(docnum)

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields of a document (plain values)."""
        return dict(self._searcher.stored_fields(docnum))

    def all_stored(self) -> Iterator[dict[str, Any]]:
        """The stored fields of every live document."""
        for fields in self._searcher.all_stored_fields():
            yield dict(fields)

    def documents(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(docnum, stored fields)`` of every live document."""
        for docnum, fields in self._reader.iter_docs():
            yield int(docnum), dict(fields)

    def passage_tables(self) -> Callable[[int], bytes | None]:
        """Each document's passage table (``indexing.passages``), by docnum.

        Each segment's column is read whole on first use and kept while the segment is
        open: a moments query of common words reads hundreds of tables, and Whoosh reads
        each with its own seek (~40 µs), after loading the column's offsets again."""
        parts = [(offset, _passage_column(sub.reader())) for sub, offset in self._leaves()]
        if len(parts) == 1:
            only = parts[0][1]
            return lambda docnum: only[docnum] or None
        starts = [offset for offset, _ in parts]

        def table(docnum: int) -> bytes | None:
            offset, column = parts[bisect_right(starts, docnum) - 1]
            return column[docnum - offset] or None

        return table

    def per_segment_tables(self, build: Callable[[list[bytes]], T]) -> list[tuple[int, T]]:
        """``build`` of each segment's passage tables (as ``passage_tables``, by the
        segment's own docnums; ``b""`` where there is none), with the docnum the segment
        starts at. Built once per segment and ``build``, and kept while the segment is open,
        as its tables are: what ``build`` makes must not change."""
        out = []
        for sub, offset in self._leaves():
            segment = sub.reader()
            kept = segment._perdoc.__dict__.setdefault("_searchpod_built", {})
            made = kept.get(build)
            if made is None:
                tables = _passage_column(segment)
                made = kept[build] = build([t or b"" for t in tables])
            out.append((offset, made))
        return out

    def _leaves(self) -> list[tuple[Any, int]]:
        return list(self._searcher.leaf_searchers())

    def live_docnums(self) -> Iterator[int]:
        """The document numbers of the live documents."""
        for docnum in self._reader.all_doc_ids():
            yield int(docnum)

    def days(self) -> Callable[[int], int]:
        """Each document's publication day (a proleptic ordinal; 0 when undated), by docnum."""
        column = self._reader.column_reader("day")
        return lambda docnum: int(column[docnum] or 0)

    def holdings(self) -> Holdings:
        """What filters can match: the live episodes' shows, hosts, speakers, dates, numbers."""
        return holdings(self._searcher)

    def body_text(self, docnum: int) -> str:
        """A document's body text, as indexed (character spans point into it)."""
        return str(self._reader.column_reader("body_text")[docnum].decode("utf-8"))

    def bodies(self) -> Callable[[int], str]:
        """``body_text`` for many documents, opening the column once."""
        column = self._reader.column_reader("body_text")
        return lambda docnum: str(column[docnum].decode("utf-8"))

    # -- queries ------------------------------------------------------------------------

    def parse(self, text: str, field: str | None = None) -> Query:
        """``text`` in the query language (searching ``field`` only, when given)."""
        return Query(_q.parse(self._searcher.schema, text, field=field))

    def filters(self, options: SearchOptions, text: str) -> Filter | None:
        """The restriction ``options`` put on any query (host, show, dates, episodes)."""
        found = _q.filters_for(self._searcher.schema, options, text)
        return None if found is None else Filter(found)

    def with_speaker(self, q: Query, speaker: str | None) -> Query:
        """``q`` with ``--speaker`` as a ``speaker:`` clause (``q`` itself without one)."""
        if speaker:
            return Query(_q.both(q, self.parse(speaker, field="speaker")))
        return q

    def prepare(self, q: Query, speaker: str | None, budget: Budget, warnings: list[str]) -> Query:
        """``q`` kept to episodes where ``speaker`` (when given, or named in the query) is
        heard, with its wildcard and fuzzy words expanded within ``budget`` (raises
        OverBudget). Which of their words that speaker said is told by their passages."""
        q = self.with_speaker(q, speaker)
        q = Query(_q.restrict_to_speakers(q, self._reader, warnings))
        return Query(_q.bound_expansions(q, self._reader, budget, warnings))

    def ranked(
        self,
        q: Query,
        filters: Filter | frozenset[int] | None,
        *,
        sort: Sort,
        depth: int,
        first: frozenset[int] = frozenset(),
        keep_all_below: int = 0,
        scored: bool = True,
    ) -> Ranked:
        """The best ``depth`` matches of ``q`` in ``sort`` order (episodes in ``first``
        ahead of the others), with the total and the matched terms of each. Not ``scored``
        (what matches, not how well: moments): when ``depth`` holds every match they may
        come in any order, with any scores."""
        sortedby = _q.sort_facet(sort)
        # Whoosh takes a set of docnums, not a frozenset.
        within: Any = set(filters) if isinstance(filters, frozenset) else filters
        if sortedby is None:
            bulk = collect(
                self._searcher,
                q,
                within,
                depth=depth,
                first=first,
                keep_all_below=keep_all_below,
                scored=scored,
            )
            if bulk is not None:
                return Ranked(
                    bulk.total, bulk.ranked, bulk.all_docs, bulk.characters, _postings_of(bulk)
                )
        # limit=None collects every match in one pass, so the total is exact without running
        # the query a second time (Whoosh's len() on a limited result re-runs it).
        results = self._searcher.search(
            budgeted(q), limit=None, filter=within, sortedby=sortedby, terms=True
        )
        total = results.scored_length()
        if first:
            # Full matches may score below partial ones: fetch them wherever they rank.
            order = sorted(range(total), key=lambda i: results.docnum(i) not in first)[:depth]
        else:
            order = list(range(min(depth, total)))
        ranked = []
        for i in order:
            hit = results[i]
            ranked.append((int(hit.docnum), float(hit.score or 0.0), set(hit.matched_terms())))
        all_docs = (
            frozenset(results.docnum(i) for i in range(total))
            if total < keep_all_below
            else frozenset()
        )
        return Ranked(total, ranked, all_docs)

    def scores(self, q: Query, docnums: Iterable[int]) -> dict[int, float]:
        """The relevance score of each of ``docnums`` for ``q`` (0 where it does not match)."""
        page = set(docnums)
        if not page:
            return {}
        bulk = collect(self._searcher, q, page, depth=len(page))
        if bulk is not None:  # reads only the posting blocks that hold these documents
            return {d: float(score) for d, score, _ in bulk.ranked}
        scored = self._searcher.search(budgeted(q), limit=None, filter=page)
        return {scored.docnum(i): float(scored.score(i)) for i in range(scored.scored_length())}

    def facets(self, q: Query, filters: Filter | None) -> dict[str, dict[str, int]]:
        """Counts per host and show over every match of ``q``."""
        return _q.facets_of(self._searcher, q, filters)

    # -- postings -------------------------------------------------------------------------

    def spans(self, term: Term, docnums: Iterable[int]) -> dict[int, list[Span]]:
        """Where ``term`` occurs in each of ``docnums`` that holds it (one pass, in order)."""
        return {
            docnum: [(p, s, e) for p, s, e in matcher.value_as("characters")]
            for docnum, matcher in self._matching(term, docnums)
        }

    def postings(self, term: Term, docnums: Iterable[int]) -> Postings:
        """``term``'s occurrences in each of ``docnums`` that holds it (one pass, in order)."""
        values = {docnum: matcher.value() for docnum, matcher in self._matching(term, docnums)}
        return Postings(self._searcher.schema[term[0]].format, values)

    def _matching(self, term: Term, docnums: Iterable[int]) -> Iterator[tuple[int, Any]]:
        """``term``'s matcher standing on each of ``docnums`` that holds it, in order."""
        field, btext = term
        matcher = self._reader.postings(field, btext)
        for docnum in sorted(docnums):
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if not matcher.is_active():
                return
            if matcher.id() == docnum:
                yield docnum, matcher

    def first_spans(
        self, field: str, term: str, documents: int
    ) -> Iterator[tuple[int, list[Span]]]:
        """The spans of ``term`` in the first ``documents`` documents holding it."""
        if not self._reader.doc_frequency(field, term):
            return
        matcher = self._reader.postings(field, term)
        while matcher.is_active() and documents > 0:
            yield int(matcher.id()), [(p, s, e) for p, s, e in matcher.value_as("characters")]
            matcher.next()
            documents -= 1


def _passage_column(segment: Any) -> list[bytes] | Any:
    """A segment's passage tables by its own docnums, kept on its per-document reader."""
    perdoc = segment._perdoc
    known = perdoc.__dict__.get("_searchpod_passages")
    if known is not None:
        return known
    count = segment.doc_count_all()
    if not perdoc.has_column("passages"):
        tables: list[bytes] | Any = [b""] * count
    else:
        column = perdoc.column_reader("passages", segment.schema["passages"].column_type)
        if type(column) is VarBytesColumn.Reader:
            # One read of the whole column, cut by its offsets.
            size = sum(column._lengths)
            raw = column._dbfile.get(column._basepos, size) if size else b""
            tables = [raw[o : o + n] for o, n in zip(column._offsets, column._lengths, strict=True)]
        else:
            tables = [column[d] for d in range(count)]
    perdoc.__dict__["_searchpod_passages"] = tables
    return tables


def _postings_of(bulk: Any) -> Callable[[Term], Postings | None]:
    def postings(term: Term) -> Postings | None:
        read = bulk.postings(term)
        return None if read is None else Postings(*read)

    return postings


# -- query values -----------------------------------------------------------------------


def plan_query(
    parsed: Query,
    fillers: frozenset[str],
    mode: Mode,
    *,
    word_fields: Iterable[str],
    repeats: dict[str, int] | None = None,
) -> QueryPlan:
    """Split a parsed query into required words, filler words, and its relaxed form
    (``repeats``: words said more than once in the query weigh that many times)."""
    made = _plan(parsed, fillers, mode, word_fields=word_fields, repeats=repeats)
    relaxed = None if made.relaxed is None else Query(made.relaxed)
    return QueryPlan(Query(made.strict), relaxed, made.fillers)


def with_near_words(q: Query, near: dict[str, list[str]], boost: float) -> Query:
    """``q`` with each index term in ``near`` also matching its near terms at ``boost``."""
    return Query(_q.with_near_words(q, near, boost))


def query_terms(q: Query, *, phrases: bool = True) -> list[Term]:
    """The (field, term) pairs ``q`` searches for (of phrases too, with ``phrases``)."""
    terms: Iterable[tuple[str, Any]] = cast(Any, q).iter_all_terms(phrases=phrases)
    return [(f, t if isinstance(t, bytes) else t.encode("utf-8")) for f, t in terms]


def speakers_asked(q: Query) -> list[frozenset[str]]:
    """The index terms of each name in the ``speaker:NAME`` clauses of ``q``."""
    return _q.speakers_asked(q)


def shape_of(q: Query) -> Shape:
    """The body words of ``q``: exact phrases and words on their own."""
    return _q.shape_of(q)


__all__ = [
    "EXPANSION_BUDGET_S",
    "MAX_EXPANSIONS",
    "MAX_FUZZY_CHARS",
    "MAX_FUZZY_EDITS",
    "MAX_QUERY_EXPANSIONS",
    "NO_SUCH_SPEAKER",
    "QUERY_BUDGET_S",
    "Budget",
    "Filter",
    "Holdings",
    "OutOfTime",
    "OverBudget",
    "Postings",
    "Query",
    "QueryPlan",
    "Ranked",
    "Reader",
    "Shape",
    "Span",
    "Term",
    "body_field",
    "budgeted",
    "checkpoint",
    "lucene_idf",
    "phrase_starts",
    "plan_query",
    "query_terms",
    "shape_of",
    "speakers_asked",
    "term_text",
    "with_near_words",
]
