"""The engine's weighting: Whoosh's BM25F with Lucene's IDF.

``searchpod.query.ranking`` uses the same ``lucene_idf`` for its proximity weights.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh.scoring import BM25F


def lucene_idf(doc_count: float, doc_frequency: float) -> float:
    """Lucene's BM25 IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never negative, and a word
    in most documents weighs little (Whoosh's ``log(N / (df + 1)) + 1`` keeps it near 1)."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


class LuceneBM25F(BM25F):
    """Whoosh's BM25F (per-field saturation, field boosts) with Lucene's IDF."""

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count(), parent.doc_frequency(fieldname, text))


# k1 1.5 (bm25s's default; Whoosh's is 1.2): a word said often in an episode saturates
# later. Measured with benchmarks/questions.py: CISI MAP 0.168 -> 0.169, Cranfield 0.309 ->
# 0.314, known items on real transcripts unchanged (benchmarks/quotes.py).
WEIGHTING = LuceneBM25F(K1=1.5)
