"""Scoring: BM25 with Lucene's IDF, and proximity blended into the score by informativeness.

The arithmetic is pure functions over plain numbers and matches;
``lucene_idf`` is the engine's (``searchpod.engine.scoring``), which weights with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Protocol

from searchpod.engine.reader import lucene_idf

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


# What a word said near another adds even when it is common: a known line is remembered by
# its words together, "because" and "usually" included; rarer words add more (their IDF).
TOGETHER_FLOOR = 1.0


def informativeness(doc_count: int, doc_frequency: int) -> float:
    """A word's weight in ``together_weight``: ``TOGETHER_FLOOR`` plus its IDF."""
    return TOGETHER_FLOOR + lucene_idf(doc_count, doc_frequency)


def together_weight(
    matches: Sequence[Spanned],
    weights: Mapping[str, float],
    query_words: int,
    width: int = NEAR_CHARS,
) -> float:
    """How much of the query is said together: the best window of ``width`` characters.

    A window holding ``k`` of the query's ``query_words`` different words is worth the sum
    of their ``weights`` (see ``informativeness``) times ``(k - 1) / (query_words - 1)``: all
    of a query said in one breath counts fully, two words of a long question a little, and
    one word alone (nothing "together") not at all.
    """
    ordered = sorted(matches, key=_start)
    counts: dict[str, int] = {}
    total = best = 0.0
    lo = 0
    # together_share's scale for k words together, worked out once per k (the window loop
    # runs once per match: thousands for common words in a long episode).
    scales = [0.0, 0.0]
    for m in ordered:
        term = m.term
        seen = counts.get(term)
        if seen is None:
            total += weights.get(term, 0.0)
            counts[term] = 1
        else:
            counts[term] = seen + 1
        end = m.end
        while end - ordered[lo].start > width:
            term = ordered[lo].term
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
                total -= weights.get(term, 0.0)
            lo += 1
        together = len(counts)
        if together >= 2:
            while len(scales) <= together:
                scales.append(min(1.0, (len(scales) - 1) / max(1, query_words - 1)))
            share = total * scales[together]
            if share > best:
                best = share
    return best


_start = attrgetter("start")


def together_share(weight: float, together: int, query_words: int) -> float:
    """``weight`` of ``together`` different words, scaled by the share of the query they are."""
    if together < 2:
        return 0.0
    return weight * min(1.0, (together - 1) / max(1, query_words - 1))


def blended(score: float, together: float, weight: float | None = None) -> float:
    """A BM25 score with the proximity of its words added in (``together`` from above)."""
    return score + (PROXIMITY_WEIGHT if weight is None else weight) * together
