"""Every query is bounded: fuzzy edits, expansions and one budget of work per query.

No timings here: a budget of 0 s shows what a query over its budget does; how long queries
take on 3,000 episodes is ``benchmarks/bounds.py``'s to measure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from searchpod import Index, QueryError, SearchpodError
from searchpod.engine import budget as engine_budget
from searchpod.engine import query as engine_query
from tests.conftest import EPISODES, write_episodes

EXAMPLES = int(os.environ.get("SEARCHPOD_FUZZ_EXAMPLES", "200"))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    base = tmp_path_factory.mktemp("bounds")
    ix, report = Index.build(base / "index", [write_episodes(base / "shows")])
    assert report.ok
    yield ix
    ix.close()


def test_more_than_two_edits_are_searched_as_two_and_it_says_so(index: Index) -> None:
    two = index.search("octopos~2")
    for n in (3, 9):
        wide = index.search(f"octopos~{n}")
        assert [h.id for h in wide.hits] == [h.id for h in two.hits] == ["shows/eps-3.txt"]
        assert any(f"~{n}: near spellings are at most 2 edits away" in w for w in wide.warnings)
    assert not any("edits" in w for w in two.warnings)


def test_a_query_over_its_budget_is_a_query_error_naming_it(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_budget, "QUERY_BUDGET_S", 0.0)
    # The fast scorer, Whoosh's collector (a phrase, NOT, a date sort) and facets: each
    # checks the same budget.
    for query, options in [
        ("keepers", {}),
        ('"assize of bread"', {}),
        ("keepers NOT octopus", {}),
        ("keepers", {"sort": "newest"}),
        ("keep* bread", {"facets": True}),
    ]:
        with pytest.raises(QueryError) as caught:
            index.search(query, **options)  # type: ignore[arg-type]
        message = str(caught.value)
        assert caught.value.query == query
        assert message.startswith(f"bad query {query!r}: needs more than 0 s of work")
        assert "\n" not in message
    with pytest.raises(QueryError, match="needs more than 0 s of work"):
        index.moments("keepers")


def test_not_star_matches_no_episode_without_walking_every_field(index: Index) -> None:
    assert index.search("NOT *").total == 0
    assert index.search("keepers NOT *").total == 0
    # Match-everything, not per field: Whoosh reads every posting of a field for that.
    with index._pool_for(None).searcher() as searcher:
        parsed = engine_query.parse(searcher._searcher.schema, "NOT *")
    leaves = list(parsed.leaves())
    assert isinstance(parsed, wq.Not) and leaves
    # Only fields some episodes lack keep the per-field form (few postings: host, show, ...).
    small = engine_query._SOMETIMES_FIELDS
    assert all(type(leaf) is wq.Every for leaf in leaves), leaves
    assert all(not leaf.fieldname or leaf.fieldname in small for leaf in leaves), leaves


def test_a_fuzzy_word_under_not_is_bounded_too(index: Index) -> None:
    results = index.search("keepers NOT octopos~9")
    assert [h.id for h in results.hits] == ["shows/eps-1.txt"]
    assert any("at most 2 edits" in w for w in results.warnings)


def test_each_word_is_expanded_once_per_query(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    expanded: list[object] = []
    real = engine_query._expand

    def counting(q: object, reader: object, budget: engine_budget.Budget) -> list[bytes]:
        expanded.append(q)
        return real(q, reader, budget)

    monkeypatch.setattr(engine_query, "_expand", counting)
    # Two words, so a relaxed pass follows the strict one; facets and a date sort read the
    # matches again: each fuzzy/prefix word is still expanded once per field it is in.
    results = index.search("octopos~2 bake*", facets=True, sort="newest")
    assert results.total == 2 and results.relaxed
    assert len(expanded) == len(set(expanded)) > 0


def test_fuzzy_words_match_alike_in_one_segment_or_several(tmp_path: Path) -> None:
    shows = write_episodes(tmp_path / "shows")
    one, _ = Index.build(tmp_path / "one", [shows])
    several, _ = Index.build(tmp_path / "several", [shows / "eps-1.txt"])
    several.add_paths([shows])
    for query in ("octopos~1", "keeprs~1 bread", "bakers~2/0", "lighthuose~2"):
        a, b = one.search(query), several.search(query)
        assert (a.total, [h.id for h in a.hits]) == (b.total, [h.id for h in b.hits]), query
    one.close()
    several.close()
    shutil.rmtree(tmp_path / "one")


# Words of the fixture index, query syntax, and the shapes that used to run away: fuzzy
# words at any distance and prefix length, NOT, match-everything, many prefixes.
WORDS = sorted({w.lower() for text in EPISODES.values() for w in text.split() if w.isalpha()})
PIECES = st.one_of(
    st.sampled_from(WORDS[:60]),
    st.builds(lambda w, n: f"{w}~{n}", st.sampled_from(WORDS[:60]), st.integers(0, 10**6).map(str)),
    st.builds(
        lambda w, n, p: f"{w}~{n}/{p}",
        st.sampled_from(WORDS[:60]),
        st.integers(0, 99),
        st.integers(0, 10**4),
    ),
    st.builds(lambda w, k: w[:k] + "*", st.sampled_from(WORDS[:60]), st.integers(0, 3)),
    st.sampled_from(["NOT", "NOT *", "*", "?", "*e*", "AND", "OR", "~", "~9", "(", ")", '"']),
)
queries = st.lists(PIECES, min_size=1, max_size=30).map(" ".join)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=queries,
    facets=st.booleans(),
    sort=st.sampled_from(["relevance", "newest"]),
    fuzzy=st.booleans(),
)
def test_adversarial_queries_answer_or_are_query_errors(
    index: Index, query: str, facets: bool, sort: str, fuzzy: bool
) -> None:
    try:
        results = index.search(query, facets=facets, sort=sort, fuzzy=fuzzy)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
    except SearchpodError as exc:  # an engine failure, not a refusal
        pytest.fail(f"{type(exc).__name__}: {exc}")
    else:
        assert results.total >= len(results.hits)
        assert all("\n" not in w for w in results.warnings)
