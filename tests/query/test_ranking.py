"""Ranking: words said together beat the same words scattered through an episode."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.engine.scoring import lucene_idf
from searchpod.query.ranking import together_weight
from searchpod.query.snippets import Match, proximity
from tests.conftest import text_page

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


def test_lucene_idf_weighs_common_words_little() -> None:
    assert lucene_idf(1000, 1) == pytest.approx(math.log(1 + 999.5 / 1.5))
    assert 0 < lucene_idf(1000, 990) < 0.02  # Whoosh's log(N/(df+1))+1 gives about 1
    assert lucene_idf(1000, 1000) > 0  # never negative


def test_together_counts_the_share_of_the_query_said_together() -> None:
    weights = {"ferret": 3.0, "carburettor": 4.0, "rusty": 1.0}
    near = [match(0, "ferret"), match(60, "carburettor"), match(5000, "rusty")]
    # Two of three query words together: their weight, times (2 - 1) / (3 - 1).
    assert together_weight(near, weights, query_words=3) == pytest.approx(3.5)
    assert together_weight(near, weights, query_words=2) == pytest.approx(7.0)
    # One word alone is not "together".
    assert together_weight([match(0, "ferret")], weights, query_words=2) == 0.0


@pytest.fixture
def rare_vs_generic(tmp_path: Path) -> Index:
    folder = tmp_path / "pod"
    folder.mkdir()
    pages = {
        # The rare word the query is about, far from a generic one.
        "rare": "The zeppelin was moored. " + FILLER * 6 + "The weather turned.",
        # Generic words of the query said together, without the rare word.
        "generic": FILLER * 3 + "The weather report was read out. " + FILLER * 3,
    }
    for n in range(8):  # the generic words are everywhere, the rare one is not
        pages[f"other{n}"] = FILLER * 2 + "A weather report. " + FILLER * 2
    for n, (name, body) in enumerate(pages.items(), 1):
        page = text_page(n, f"Episode {name}", "Pod", "Ann Lee", "Notes.", body)
        (folder / f"{name}.txt").write_text(page, encoding="utf-8")
    ix = Index.create(tmp_path / "ix")
    assert ix.add_paths([folder]).ok
    yield ix
    ix.close()


def test_common_words_said_together_do_not_beat_the_rare_word(rare_vs_generic: Index) -> None:
    # Proximity used to be the first sort key: "weather report" together won.
    hits = rare_vs_generic.search("zeppelin weather report").hits
    assert hits[0].id == "pod/rare.txt"


def test_a_word_weighs_as_much_in_a_title_as_in_what_is_said(tmp_path: Path) -> None:
    # "bread" is said in every episode but is the title of one: as informative there as
    # anywhere (little). "sourdough", said in two, is what tells the episodes apart.
    folder = tmp_path / "pod"
    folder.mkdir()
    pages = {
        "titled": ("Bread", "We bake bread at home. " + FILLER * 3),
        "about": ("Starters", "Sourdough bread needs a starter. " + FILLER * 3),
        "other": ("Cellars", FILLER * 3 + "A sourdough crock sat in the cellar."),
    }
    pages |= {f"c{n}": (f"Week {n}", f"Bread again, week {n}. " + FILLER * 3) for n in range(5)}
    for n, (name, (title, body)) in enumerate(pages.items(), 1):
        (folder / f"{name}.txt").write_text(
            text_page(n, title, "Pod", "Ann Lee", "Notes.", body), encoding="utf-8"
        )
    with Index.create(tmp_path / "ix") as ix:
        assert ix.add_paths([folder]).ok
        ranked = [Path(h.id).stem for h in ix.search("bread sourdough", any=True).hits]
    assert ranked[:2] == ["about", "other"]
