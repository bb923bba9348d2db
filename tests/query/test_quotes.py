"""A quoted line is matched as it was said: stop words and all, in order, verbatim first.

And near spellings: when the automatic retry runs (as the README states), and that
``fuzzy=True`` never costs a correctly spelt query anything.
"""

from __future__ import annotations

import pytest

from searchpod import Index
from tests.conftest import text_page

BODIES = {
    "said": "We went into this cheese factory. There are startups and companies in town. "
    "To be or not to be, he said, like while he was reading. Give talks around the world.",
    "apart": "Go into the garden, then this one. A startup or as a company, who knows. "
    "Not to be outdone, he was like a storm while reading. Giving talks around here.",
    "stems": "I have given talks around the country, and giving talks around is fun.",
    "origami": "Paper cutting is kirigami, and the moon was full that night.",
    "moon": "The moon landing, the moon, the moon again. Nothing about paper at all.",
    "padding": "The startups of the rock and the rock of the startups.",
    "plain": "startups rock",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("quotes")
    folder = root / "pod"
    folder.mkdir()
    for n, (name, body) in enumerate(BODIES.items(), 1):
        page = text_page(n, f"Episode {n}", "Pod", "Ann Lee", "Talk.", body)
        (folder / f"{name}.txt").write_text(page, encoding="utf-8")
    ix = Index.create(root / "ix")
    assert ix.add_paths([folder]).ok
    return ix


def names(ix: Index, query: str, **options: object) -> list[str]:
    return [h.id.rsplit("/", 1)[-1][:-4] for h in ix.search(query, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "line",
    ['"into this"', '"there are startups and companies"', '"to be or not to be"',
     '"like while he was"', '"into this cheese"'],
)  # fmt: skip
def test_a_quoted_line_matches_only_where_it_was_said(index: Index, line: str) -> None:
    assert names(index, line) == ["said"]


def test_the_snippet_marks_the_line_stop_words_included(index: Index) -> None:
    hit = index.search('"into this"').hits[0]
    snippet = hit.snippets[0]
    marked = [snippet.text[a:b].lower() for a, b in snippet.highlights]
    assert marked == ["into", "this"]


def test_unquoted_stop_words_are_not_required_and_weigh_nothing(index: Index) -> None:
    # Every episode with "startups" is found, whatever stop words surround it...
    assert set(names(index, "the startups of")) == {"said", "apart", "padding", "plain"}
    # ... and stop words do not lengthen an episode: "padding" holds startups twice.
    scores = {h.id: h.score for h in index.search("rock").hits}
    assert scores["pod/padding.txt"] > scores["pod/plain.txt"]


def test_a_quote_matches_stems_too_but_the_words_as_said_first(index: Index) -> None:
    found = names(index, '"give talks around"')
    assert found[0] == "said"
    assert {"apart", "stems"} <= set(found)


def test_near_words_when_no_episode_holds_every_word_as_typed(index: Index) -> None:
    # README: near spellings of a word the index does not hold are searched when no
    # episode holds every word as typed, even though some hold part of the query.
    results = index.search("kirigammi moon")
    assert results.fuzzy and results.suggestion == "kirigami moon"
    assert names(index, "kirigammi moon")[0] == "origami"
    # Every word held by one episode: nothing near is looked for.
    assert not index.search("kirigami moon").fuzzy


def test_fuzzy_never_costs_a_correctly_spelt_query(index: Index) -> None:
    for query in ("moon", "moon paper", "startups", "talks around"):
        exact = names(index, query)
        assert names(index, query, fuzzy=True)[: len(exact)] == exact
