"""Every match of a query scored in bulk: the totals, order and scores of Whoosh's collector.

A search must score every match (an exact total, then the best ``depth`` re-ranked).
Whoosh's collector walks its matcher tree one document at a time, ~40 µs of Python per
matching episode: a word said in every episode costs a few thousand steps. Here the same
matcher tree Whoosh builds for each segment is read instead of stepped: each term's
postings are scored a block at a time with its own BM25F scorer's figures, and the tree's
unions and intersections combine them as dictionaries, adding scores in the order its
matchers add them. Scores are bit-identical; ties are broken by document number, as
Whoosh's ``UnlimitedCollector`` does. An intersection reads its rarer side first, and of
the other only the blocks that may hold those documents (a block's header gives its last
one). The postings' values (character spans) are kept, so the re-rank and the snippets of
the best matches do not read those blocks again.

Only matcher trees made of the kinds understood here are answered (terms, boosts, ``Every``,
unions, intersections, deleted documents left out); for anything else (phrases, ranges,
a Not, huge ORs, a custom scorer) :func:`collect` returns None and the caller runs Whoosh.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import pickle
import zlib
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching import (
    FilterMatcher,
    IntersectionMatcher,
    ListMatcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from searchpod.engine.budget import checkpoint
from searchpod.engine.codec import _InlinedMatcher

# Off only in tests, to compare with Whoosh's own collector.
ENABLED = True
# Searches answered here (tests count it: the fast path must really be taken).
answered = 0

_Terms = set[tuple[str, bytes]]


@dataclass(frozen=True)
class Collected:
    """What a search needs of all its matches."""

    total: int
    # The best ``depth`` as (docnum, score, matched (field, term) pairs), best first.
    ranked: list[tuple[int, float, _Terms]]
    # Every matching docnum, when fewer than ``keep_all_below`` matched (else empty).
    all_docs: frozenset[int]
    # (field, term) -> segment offset -> (format, docnums, posting values), as read.
    values: dict[tuple[str, bytes], dict[int, tuple[Any, list[int], Any]]] = dataclasses.field(
        default_factory=dict
    )

    def characters(self, docnum: int, term: tuple[str, bytes]) -> list[Any] | None:
        """The (position, start, end) spans of ``term`` in document ``docnum``, from the
        postings already read; None when they were not read here."""
        for offset, (format_, ids, values) in self.values.get(term, {}).items():
            local = docnum - offset
            i = bisect.bisect_left(ids, local)
            if i < len(ids) and ids[i] == local:
                return format_.decoder("characters")(values[i])
        return None

    def postings(self, term: tuple[str, bytes]) -> tuple[Any, dict[int, Any]] | None:
        """``term``'s postings format and its value in each document read here (every
        document it matched), by docnum; None when its postings were not read here."""
        read = self.values.get(term)
        if not read:
            return None
        out: dict[int, Any] = {}
        for offset, (_, ids, values) in read.items():
            out.update(zip([i + offset for i in ids] if offset else ids, values, strict=True))
        return next(iter(read.values()))[0], out


class _Unsupported(Exception):
    """A matcher this module does not score: Whoosh's collector answers instead."""


