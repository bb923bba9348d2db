"""Scoring: BM25 with Lucene's IDF, and proximity blended into the score by informativeness.

The arithmetic is pure functions over plain numbers and matches; ``LuceneBM25F`` is the one
piece that plugs it into the engine's weighting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from whoosh.scoring import BM25F

# Window within which words count as said together: one snippet's width.
NEAR_CHARS = 200
# Share of the words' informativeness (IDF) a passage holding them together adds to the score:
# comparable to each word matching once more, so togetherness decides between close BM25
# scores but never lets common words said together beat the one rare word that matters.
PROXIMITY_WEIGHT = 1.0


class Spanned(Protocol):
    """An occurrence of a term at a character span (``snippets.Match`` is one)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def term(self) -> str: ...


def lucene_idf(doc_count: int, doc_frequency: int) -> float:
    """Lucene's BM25 IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never negative, and a word
    in most documents weighs little (Whoosh's ``log(N / (df + 1)) + 1`` keeps it near 1)."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def together_weight(
    matches: Sequence[Spanned], idf: Mapping[str, float], width: int = NEAR_CHARS
) -> float:
    """The most IDF that different query terms within ``width`` characters add up to.

    Only windows holding two or more different terms count: one word is not "together".
    """
    ordered = sorted(matches, key=lambda m: m.start)
    counts: dict[str, int] = {}
    total = best = 0.0
    lo = 0
    for m in ordered:
        if counts.get(m.term, 0) == 0:
            total += idf.get(m.term, 0.0)
        counts[m.term] = counts.get(m.term, 0) + 1
        while m.end - ordered[lo].start > width:
            term = ordered[lo].term
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
                total -= idf.get(term, 0.0)
            lo += 1
        if len(counts) > 1:
            best = max(best, total)
    return best


def blended(score: float, together: float, weight: float | None = None) -> float:
    """A BM25 score with the proximity of its words added in (``together`` from above)."""
    return score + (PROXIMITY_WEIGHT if weight is None else weight) * together


class LuceneBM25F(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F (per-field saturation, field boosts) with Lucene's IDF."""

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count(), parent.doc_frequency(fieldname, text))


WEIGHTING = LuceneBM25F()
