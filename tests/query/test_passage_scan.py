"""Every passage holding a word, counted at once (``query.passage_scan``): the same counts,
passage lengths and moments as mapping each episode's words one episode at a time."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import Counter
from itertools import repeat

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchpod import Index
from searchpod.engine.fields import TranscriptCharacters
from searchpod.indexing.passages import Passages, encode_passages
from searchpod.query import moments, passage_scan
from tests.transcript_helpers import write_random_shows

WORDS = "harbour lantern keeper storm bread whale rope signal tide anchor gull beacon".split()


@st.composite
def episodes(draw: st.DrawFn) -> list[tuple[Passages | None, list[int]]]:
    """Episodes' passage tables (None: an episode without one) and a word's starts."""
    out: list[tuple[Passages | None, list[int]]] = []
    for _ in range(draw(st.integers(1, 6))):
        length = draw(st.integers(0, 3000))
        cuts = draw(st.lists(st.integers(0, max(0, length - 1)), max_size=12, unique=True))
        starts = sorted(draw(st.lists(st.integers(-1, length), max_size=40)))
        table = Passages(tuple(sorted(cuts)), length) if draw(st.integers(0, 9)) else None
        out.append((table, starts))
    return out


@given(episodes())
def test_each_occurrence_is_counted_in_its_passage(eps: list[tuple[Passages | None, list[int]]]):
    tables = [encode_passages(p) if p is not None else b"" for p, _ in eps]
    index = passage_scan.build_index(tables)
    assert index.complete.tolist() == [p is not None for p, _ in eps]
    fmt = TranscriptCharacters()
    held = [d for d, (p, starts) in enumerate(eps) if p is not None and starts]
    values = {
        d: fmt.encode([(i, max(s, 0), max(s, 0) + 1) for i, s in enumerate(eps[d][1])])
        for d in held
    }
    # A word said at -1 (no offset: a stop word's) is held in a value of its own form.
    for d in held:
        if eps[d][1][0] < 0:
            values[d] = fmt.encode_positions([(i, 0, 0) for i in range(len(eps[d][1]))])

    class Read:
        def bulk_starts(self, docnums):
            return fmt.bulk_starts([values[d] for d in docnums])

    counted = passage_scan.count_passages(index, {"w": Read()}, {"w": held})
    assert counted is not None
    for d in held:
        p, starts = eps[d]
        assert p is not None
        if starts[0] < 0:
            starts = [-1] * len(starts)
        expected = Counter(map(bisect_right, repeat(p.starts), starts))
        base = int(index.slot_base[d])
        slots, counts = counted.per_term.get("w", (np.zeros(0), np.zeros(0)))
        found = {
            counted.where(int(s))[1]: int(c)
            for s, c in zip(slots, counts, strict=True)
            if counted.where(int(s))[0] == d
        }
        assert found == dict(expected)
        for raw in range(len(p.starts) + 1):
            start, end = p.bounds(max(0, raw - 1)) if p.starts else (0, 0)
            assert index.slot_length[base + raw] == end - start
            assert counted.where(base + raw) == (d, raw)


def test_a_missing_passage_table_sends_moments_episode_by_episode():
    index = passage_scan.build_index([encode_passages(Passages((0,), 10)), b""])

    class Read:
        def bulk_starts(self, docnums):
            return np.ones(len(docnums), np.int64), np.zeros(len(docnums), np.int64)

    assert passage_scan.count_passages(index, {"w": Read()}, {"w": [0]}) is not None
    assert passage_scan.count_passages(index, {"w": Read()}, {"w": [0, 1]}) is None


@pytest.fixture(scope="module")
def two_segment_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Timed transcripts over a small vocabulary, added in two commits (two segments)."""
    root = tmp_path_factory.mktemp("scan")
    rng = random.Random(11)
    index = Index.create(root / "index")
    for part in ("a", "b"):
        write_random_shows(root / part, WORDS, rng, 8, 50, prefix=part)
        index.add_paths([root / part])
    return Index(root / "index")


def _page(index: Index, query: str, mode: dict, limit: int, page: int) -> tuple:
    found = index.moments(query, limit=limit, page=page, **mode)
    return (
        found.total,
        found.episodes,
        found.total_exact,
        [(m.id, m.start, m.end, m.score, m.text) for m in found.moments],
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.lists(st.sampled_from([*WORDS, "the", "and"]), min_size=1, max_size=4).map(" ".join),
    mode=st.sampled_from([{}, {"any": True}, {"all": True}]),
    limit=st.integers(1, 8),
    page=st.integers(1, 3),
)
def test_counting_at_once_gives_the_moments_of_counting_episode_by_episode(
    two_segment_index, query, mode, limit, page
):
    at_once = _page(two_segment_index, query, mode, limit, page)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moments, "count_passages", lambda *args: None)
        patch.setattr(moments, "EXACT_OCCURRENCES", 10**9)  # exact totals both ways
        one_by_one = _page(two_segment_index, query, mode, limit, page)
    assert at_once == one_by_one
    assert at_once[2]  # counted at once, a total is always exact


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    limit=st.integers(1, 8),
    page=st.integers(1, 3),
)
def test_scoring_only_passages_that_can_reach_the_page_never_changes_it(
    two_segment_index, query, limit, page
):
    # With every passage's bound infinite, every passage is scored before any is given out.
    pruned = _page(two_segment_index, query, {}, limit, page)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passage_scan, "_above", lambda bound: np.full_like(bound, math.inf))
        scored_all = _page(two_segment_index, query, {}, limit, page)
    assert pruned == scored_all


def test_the_index_really_has_two_segments(two_segment_index: Index):
    # The combined passage index offsets each segment's docnums (what the tests above need).
    parts = two_segment_index._read(
        lambda reader: reader.per_segment_tables(passage_scan.build_index), "test"
    )
    assert len(parts) == 2 and parts[1][0] > 0