def collect(
    searcher: Any,
    query: Any,
    filters: Any,
    *,
    depth: int,
    first: frozenset[int] = frozenset(),
    keep_all_below: int = 0,
    scored: bool = True,
) -> Collected | None:
    """Score every match of ``query`` within ``filters`` (a Whoosh query, a set of docnums
    or None).

    ``ranked`` holds the best ``depth`` in Whoosh's order (score, then docnum), episodes in
    ``first`` ahead of the others. None when the query has a shape not handled here.
    Not ``scored``: every match is found (with its terms and postings) but not scored, and
    when ``depth`` holds them all, ``ranked`` is in no particular order, each scoring 0.
    """
    global answered
    if not ENABLED or searcher.weighting.use_final:
        return None
    # The context Whoosh's TermsCollector searches with: it needs the current match, which
    # makes every OR a tree of unions (never the preloading array matcher).
    context = searcher.context(needs_current=True)
    scores: dict[int, float] = {}
    segments: list[tuple[int, list[tuple[tuple[str, bytes], dict[int, float]]]]] = []
    values: dict[tuple[str, bytes], dict[int, tuple[Any, list[int], Any]]] = {}
    allowed = searcher._filter_to_comb(filters) if filters is not None else None
    # Sorted once, and sliced per segment (a filter may hold every episode of the index).
    allowed_sorted = sorted(allowed) if allowed is not None else []
    try:
        for subsearcher, offset in searcher.leaf_searchers():
            checkpoint()
            matcher = query.matcher(subsearcher, context)
            leaves: list[tuple[tuple[str, bytes], dict[int, float]]] = []
            reader = subsearcher.reader()
            scorer = _Scorer(reader, leaves, scored)
            wanted = None
            if allowed is not None:
                lo = bisect.bisect_left(allowed_sorted, offset)
                hi = bisect.bisect_left(allowed_sorted, offset + reader.doc_count_all())
                wanted = [d - offset for d in allowed_sorted[lo:hi]]
            found = scorer.scores(matcher, in_union=False, wanted=wanted)
            for term, read in scorer.values.items():
                values.setdefault(term, {})[offset] = read
            if offset:
                scores.update({d + offset: s for d, s in found.items()})
            else:
                scores.update(found)
            segments.append((offset, leaves))
    except _Unsupported:
        return None
    if allowed is not None:
        scores = {d: s for d, s in scores.items() if d in allowed}
    answered += 1
    best = _best(scores, depth, first) if scored or depth < len(scores) else list(scores.items())
    offsets = [offset for offset, _ in segments]
    ranked = []
    for docnum, score in best:
        offset, leaves = segments[bisect.bisect_right(offsets, docnum) - 1]
        local = docnum - offset
        terms = {term for term, docs in leaves if local in docs}
        ranked.append((docnum, score, terms))
    total = len(scores)
    return Collected(
        total=total,
        ranked=ranked,
        all_docs=frozenset(scores) if total < keep_all_below else frozenset(),
        values=values,
    )


def _best(scores: dict[int, float], depth: int, first: frozenset[int]) -> list[tuple[int, float]]:
    if depth <= 0:
        return []
    if first:
        return heapq.nsmallest(
            depth, scores.items(), key=lambda item: (item[0] not in first, 0 - item[1], item[0])
        )
    if len(scores) > depth:
        # The depth-th best score, then every document scoring at least that (ties included).
        floor = heapq.nlargest(depth, scores.values())[-1]
        candidates = [(d, s) for d, s in scores.items() if s >= floor]
    else:
        candidates = list(scores.items())
    candidates.sort(key=lambda item: (0 - item[1], item[0]))
    return candidates[:depth]


_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]
# ``K1 * ((1 - B) + B * fl / avgfl)`` for each length byte, per (K1, B, avgfl): a field's
# figures change only with the index, so a handful are kept.
_NORMS: dict[tuple[float, float, float], list[float | None]] = {}


def _norms(K1: float, B: float, avgfl: float) -> list[float | None]:
    key = (K1, B, avgfl)
    norms = _NORMS.get(key)
    if norms is None:
        if len(_NORMS) >= 64:
            _NORMS.clear()
        norms = [K1 * ((1 - B) + B * _BYTE_LENGTHS[b] / avgfl) if b else None for b in range(256)]
        _NORMS[key] = norms
    return norms


