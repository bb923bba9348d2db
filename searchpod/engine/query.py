"""Whoosh queries for searchpod: parse, bound, rewrite, filter, sort and facet.

``searchpod.query.search`` decides what a search means (options, ranking, snippets); this module
builds and inspects the Whoosh query trees that carry it out, within a budget of work.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
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
    PhrasePlugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.dateparse import DateParserPlugin, DateRangeNode, English
from whoosh.support.levenshtein import distance as levenshtein

# The budget's names stay importable from here, where the engine's callers found them.
from searchpod.engine.budget import (
    EXPANSION_BUDGET_S,  # noqa: F401
    MAX_EXPANSIONS,
    MAX_FUZZY_CHARS,
    MAX_FUZZY_EDITS,
    MAX_QUERY_EXPANSIONS,  # noqa: F401
    Budget,
    OverBudget,
    budgeted,
    checkpoint,
)
from searchpod.engine.phrase import QuotedPhrasePlugin, exact_phrases
from searchpod.errors import OptionError, QueryError
from searchpod.fields import SEARCH_FIELDS
from searchpod.options import EPISODE_MAX, SearchOptions, Sort
from searchpod.text.analysis import is_stop_term, normalise, stem


def parse(schema: Any, text: str, field: str | None = None) -> Any:
    """The Whoosh query for ``text``; anything the parser chokes on is a QueryError."""
    try:
        parser = _field_parser(schema, field) if field else _parser(schema)
        parsed = parser.parse(text)
    except QueryError:
        raise
    except Exception as exc:
        # Whoosh's parser and date plugin raise bare Exception, IndexError, ... on input
        # like "published:>&" or "NOT NOT x".
        reason = str(exc) if type(exc) is Exception and str(exc) else "cannot be parsed"
        raise QueryError(text, reason) from exc
    return exact_phrases(_normalise_terms(_every_document(parsed)))


# Fields some episodes lack: ``field:*`` on them is the episodes that have one.
_SOMETIMES_FIELDS = frozenset({"host", "show", "speaker", "published"})


def _every_document(q: Any) -> Any:
    """``*`` and ``body:*`` match every episode: Whoosh's per-field form walks every posting.

    ``host:*``, ``show:*``, ``speaker:*``, ``published:*`` keep the per-field form: the
    episodes that have one (those fields hold few postings).
    """
    if isinstance(q, wq.Every) or (isinstance(q, wq.Prefix) and not q.text):
        field = getattr(q, "fieldname", None)
        if field in _SOMETIMES_FIELDS:
            return wq.Every(field, boost=q.boost)
        return wq.Every(boost=q.boost)
    if not q.is_leaf():  # NOT too (it has no ``child``): ``NOT *`` walked every posting
        return q.apply(_every_document)
    return q


_parsers: dict[tuple[str, ...], Any] = {}


def _parser(schema: Any) -> MultifieldParser:
    # Building a parser costs more than a whole warm query: keep one per schema layout.
    key = tuple(schema.names())
    if key in _parsers:
        return _parsers[key]
    parser = MultifieldParser(
        list(SEARCH_FIELDS), schema, fieldboosts=SEARCH_FIELDS, group=AndGroup
    )
    _quote_as_said(parser)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(_DatesPlugin(dateparser=_LazyEnglish(), free=False))
    _parsers[key] = parser
    return parser


class _LazyEnglish:
    """Whoosh's English date grammar, built on the first query that names a date field.

    Building it compiles ~60 regular expressions: a third of a cold rare-word search's own
    work, for a grammar most queries never use.
    """

    _built: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            self._built = English()
        return getattr(self._built, name)


class _DatesPlugin(DateParserPlugin):
    """Whoosh's date parsing, except that ``published:*`` stays a wildcard (the episodes that
    have a date) instead of an unparseable date, which matched nothing."""

    def text_to_dt(self, node: Any) -> Any:
        if getattr(node, "text", None) == "*":
            has = _HasValue(node.fieldname, node.boost)
            has.startchar, has.endchar = node.startchar, node.endchar
            return has
        return super().text_to_dt(node)

    def range_to_dt(self, node: Any) -> Any:
        """ISO dates in ranges at their own precision: Whoosh's English grammar read
        ``published:<2021-05-18`` and ``[2021-05-18 TO 2021-06-01]`` as the whole year 2021.
        ``<`` and ``>`` leave out the date itself; other words go to the English grammar."""
        ends = (node.start, node.end)
        spans = [None if text is None else _iso_span(text) for text in ends]
        if any(text is not None and span is None for text, span in zip(ends, spans, strict=True)):
            return super().range_to_dt(node)
        tick = dt.timedelta(microseconds=1)
        start = end = None
        if spans[0] is not None:
            start = spans[0][1] + tick if node.startexcl else spans[0][0]
        if spans[1] is not None:
            end = spans[1][0] - tick if node.endexcl else spans[1][1]
        found = DateRangeNode(node.fieldname, start, end, boost=node.boost)
        found.startchar, found.endchar = node.startchar, node.endchar
        return found


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _iso_span(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last moment of the year, month or day ``text`` names (``2021``,
    ``2021-05``, ``2021-05-18``); None when it is not such a date."""
    m = _ISO_DATE.fullmatch(text.strip())
    if m is None:
        return None
    year_text, month_text, day_text = m.groups()
    year, month = int(year_text), int(month_text or 0)
    try:
        if day_text is not None:
            first = dt.datetime(year, month, int(day_text))
            after = first + dt.timedelta(days=1)
        elif month_text is not None:
            first = dt.datetime(year, month, 1)
            after = dt.datetime(year + month // 12, month % 12 + 1, 1)
        else:
            first, after = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    except (ValueError, OverflowError):
        return None  # "2021-13": the English grammar says why it is not a date
    return first, after - dt.timedelta(microseconds=1)


class _HasValue(syntax.SyntaxNode):
    """``field:*`` on a field that parses its own text (dates): the episodes with a value."""

    has_fieldname = True
    has_boost = True

    def __init__(self, fieldname: str | None, boost: float = 1.0) -> None:
        self.fieldname = fieldname
        self.boost = boost

    def r(self) -> str:
        return f"{self.fieldname}:*"

    def query(self, parser: Any) -> Any:
        return wq.Every(self.fieldname or parser.fieldname, boost=self.boost)


def _field_parser(schema: Any, field: str) -> QueryParser:
    key = (*schema.names(), "::", field)
    if key not in _parsers:
        parser = QueryParser(field, schema, group=AndGroup)
        _quote_as_said(parser)
        _parsers[key] = parser
    return _parsers[key]


def _quote_as_said(parser: Any) -> None:
    """Quoted phrases keep their stop words: "into this" is those two words, in order."""
    parser.remove_plugin_class(PhrasePlugin)
    parser.add_plugin(QuotedPhrasePlugin())


@dataclass(frozen=True)
class Shape:
    """The body words of a query: exact phrases (as word tuples) and words on their own."""

    phrases: frozenset[tuple[str, ...]]
    loose: frozenset[str]


def shape_of(query: Any) -> Shape:
    phrases = set()
    for leaf in leaves(query):
        if isinstance(leaf, wq.Phrase) and body_field(leaf.fieldname) and leaf.slop == 1:
            phrases.add(tuple(term_text(w) for w in leaf.words))
    loose = {term_text(t) for f, t in query.iter_all_terms(phrases=False) if body_field(f)}
    return Shape(frozenset(phrases), frozenset(loose))


def body_field(field: str) -> bool:
    return field == "body"


def _undated_last(day: int) -> int:
    return day or 10**8


def term_text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def filters_for(schema: Any, options: SearchOptions, text: str) -> Any:
    parts = []
    for field, value in (("host", options.host), ("show", options.show)):
        if value:
            q = parse(schema, value, field=field)
            if q is wq.NullQuery:
                raise OptionError(field, value, "needs at least one word that is not a stop word")
            parts.append(q)
    since, until = options.since, options.until
    if since or until:
        end = dt.datetime.combine(until, dt.time.max) if until else None
        start = dt.datetime.combine(since, dt.time.min) if since else None
        parts.append(wq.DateRange("published", start, end))
    if options.episodes is not None:
        lo = min(options.episodes.start, EPISODE_MAX)
        hi = min(options.episodes.stop - 1, EPISODE_MAX)
        parts.append(wq.NumericRange("episode", lo, hi))
    return wq.And(parts) if parts else None


NO_SUCH_SPEAKER = "no speaker by that name in the index"


def speakers_asked(q: Any) -> list[frozenset[str]]:
    """The index terms of each name in ``speaker:NAME`` clauses of ``q`` (QueryError for a
    pattern or a range)."""
    wanted: list[frozenset[str]] = []
    for sub in leaves(q):
        if getattr(sub, "fieldname", None) == "speaker" and not isinstance(sub, wq.Every):
            if not isinstance(sub, (wq.Term, wq.Phrase)) or isinstance(sub, wq.MultiTerm):
                raise QueryError(str(sub), "speaker: takes a name, not a pattern or a range")
            words = sub.words if isinstance(sub, wq.Phrase) else [term_text(sub.text)]
            wanted.append(frozenset(term_text(w) for w in words if not is_stop_term(w)))
    return wanted


def restrict_to_speakers(q: Any, reader: Any, warnings: list[str]) -> Any:
    """With ``speaker:NAME`` in the query, words match only what that speaker said.

    Here: title/host/summary alternatives drop, and an unknown name matches nothing. The
    ``speaker:`` clause keeps to episodes where the name is heard; which of their words that
    speaker said is told by their passages (``searchpod.query.search``).
    """
    wanted = speakers_asked(q)
    if not wanted:
        return q
    if not all(all(reader.doc_frequency("speaker", w) for w in words) for words in wanted):
        warnings.append(NO_SUCH_SPEAKER)
        return wq.NullQuery

    def rewrite(sub: Any) -> Any:
        field = getattr(sub, "fieldname", None)
        if field in SEARCH_FIELDS and field != "body":
            return wq.NullQuery
        if isinstance(sub, wq.CompoundQuery) or hasattr(sub, "child"):
            return sub.apply(rewrite)
        return sub

    return rewrite(q).normalize()


def leaves(q: Any) -> Iterable[Any]:
    """The leaf queries (terms, phrases, ranges, ...) of a query tree."""
    if q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from leaves(child)


def _normalise_terms(q: Any) -> Any:
    """Fuzzy terms are compared with stems, so stem them; prefixes only get lowercased."""
    if isinstance(q, wq.FuzzyTerm):
        q.text = stem(term_text(q.text))
    elif isinstance(q, (wq.Prefix, wq.Wildcard)):
        q.text = normalise(term_text(q.text))
    elif not q.is_leaf():  # NOT too
        return q.apply(_normalise_terms)
    return q


def bound_expansions(q: Any, reader: Any, budget: Budget, warnings: list[str]) -> Any:
    """Replace a wildcard/fuzzy/prefix term by the terms it expands to, bounded in number
    (its most frequent ones) and by the query's budget of terms and time.

    A word is expanded once per query, here: what matching, facets and the relevance of a
    sorted page read afterwards is the list found here (``_Found``), not the vocabulary
    walked again for every segment and every pass.
    """
    if isinstance(q, wq.MultiTerm) and not isinstance(q, _Found):
        if isinstance(q, wq.FuzzyTerm) and len(term_text(q.text)) > MAX_FUZZY_CHARS:
            warnings.append(f"{term_text(q.text)[:20]}…: words this long are matched exactly")
            return wq.Term(q.fieldname, term_text(q.text), boost=q.boost)
        if isinstance(q, wq.FuzzyTerm) and q.maxdist > MAX_FUZZY_EDITS:
            warnings.append(
                f"{term_text(q.text)}~{q.maxdist}: near spellings are at most "
                f"{MAX_FUZZY_EDITS} edits away; searched {term_text(q.text)}~{MAX_FUZZY_EDITS}"
            )
            q = copy.copy(q)
            q.maxdist = MAX_FUZZY_EDITS
        if isinstance(q, wq.FuzzyTerm) and q.prefixlength > len(term_text(q.text)):
            # ``a~0/2``: Whoosh's automaton indexes past the word's end.
            q = copy.copy(q)
            q.prefixlength = len(term_text(q.text))
        if budget.spent() or budget.terms <= 0:
            raise OverBudget
        fieldname = q.fieldname
        expanded = budget.expansions.get(q)
        if expanded is None:
            expanded = budget.expansions[q] = _expand(q, reader, budget)
        truncated = budget.exhausted or len(expanded) > budget.terms
        if len(expanded) <= MAX_EXPANSIONS and not truncated:
            budget.terms -= len(expanded)
            # Whoosh's own matching of the word (its scoring), on the terms found here.
            return _Found(q, expanded)
        if len(expanded) > MAX_EXPANSIONS:
            frequency = {}
            for i, b in enumerate(expanded):
                if i % 256 == 0:
                    checkpoint()  # up to 5,120 lookups
                frequency[b] = reader.doc_frequency(fieldname, b)
            expanded = sorted(expanded, key=lambda b: -frequency[b])
            warnings.append(
                f"{q} matches more than {MAX_EXPANSIONS} terms; "
                f"searched the {MAX_EXPANSIONS} most common"
            )
        kept = expanded[: min(MAX_EXPANSIONS, budget.terms)]
        budget.terms -= len(kept)
        if not kept:
            return wq.NullQuery
        terms = [_Expanded(fieldname, b.decode("utf-8"), boost=q.boost) for b in kept]
        return terms[0] if len(terms) == 1 else wq.Or(terms)
    if not q.is_leaf():  # NOT too: a fuzzy word under it was expanded without bound
        return q.apply(lambda c: bound_expansions(c, reader, budget, warnings))
    return q


def _expand(q: Any, reader: Any, budget: Budget) -> list[bytes]:
    """The index terms ``q`` matches (at most ``20 * MAX_EXPANSIONS``), as far as the
    expansion budget reaches."""
    cap = min(20 * MAX_EXPANSIONS, budget.terms)
    expanded: list[bytes] = []
    if isinstance(q, wq.FuzzyTerm) and not reader.is_atomic():
        found: Iterable[str | bytes] = _near_terms(q, reader, budget)
    else:
        found = q._btexts(reader)
    for term in found:
        if is_stop_term(term):
            continue  # stop words match only inside quotes, never as an expansion
        # terms_within (fuzzy) gives text, the others bytes.
        expanded.append(term.encode("utf-8") if isinstance(term, str) else term)
        if len(expanded) > cap or budget.spent():
            break
    return expanded


def _near_terms(q: Any, reader: Any, budget: Budget) -> Iterable[str]:
    """Whoosh's ``terms_within`` for an index of several segments: each word sharing the
    fuzzy word's prefix compared with it, but stopping when the expansion budget is spent
    (Whoosh's loop yields only the words that match, so it could not be stopped)."""
    field = reader.schema[q.fieldname]
    text = term_text(q.text)
    shortest, longest = len(text) - q.maxdist, len(text) + q.maxdist
    for i, btext in enumerate(reader.expand_prefix(q.fieldname, text[: q.prefixlength])):
        if i % 256 == 255 and budget.spent():
            return
        word = field.from_bytes(btext)
        # Each edit changes the length by one at most: most words are too long or short.
        if shortest <= len(word) <= longest and levenshtein(word, text, q.maxdist) <= q.maxdist:
            yield word


class _Found(wq.MultiTerm):
    """A wildcard, prefix, fuzzy word or term range with the terms ``bound_expansions``
    found for it: matched, scored and shown as the word itself, from that list.

    Whoosh expands a pattern again each time it builds a matcher — per segment, for the
    collector, the facets and the relevance of a sorted page — each time walking the
    vocabulary (for a fuzzy word, through an automaton that grows exponentially with its
    edit distance: 68 s of ``community~9``'s 118 were spent re-estimating its size).
    """

    def __init__(self, original: Any, btexts: Iterable[bytes]) -> None:
        self.original = original
        self.fieldname = original.fieldname
        # A term range has no text of its own (``[0 TO 9]``): its bounds are its words.
        self.text = getattr(original, "text", None) or ""
        self.boost = original.boost
        self.constantscore = original.constantscore
        self.startchar = getattr(original, "startchar", None)
        self.endchar = getattr(original, "endchar", None)
        self.btexts = tuple(btexts)

    def _btexts(self, reader: Any) -> list[bytes]:
        # Called as each segment's matcher tree is built: one term matcher per term follows.
        checkpoint()
        fieldname = self.fieldname
        return [b for b in self.btexts if (fieldname, b) in reader]

    def has_terms(self) -> bool:
        return bool(self.original.has_terms())

    def terms(self, phrases: bool = False) -> Any:
        return self.original.terms(phrases)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is _Found
            and other.original == self.original
            and other.btexts == self.btexts
            and other.boost == self.boost
        )

    def __hash__(self) -> int:
        return hash(self.original) ^ hash(self.btexts)

    def __str__(self) -> str:
        return str(self.original)

    def __repr__(self) -> str:
        return f"_Found({self.original!r}, {len(self.btexts)} terms)"


