"""Exact phrases: our fast matcher finds what Whoosh's finds, and snippets mark the phrase."""

from __future__ import annotations

import pytest

import searchpod.engine.query
from searchpod import Index
from tests.conftest import text_page

BODIES = [
    "No no no, I said like what? Like, you know, like the lighthouse. Like what it was.",
    "The lighthouse keeper said no. Like what? The keeper keeper keeper of the light.",
    "What like? Keeper lighthouse. No, no. " + "Filler words here. " * 50 + "like what again",
    "Nothing to see here at all, except the keeper of a lighthouse and no no no no.",
]
PHRASES = [
    '"like what"',
    '"no no"',
    '"no no no"',
    '"keeper keeper"',
    '"the lighthouse keeper"',
    '"keeper of the light"',
    '"what like"',
    '"lighthouse like"',
    '"like what" keeper',
    '"no no" OR "keeper lighthouse"',
    'title:"episode two"',
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("phrases")
    folder = root / "pod"
    folder.mkdir()
    names = ["one", "two", "three", "four"]
    for n, body in enumerate(BODIES, 1):
        page = text_page(n, f"Episode {names[n - 1]}", "Pod", "Ann Lee", "Talk.", body)
        (folder / f"e{n}.txt").write_text(page, encoding="utf-8")
    ix = Index.create(root / "ix")
    assert ix.add_paths([folder]).ok
    return ix


def found(ix: Index, query: str) -> dict[str, list[str]]:
    return {
        h.id: [s.text[a:b] for s in h.snippets for a, b in s.highlights]
        for h in ix.search(query, limit=50).hits
    }


@pytest.mark.parametrize("query", PHRASES)
def test_same_matches_as_whoosh_phrase(
    index: Index, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = {k: sorted(v) for k, v in found(index, query).items()}
    monkeypatch.setattr(searchpod.engine.query, "exact_phrases", lambda q: q)
    whoosh = set(found(index, query))
    assert set(ours) == whoosh


def test_snippets_mark_the_phrase_not_every_occurrence_of_its_words(index: Index) -> None:
    marked = found(index, '"like what"')
    # e1 says "like" five times but "like what" twice: only those are marked.
    assert [w.lower() for w in marked["pod/e1.txt"]] == ["like", "what", "like", "what"]
    assert set(marked) == {"pod/e1.txt", "pod/e2.txt", "pod/e3.txt"}


def test_words_asked_for_on_their_own_are_all_marked(index: Index) -> None:
    marked = found(index, '"like what" keeper')
    assert marked["pod/e2.txt"].count("keeper") == 4
    assert [w.lower() for w in marked["pod/e2.txt"] if w.lower() != "keeper"] == ["like", "what"]
