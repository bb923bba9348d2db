"""Paging is consistent: one query's totals are the same on every page and for every limit,
and scores never rise down a page — for episodes and for moments alike."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchpod import Index

WORDS = "harbour lantern keeper storm bread whale rope signal tide anchor gull beacon".split()


@pytest.fixture(scope="module")
def paging_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Twelve timed transcripts of random lines over a small vocabulary: many passages and
    episodes holding the same words, so ties, repeats and relaxed matches all occur."""
    root = tmp_path_factory.mktemp("paging")
    shows = root / "shows"
    shows.mkdir()
    rng = random.Random(7)
    for n in range(12):
        rows = ["start\tend\ttext"]
        for i in range(rng.randint(5, 60)):
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
            rows.append(f"{i * 7000}\t{i * 7000 + 6000}\tThe {line}.")
        (shows / f"ep-{n}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
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
