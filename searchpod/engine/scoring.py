"""The engine's weighting: Whoosh's BM25F with Lucene's IDF, taken per episode.

``searchpod.query.ranking`` uses the same ``lucene_idf`` for its proximity weights.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh.scoring import BM25F

from searchpod.fields import SEARCH_FIELDS


def lucene_idf(doc_count: float, doc_frequency: float) -> float:
    """Lucene's BM25 IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never negative, and a word
    in most documents weighs little (Whoosh's ``log(N / (df + 1)) + 1`` keeps it near 1)."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


class LuceneBM25F(BM25F):
    """Whoosh's BM25F (per-field saturation, field boosts) with Lucene's IDF.

    A word's IDF is the episode's, not the field's (as in Robertson and Zaragoza's BM25F):
    a word is as informative in a title as in what is said. Taken per field, a word in a
    few titles but many transcripts weighed several times more in a title, so any short
    title holding one of a question's words jumped ahead of episodes about all of them
    (measured with benchmarks/questions.py: CISI nDCG@10 0.380 -> 0.390, MAP 0.169 ->
    0.174; Cranfield MAP 0.314 -> 0.316). Known items on real transcripts gained most: a
    title holding one of the words no longer outweighs the episode that said them all
    (benchmarks/quotes.py success@1 0.79 -> 0.88).
    """

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count(), episode_frequency(parent, fieldname, text))


def episode_frequency(searcher: Any, fieldname: str, text: Any) -> int:
    """How many episodes hold ``text`` in any field a bare word searches, for a word of one
    of those fields (else in ``fieldname``): the most of any one field, a lower bound that is
    exact whenever one field's episodes include the others' (a word in a title is nearly
    always said too). The exact count would read every field's postings."""
    if fieldname not in SEARCH_FIELDS:
        return int(searcher.doc_frequency(fieldname, text))
    return max(int(searcher.doc_frequency(field, text)) for field in SEARCH_FIELDS)


# k1 1.5 (bm25s's default; Whoosh's is 1.2): a word said often in an episode saturates
# later. Measured with benchmarks/questions.py: CISI MAP 0.168 -> 0.169, Cranfield 0.309 ->
# 0.314, known items on real transcripts unchanged (benchmarks/quotes.py).
WEIGHTING = LuceneBM25F(K1=1.5)
