"""The engine's weighting: Whoosh's BM25F with Lucene's IDF (``searchpod.query.ranking``)."""

from __future__ import annotations

from typing import Any

from whoosh.scoring import BM25F

from searchpod.query.ranking import lucene_idf


class LuceneBM25F(BM25F):
    """Whoosh's BM25F (per-field saturation, field boosts) with Lucene's IDF."""

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count(), parent.doc_frequency(fieldname, text))


# k1 1.5 (bm25s's default; Whoosh's is 1.2): a word said often in an episode saturates
# later. Measured with benchmarks/questions.py: CISI MAP 0.168 -> 0.169, Cranfield 0.309 ->
# 0.314, known items on real transcripts unchanged (benchmarks/quotes.py).
WEIGHTING = LuceneBM25F(K1=1.5)
