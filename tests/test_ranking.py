"""Ranking: words said together beat the same words scattered through an episode."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod import Index
from searchpod.snippets import Match, proximity

from .conftest import text_page

FILLER = "They talked about the weather for a long while and nothing much happened. "


def match(start: int, term: str) -> Match:
    return Match(pos=start, start=start, end=start + len(term), term=term)


def test_proximity_counts_distinct_terms_within_the_window() -> None:
    far = [match(0, "ferret"), match(5000, "carburettor")]
    near = [match(0, "ferret"), match(60, "carburettor"), match(9000, "ferret")]
    assert proximity(far, width=200) == 1
    assert proximity(near, width=200) == 2
    # The same term twice is still one term.
    assert proximity([match(0, "ferret"), match(10, "ferret")], width=200) == 1
    assert proximity([], width=200) == 0


@pytest.fixture
def scattered_vs_together(tmp_path: Path) -> Index:
    folder = tmp_path / "pod"
    folder.mkdir()
    # Episode 1 says both words often but never together: BM25 alone puts it first.
    scattered = (
        "My ferret ran off. " + FILLER * 12 + "The carburettor was rusted. " + FILLER * 12
    ) * 4
    # Episode 2 says them once, in one sentence: the moment a listener remembers.
    together = FILLER * 20 + "The ferret climbed into the carburettor. " + FILLER * 20
    (folder / "a.txt").write_text(
        text_page(1, "Garage week", "Pod", "Ann Lee", "Odds and ends.", scattered, "2024-02-01"),
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        text_page(2, "Garage again", "Pod", "Ann Lee", "More odds.", together, "2023-02-01"),
        encoding="utf-8",
    )
    for n in range(3, 8):  # episodes without the words, so the terms are rare-ish
        (folder / f"c{n}.txt").write_text(
            text_page(n, f"Other {n}", "Pod", "Ann Lee", "Nothing.", FILLER * 5),
            encoding="utf-8",
        )
    ix = Index.create(tmp_path / "ix")
    assert ix.add_paths([folder]).ok
    yield ix
    ix.close()


def test_words_said_together_rank_first(scattered_vs_together: Index) -> None:
    hits = scattered_vs_together.search("ferret carburettor").hits
    assert [h.id for h in hits] == ["pod/b.txt", "pod/a.txt"]
    assert "ferret" in hits[0].snippets[0].text and "carburettor" in hits[0].snippets[0].text


def test_single_words_and_sorted_results_keep_their_order(scattered_vs_together: Index) -> None:
    # One word: nothing to be "together" with, so BM25 (more mentions) decides.
    assert scattered_vs_together.search("carburettor").hits[0].id == "pod/a.txt"
    # An explicit sort is the user's order, not ours.
    newest = scattered_vs_together.search("ferret carburettor", sort="newest").hits
    assert [h.id for h in newest] == ["pod/a.txt", "pod/b.txt"]


def test_pages_agree_with_the_full_ranking(scattered_vs_together: Index) -> None:
    q = "ferret carburettor"
    whole = [h.id for h in scattered_vs_together.search(q, limit=10).hits]
    paged = [h.id for p in (1, 2) for h in scattered_vs_together.search(q, limit=1, page=p).hits]
    assert paged == whole
