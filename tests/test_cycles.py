"""Queries and builds run with the cyclic collector's passes rarer, and leave the host
program's own thresholds as they found them."""

from __future__ import annotations

import gc

from searchpod import Index
from searchpod.cycles import RARER_THRESHOLD
from searchpod.query.search import within_budget


def test_a_query_raises_the_threshold_while_it_runs() -> None:
    before = gc.get_threshold()
    during = within_budget("anything", lambda budget: gc.get_threshold())
    assert during[0] >= RARER_THRESHOLD > before[0]
    assert gc.get_threshold() == before


def test_searches_and_moments_leave_the_collector_as_it_was(shared_index: Index) -> None:
    before = gc.get_threshold()
    assert shared_index.search("lighthouse keepers").total
    shared_index.moments("lighthouse keepers")
    assert gc.get_threshold() == before


def test_a_host_programs_own_higher_threshold_is_kept() -> None:
    before = gc.get_threshold()
    gc.set_threshold(10 * RARER_THRESHOLD, *before[1:])
    try:
        during = within_budget("anything", lambda budget: gc.get_threshold())
        assert during[0] == 10 * RARER_THRESHOLD
        assert gc.get_threshold()[0] == 10 * RARER_THRESHOLD
    finally:
        gc.set_threshold(*before)