class _Scorer:
    """Scores one segment's matcher tree; records each term matcher's documents in ``leaves``."""

    def __init__(
        self,
        reader: Any,
        leaves: list[tuple[tuple[str, bytes], dict[int, float]]],
        scored: bool = True,
    ):
        self.reader = reader
        self.leaves = leaves
        # Not scored: every leaf's documents score 0 (what matches, not how well).
        self.scored = scored
        # Posting values of the terms whose format has character spans (for snippets).
        self.values: dict[tuple[str, bytes], tuple[Any, list[int], Any]] = {}

    def scores(self, m: Any, *, in_union: bool, wanted: list[int] | None) -> dict[int, float]:
        """Each document's score under matcher ``m``: at least those of ``wanted`` (sorted
        docnums; None for all), perhaps more (postings are read a block at a time)."""
        kind = type(m)
        if kind is W3LeafMatcher or kind is _InlinedMatcher or kind is ListMatcher:
            return self._leaf(m, wanted)
        if kind is NullMatcherClass:
            return {}
        if kind is WrappingMatcher:
            child = self.scores(m.child, in_union=in_union, wanted=wanted)
            boost = m.boost
            if boost == 1.0 or not self.scored:
                return child
            return {d: s * boost for d, s in child.items()}
        if kind is FilterMatcher:
            # Whoosh's reader wraps a term's postings so deleted documents are left out.
            if not m._exclude or m.boost != 1.0:
                raise _Unsupported
            child = self.scores(m.child, in_union=in_union, wanted=wanted)
            excluded = m._ids
            return {d: s for d, s in child.items() if d not in excluded}
        if kind is UnionMatcher:
            a = self.scores(m.a, in_union=True, wanted=wanted)
            b = self.scores(m.b, in_union=True, wanted=wanted)
            if not self.scored:
                return a | b
            # Copy the larger side, add the smaller in: a's score first, as Whoosh adds.
            if len(b) >= len(a):
                out = dict(b)
                for d, s in a.items():
                    out[d] = s + b[d] if d in b else s
            else:
                out = dict(a)
                for d, s in b.items():
                    out[d] = a[d] + s if d in a else s
            return out
        if kind is IntersectionMatcher:
            if in_union:
                # Which terms Whoosh reports for a document then depends on where an
                # exhausted intersection left its matchers: not reproduced here.
                raise _Unsupported
            # The rarer side first: of the other, only blocks that may hold its documents.
            if self._size(m.b) < self._size(m.a):
                mark = len(self.leaves)
                b = self.scores(m.b, in_union=False, wanted=wanted)
                split = len(self.leaves)
                a = self.scores(m.a, in_union=False, wanted=sorted(b))
                # Terms in the tree's order, as Whoosh lists them: the same set, iterated
                # the same way (snippets take matches in that order).
                self.leaves[mark:] = self.leaves[split:] + self.leaves[mark:split]
                return {d: a[d] + s for d, s in b.items() if d in a}
            a = self.scores(m.a, in_union=False, wanted=wanted)
            b = self.scores(m.b, in_union=False, wanted=sorted(a))
            return {d: s + b[d] for d, s in a.items() if d in b}
        raise _Unsupported

    def _size(self, m: Any) -> int:
        """About how many documents ``m`` matches (no more than it can)."""
        kind = type(m)
        if kind is W3LeafMatcher:
            return int(self.reader.doc_frequency(*m.term()))
        if kind is _InlinedMatcher or kind is ListMatcher:
            return len(m._ids)
        if kind is WrappingMatcher or kind is FilterMatcher:
            return self._size(m.child)
        if kind is UnionMatcher:
            return self._size(m.a) + self._size(m.b)
        if kind is IntersectionMatcher:
            return min(self._size(m.a), self._size(m.b))
        return 0

    def _leaf(self, m: Any, wanted: list[int] | None) -> dict[int, float]:
        if type(m) is W3LeafMatcher:
            ids, weights, values = _postings(m, wanted)
            scorer, format_ = m.scorer, m.format
        else:
            ids, values, format_ = m._ids, m._values, m._format
            if m._all_weights:
                weights = [m._all_weights] * len(ids)
            elif m._weights:
                weights = m._weights
            else:
                weights = [1.0] * len(ids)
            scorer = m._scorer
        term = m.term()
        if not self.scored:
            out = dict.fromkeys(ids, 0.0)
        elif scorer is None:
            out = dict(zip(ids, weights, strict=True))
        elif type(scorer) is BM25FScorer and term is not None:
            out = self._bm25(ids, weights, scorer, term[0])
        else:
            raise _Unsupported
        if term is not None:
            self.leaves.append((term, out))
            if values and format_ is not None and format_.supports("characters"):
                self.values[term] = (format_, ids, values)
        return out

    def _bm25(self, ids: Any, weights: Any, scorer: Any, fieldname: str) -> dict[int, float]:
        # whoosh.scoring.bm25, operation for operation:
        # idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        lengths = self._field_lengths(fieldname)
        c1 = K1 + 1
        if lengths is None:  # no lengths column: Whoosh's default length, 1
            norm = K1 * ((1 - B) + B * 1 / avgfl)
            return {d: idf * ((tf * c1) / (tf + norm)) for d, tf in zip(ids, weights, strict=True)}
        norms = _norms(K1, B, avgfl)
        try:
            return {
                d: idf * ((tf * c1) / (tf + norms[lengths[d]]))
                for d, tf in zip(ids, weights, strict=True)
            }
        except TypeError:  # a length byte of 0: Whoosh's own scorer fails on it
            raise _Unsupported from None

    def _field_lengths(self, fieldname: str) -> bytes | None:
        perdoc = self.reader._perdoc
        # Kept on the segment's reader: read once while it is open, gone with it.
        known = perdoc.__dict__.setdefault("_searchpod_lengths", {})
        if fieldname not in known:
            known[fieldname] = _read_lengths(perdoc, fieldname, self.reader.doc_count_all())
        return known[fieldname]


