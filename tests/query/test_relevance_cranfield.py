"""Ranking quality on a standard relevance collection, with queries as people type them.

Cranfield: 1,400 aeronautics abstracts, 225 questions ("what similarity laws must be
obeyed when constructing aeroelastic models of heated high speed aircraft"), graded
judgements. Plain BM25 with a stop list reaches MAP 0.309 / nDCG@10 0.369 here; the default
search (every word first, then most of them) must do at least as well.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod import Index
from tests.conftest import SHARED, need_shared
from tests.cranfield import Collection, Scores, as_typed, evaluate, read_collection, write_pages

CRANFIELD = SHARED / "corpus" / "cranfield"


@pytest.fixture(scope="module")
def collection() -> Collection:
    return read_collection(need_shared(CRANFIELD))


@pytest.fixture(scope="module")
def default_scores(collection: Collection, tmp_path_factory: pytest.TempPathFactory) -> Scores:
    root = tmp_path_factory.mktemp("cranfield")
    write_pages(collection, root / "pages")
    ix, report = Index.build(root / "ix", [root / "pages"])
    assert report.ok, report.failed
    runs = {}
    with ix:
        for k, query in enumerate(collection.queries, 1):
            hits = ix.search(as_typed(query), limit=100).hits
            runs[k] = [int(Path(h.id).stem) for h in hits]
    return evaluate(collection, runs)


def test_queries_are_typed_without_query_syntax() -> None:
    assert as_typed("what is the effect of (a) on b's flow-rate?") == (
        "what is the effect of a on b s flow rate"
    )


def test_collection_reads_all_documents_queries_and_judgements(collection: Collection) -> None:
    assert (len(collection.docs), len(collection.queries), len(collection.grades)) == (
        1400,
        225,
        225,
    )


def test_mean_average_precision_beats_plain_bm25(default_scores: Scores) -> None:
    assert default_scores.map >= 0.31


def test_ndcg_at_10_beats_plain_bm25(default_scores: Scores) -> None:
    assert default_scores.ndcg10 >= 0.37
