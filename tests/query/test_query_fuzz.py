"""Random queries and option values: results or a searchpod error, never a crash or a hang.

SEARCHPOD_FUZZ_EXAMPLES raises the example count (e.g. 20000 for a long local run).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchpod import Index, SearchpodError
from tests.conftest import write_episodes

EXAMPLES = int(os.environ.get("SEARCHPOD_FUZZ_EXAMPLES", "1500"))
# Generous: the fixture index answers in milliseconds; this catches runaway work only.
SLOWEST_S = 1.0

# Query syntax, field names and words of the fixture index, to reach deep into the parser.
PIECES = [
    *"()[]{}\"*?~^:<>=+-!&|\\/,.'",
    " ",
    " ",
    " ",
    "AND",
    "OR",
    "NOT",
    "TO",
    "ANDNOT",
    "ANDMAYBE",
    "title:",
    "host:",
    "summary:",
    "body:",
    "show:",
    "speaker:",
    "episode:",
    "published:",
    "id:",
    "keepers",
    "octopus",
    "bread",
    "lighth",
    "2023",
    "2021-03",
    "10",
    "~2",
    "*",
    "[a TO b]",
    "é",
    "ß",
    "\u0000",
    "\ud800",
    "日本",
    "🐙",
]

queries = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=8).map(" ".join),
)
values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True),
    st.booleans(),
    st.sampled_from(["2023", "2021-03", "2022-07-02", "1..2", "..3", "2..", "newest", "oldest"]),
)
options = st.fixed_dictionaries(
    {},
    optional={
        name: values
        for name in (
            "limit",
            "page",
            "sort",
            "host",
            "show",
            "speaker",
            "since",
            "until",
            "episodes",
            "facets",
            "fuzzy",
        )
    },
)


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    base = tmp_path_factory.mktemp("fuzz")
    ix, report = Index.build(base / "index", [write_episodes(base / "shows")])
    assert report.ok
    yield ix
    ix.close()


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries, opts=options)
def test_any_query_and_options_answer_or_fail_cleanly(
    fuzz_index: Index, query: str, opts: dict[str, object]
) -> None:
    # This thread's CPU time: other processes on a busy machine don't count against it.
    started = time.thread_time()
    try:
        results = fuzz_index.search(query, **opts)  # type: ignore[arg-type]
    except SearchpodError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert "please report this" not in str(exc), exc  # an engine failure, not a refusal
    else:
        assert results.total >= len(results.hits)
    assert time.thread_time() - started < SLOWEST_S, (query, opts)


def test_fixture_index_is_the_one_built(fuzz_index: Index) -> None:
    assert isinstance(fuzz_index.path, Path) and len(fuzz_index) == 3