class _Expanded(wq.Term):
    """A term a wildcard, prefix or fuzzy word expanded to: never made fuzzy again."""


def with_near_words(q: Any, near: dict[str, list[str]], boost: float) -> Any:
    """Each plain term in ``near`` also matches its near terms, at ``boost`` of an exact match
    (scored as the best of them)."""
    if not near:
        return q
    if isinstance(q, (_Expanded, wq.MultiTerm)):
        return q
    if isinstance(q, wq.Term):
        if q.fieldname not in SEARCH_FIELDS and not body_field(q.fieldname):
            return q  # numbers, dates, ids: their terms are not words
        alternatives = near.get(term_text(q.text))
        if not alternatives:
            return q
        # The best of the word and its near spellings, not their sum: an episode holding
        # the word as typed scores as it would without them, so asking never costs it.
        near_terms = [wq.Term(q.fieldname, t, boost=q.boost * boost) for t in alternatives]
        return wq.DisjunctionMax([q, *near_terms])
    if isinstance(q, wq.CompoundQuery) or hasattr(q, "child"):
        return q.apply(lambda c: with_near_words(c, near, boost))
    return q


def facets_of(searcher: Any, query: Any, filters: Any) -> dict[str, dict[str, int]]:
    """Counts per host and show over the whole result set, not just this page."""
    facets = {"host": sorting.FieldFacet("host_key"), "show": sorting.FieldFacet("show_key")}
    results = searcher.search(
        budgeted(query),
        limit=None,
        filter=filters,
        groupedby=facets,
        maptype=sorting.Count,
        scored=False,
    )
    out: dict[str, dict[str, int]] = {}
    for name in facets:
        groups = results.groups(name)
        counts = {str(k): int(v) for k, v in groups.items() if k}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def both(a: Any, b: Any) -> Any:
    """Documents matching ``a`` and ``b``."""
    return wq.And([a, b]).normalize()


def sort_facet(sort: Sort) -> Any:
    """Whoosh's sort key for ``sort`` (None: by relevance)."""
    if sort is Sort.NEWEST:
        return sorting.FieldFacet("day", reverse=True)
    if sort is Sort.OLDEST:
        # Undated episodes (day 0) go last here too.
        return sorting.TranslateFacet(_undated_last, sorting.FieldFacet("day"))
    return None
