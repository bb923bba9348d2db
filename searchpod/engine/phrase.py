"""Exact phrases, verified by intersecting word positions instead of Whoosh's span search.

Whoosh checks a phrase by making a Span object for every occurrence of every word and
bisecting between them. For phrases of common words ("like what") in two-hour transcripts
that is thousands of objects per episode, and it made such phrases 4x slower than SQLite
FTS5 at the 95th percentile. An exact phrase of n words starts at p exactly when word i
occurs at p + i: one set intersection per word, in C.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh import matching
from whoosh import query as wq
from whoosh.qparser.plugins import PhrasePlugin
from whoosh.qparser.syntax import attach
from whoosh.query.spans import Span, SpanNear2

from searchpod.engine.analyzer import PHRASE_MODE
from searchpod.text.analysis import is_stop_term

# A quoted line said with the words as typed (not only their stems) weighs this much more.
VERBATIM_BOOST = 2.0


def phrase_starts(positions: Iterable[Iterable[int]]) -> set[int]:
    """Where a phrase starts, given each of its words' positions: word i at start + i."""
    starts: set[int] | None = None
    for i, word_positions in enumerate(positions):
        shifted = {p - i for p in word_positions}
        starts = shifted if starts is None else starts & shifted
        if not starts:
            return set()
    return starts or set()


class _ExactPhraseMatcher(SpanNear2.SpanNear2Matcher):
    # The typed length of each word, when the field stores characters: an occurrence of
    # the same length is the word as typed ("give", not "giving"), found without the text.
    _verbatim = False

    def __init__(self, ms: Any, lengths: tuple[int, ...] | None = None, **kwargs: Any) -> None:
        # Set before Whoosh's constructor, which already moves to the first match.
        self.lengths = lengths
        super().__init__(ms, **kwargs)

    def copy(self) -> Any:
        return self.__class__(
            [m.copy() for m in self.ms],
            self.lengths,
            slop=self.slop,
            ordered=self.ordered,
            mindist=self.mindist,
        )

    def _get_spans(self) -> list[Span]:
        if self.slop != 1 or not self.ordered or self.mindist != 1:
            return super()._get_spans()
        last = len(self.ms) - 1
        # A generator: a word that rules the episode out spares decoding the rest.
        starts = phrase_starts(m.value_as("positions") for m in self.ms)
        lengths = self.lengths
        self._verbatim = False
        if starts and lengths is not None:
            # Only where the phrase was said: the characters of its words (stop words are
            # their own terms, so always as typed; their values hold no characters).
            sizes = [
                {p - i: e - s for p, s, e in m.value_as("characters")} if n else {}
                for i, (m, n) in enumerate(zip(self.ms, lengths, strict=True))
            ]
            self._verbatim = any(
                all(not n or sizes[i].get(p) == n for i, n in enumerate(lengths)) for p in starts
            )
        return [Span(p, p + last) for p in sorted(starts)]

    def score(self) -> float:
        score = float(super().score())
        return score * VERBATIM_BOOST if self._verbatim else score


class _ExactSpanNear(SpanNear2):
    lengths: tuple[int, ...] | None = None

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ms = [q.matcher(searcher, context) for q in self.qs]
        return _ExactPhraseMatcher(
            ms, self.lengths, slop=self.slop, ordered=self.ordered, mindist=self.mindist
        )


class ExactPhrase(wq.Phrase):
    """``wq.Phrase`` with the fast matcher (same results, a test compares them)."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        # As wq.Phrase.matcher in Whoosh 2.7.4, with the faster span check.
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[fieldname]
        if not field.format or not field.format.supports("positions"):
            raise wq.QueryError(f"Phrase search: {fieldname!r} field has no positions")
        reader = searcher.reader()
        terms = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (fieldname, word) not in reader:
                return matching.NullMatcher()  # a word the field never had: no match
            terms.append(wq.Term(fieldname, word))
        near = _ExactSpanNear(terms, slop=self.slop, ordered=True, mindist=1)
        ranges = self.char_ranges or ()
        if (
            field.format.supports("characters")
            and len(ranges) == len(self.words)
            and all(start is not None for start, _ in ranges)
        ):
            near.lengths = tuple(
                0 if is_stop_term(word) else end - start
                for word, (start, end) in zip(self.words, ranges, strict=True)
            )
        m = near.matcher(searcher, context)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def exact_phrases(q: Any) -> Any:
    """``q`` with every Phrase replaced by an ExactPhrase."""
    if isinstance(q, wq.Phrase) and not isinstance(q, ExactPhrase):
        return ExactPhrase(
            q.fieldname, q.words, slop=q.slop, boost=q.boost, char_ranges=q.char_ranges
        )
    if isinstance(q, wq.CompoundQuery) or hasattr(q, "child"):
        return q.apply(exact_phrases)
    return q


class _QuotedNode(PhrasePlugin.PhraseNode):
    """A quoted phrase analysed with its stop words kept (as stop terms), so it matches the
    words as they were said, in order."""

    def query(self, parser: Any) -> Any:
        fieldname = self.fieldname or parser.fieldname
        field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
        if field is None or not field.analyzer:
            return super().query(parser)
        start = self.textstartchar
        words, char_ranges = [], []
        for t in field.tokenize(self.text, mode=PHRASE_MODE, chars=True):
            words.append(t.text)
            char_ranges.append((start + t.startchar, start + t.endchar))
        q = parser.phraseclass(
            fieldname, words, slop=self.slop, boost=self.boost, char_ranges=char_ranges
        )
        return attach(q, self)


class _QuotedTagger(PhrasePlugin.PhraseTagger):
    def create(self, parser: Any, match: Any) -> Any:
        slop = match.group("slop")
        return _QuotedNode(match.group("text"), match.start("text"), int(slop) if slop else 1)


class QuotedPhrasePlugin(PhrasePlugin):
    """Whoosh's phrase syntax (``"..."``, ``"..."~N``), keeping the phrase's stop words."""

    def taggers(self, parser: Any) -> Any:
        return [(_QuotedTagger(self.expr), 0)]
