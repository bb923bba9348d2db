"""Paging is consistent: one query's totals are the same on every page and for every limit,
and scores never rise down a page — for episodes and for moments alike."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchpod import Index
from searchpod.query import moments
from tests.transcript_helpers import write_random_shows

WORDS = "harbour lantern keeper storm bread whale rope signal tide anchor gull beacon".split()


@pytest.fixture(scope="module")
def paging_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Twelve timed transcripts of random lines over a small vocabulary: many passages and
    episodes holding the same words, so ties, repeats and relaxed matches all occur."""
    root = tmp_path_factory.mktemp("paging")
    shows = root / "shows"
    write_random_shows(shows, WORDS, random.Random(7), 12, 60)
    Index.build(root / "index", [shows])
    return Index(root / "index")


queries = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
any_or_all = st.sampled_from([{}, {"any": True}, {"all": True}])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, mode=any_or_all, limit=st.integers(1, 7))
def test_moment_totals_and_pages_agree_for_every_limit(paging_index, query, mode, limit):
    whole = paging_index.moments(query, limit=1000, **mode)
    seen = []
    for page in range(1, whole.total // limit + 2):
        part = paging_index.moments(query, limit=limit, page=page, **mode)
        assert (part.total, part.episodes) == (whole.total, whole.episodes)
        scores = [m.score for m in part.moments]
        assert scores == sorted(scores, reverse=True)
        seen.extend((m.id, m.start, m.text) for m in part.moments)
    assert sorted(seen) == sorted((m.id, m.start, m.text) for m in whole.moments)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, mode=any_or_all, limit=st.integers(1, 7))
def test_episode_totals_and_pages_agree_for_every_limit(paging_index, query, mode, limit):
    whole = paging_index.search(query, limit=100, **mode)
    for page in range(1, whole.total // limit + 2):
        part = paging_index.search(query, limit=limit, page=page, **mode)
        assert part.total == whole.total
        scores = [h.score for h in part.hits]
        assert scores == sorted(scores, reverse=True)


def test_the_generated_corpus_has_pages_to_turn(paging_index):
    # The properties above mean something only if queries have many moments and episodes.
    found = paging_index.moments("harbour lantern", limit=1000)
    assert found.total > 20 and found.episodes > 5
    assert len({round(m.score, 4) for m in found.moments}) > 5


def _every_page(index: Index, query: str, limit: int, mode: dict) -> list:
    pages, page = [], 1
    while True:
        part = index.moments(query, limit=limit, page=page, **mode)
        if not part.moments:
            return pages
        pages.append(part)
        page += 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, mode=any_or_all, limit=st.integers(1, 7))
def test_an_estimated_total_is_the_same_on_every_page(paging_index, query, mode, limit):
    # Words said more often than moments count exactly: the total is an estimate, and
    # still depends on the query and the index only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moments, "count_passages", lambda *args: None)  # (an older index)
        patch.setattr(moments, "EXACT_OCCURRENCES", 0)
        whole = paging_index.moments(query, limit=1000, **mode)
        pages = _every_page(paging_index, query, limit, mode)
    assert not whole.total_exact and whole.to_dict()["total_exact"] is False
    assert whole.total >= whole.episodes > 0
    assert {(p.total, p.episodes, p.total_exact) for p in pages} == {
        (whole.total, whole.episodes, False)
    }
    for part in pages:
        scores = [m.score for m in part.moments]
        assert scores == sorted(scores, reverse=True)
    seen = [(m.id, m.start, m.text) for p in pages for m in p.moments]
    assert sorted(seen) == sorted((m.id, m.start, m.text) for m in whole.moments)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, mode=any_or_all, limit=st.integers(1, 12), page=st.integers(1, 3))
def test_skipping_passages_that_cannot_reach_the_page_never_changes_it(
    paging_index, query, mode, limit, page
):
    # Episodes and passages are scored only when the most they can score reaches the page:
    # with every bound infinite, everything is scored, then sorted. (Episode by episode, as
    # for an older index; counted at once: tests/query/test_passage_scan.py.)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moments, "count_passages", lambda *args: None)
        pruned = paging_index.moments(query, limit=limit, page=page, **mode)
        patch.setattr(moments, "_above", lambda bound: math.inf)
        scored_all = paging_index.moments(query, limit=limit, page=page, **mode)
    assert (pruned.total, pruned.episodes) == (scored_all.total, scored_all.episodes)
    assert [(m.id, m.start, m.score) for m in pruned.moments] == [
        (m.id, m.start, m.score) for m in scored_all.moments
    ]