def _read_lengths(perdoc: Any, fieldname: str, doccount: int) -> bytes | None:
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return None
    if type(reader) is NumericColumn.Reader and reader._fixedlen == 1:
        raw = reader._dbfile.get(reader._basepos, reader._count)
    else:
        raw = bytes(reader[d] for d in range(min(doccount, reader._count)))
    # Documents past the column's end have the column's default, 0.
    return bytes(raw) + bytes(max(0, doccount - len(raw)))


def _postings(m: Any, wanted: list[int] | None) -> tuple[list[int], list[float], list[Any]]:
    """A term's postings in a segment (ids, weights, values): all, or the blocks that may
    hold a document of ``wanted`` (a block's header says its last document)."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    # Building the matcher tree already read the block each term stands on (to find the
    # first match): kept rather than read again.
    seen = (m._dataoffset, m._data) if m._data is not None else None
    m.reset()
    last = -1
    while not m._atend and m._blocklength:
        checkpoint()  # a block is at most 128 postings: the query's budget, checked often
        if wanted is None or _any_within(wanted, last + 1, m._maxid):
            _read_block(m, seen[1] if seen is not None and seen[0] == m._dataoffset else None)
            ids.extend(m._ids)
            weights.extend(m._weights)
            values.extend(m._values)
        last = m._maxid
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return ids, weights, values


def _any_within(docnums: list[int], lo: int, hi: int) -> bool:
    i = bisect.bisect_left(docnums, lo)
    return i < len(docnums) and docnums[i] <= hi


def _read_block(m: Any, known: Any = None) -> None:
    """``W3LeafMatcher``'s reading of its current block (``_read_data``, ``_read_ids``, ...),
    with the same bytes unpickled more quickly (or ``known``, its data already read)."""
    if known is None:
        data = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        if m._compression:
            data = zlib.decompress(data)
        known = _unpickle(data)
    m._data = known
    ids = m._data[0]
    m._ids = ids if m._byteids else tuple(accumulate(ids))
    m._read_weights()
    m._read_values()


# Whoosh's writer (and ours before round 3) pickles a block with protocol 2, which writes
# each bytes value as a call to ``_codecs.encode(text, "latin1")``: most of the time spent
# unpickling such a block (ours now write protocol 3, see codec.PICKLE_PROTOCOL).
# ``str.encode`` gives the same bytes quicker (a dotted name needs protocol 4's reading,
# which reads every protocol-2 opcode the same). The call precedes every value, and the
# ids and weights before it (opcodes every few bytes) cannot hold these bytes.
_CODECS_ENCODE = b"c_codecs\nencode\n"
_STR_ENCODE = b"cbuiltins\nstr.encode\n"


def _unpickle(data: bytes) -> Any:
    if data[:2] == b"\x80\x02":
        data = b"\x80\x04" + data[2:].replace(_CODECS_ENCODE, _STR_ENCODE, 1)
    return pickle.loads(data)
