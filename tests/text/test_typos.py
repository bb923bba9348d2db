"""Typos: a swap is one edit, longer words may hold more typos, suggestions are real words,
and near spellings never flood the results."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod import Index
from searchpod.query import search
from searchpod.text import typos
from searchpod.text.typos import Vocabulary, damerau, near_words, typo_budget
from tests.conftest import REPO, text_page


def test_a_swap_of_neighbours_is_one_edit() -> None:
    assert damerau("lighthuose", "lighthouse") == 1
    assert damerau("timetabels", "timetables") == 1
    assert damerau("ab", "ba") == 1
    assert damerau("keeper", "keeper") == 0
    assert damerau("keeper", "keepers") == 1  # insert
    assert damerau("keeper", "keper") == 1  # delete
    assert damerau("keeper", "kepper") == 1  # substitute
    assert damerau("lgihthuose", "lighthouse") == 2  # two swaps
    assert damerau("abcdefgh", "hgfedcba", limit=2) == 3  # past the limit: limit + 1


def test_typo_budget_grows_with_word_length() -> None:
    assert [typo_budget(w) for w in ("bread", "keep", "lighthous", "keepers")] == [1, 0, 2, 1]
    assert typo_budget("abcdefgh") == 1 and typo_budget("abcdefghi") == 2


def test_near_words_within_the_budget_only() -> None:
    vocab = Vocabulary.of(["cat", "bread", "lighthouse", "keepers", "timetables"])
    assert near_words("cta", vocab) == []  # under 5 letters: no typo allowed
    assert near_words("braed", vocab) == [("bread", 1)]
    assert near_words("kpeeres", vocab) == []  # 2 typos in 7 letters: too many
    assert near_words("lgihthuose", vocab) == [("lighthouse", 2)]  # 2 typos in 10 letters
    assert near_words("qzxvwkjhtr", vocab) == []


def test_one_typo_candidates_hide_two_typo_ones() -> None:
    vocab = Vocabulary.of(["characters", "charactres"])
    assert near_words("charactars", vocab) == [("characters", 1)]


@pytest.fixture(scope="module")
def spelled(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("typos")
    folder = root / "pod"
    folder.mkdir()
    bodies = {
        "light": "The lighthouse keeper trimmed the wick every night.",
        "rail": "Railway timetables were printed weekly and pinned by the clock.",
        "shell": "An investigation of buckling in cylindrical shells under pressure.",
        "kiri": "Kirigami is folding and cutting paper. Kirigami kirigami.",
        "near": "Kirigamo is what one guest called it, many times: kirigamo kirigamo kirigamo.",
    }
    for n, (name, body) in enumerate(bodies.items(), 1):
        page = text_page(n, name.title(), "Pod", "Ann Lee", "Notes.", body)
        (folder / f"{name}.txt").write_text(page, encoding="utf-8")
    # Sixteen episodes, each with a word one letter from "bakerz": a near-spelling magnet.
    for letter in "abcdefghijklmnop":
        page = text_page(99, f"Bread {letter}", "Pod", "Ann Lee", "Notes.", f"The baker{letter}.")
        (folder / f"baker{letter}.txt").write_text(page, encoding="utf-8")
    ix = Index.create(root / "ix")
    assert ix.add_paths([folder]).ok
    return ix


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


@pytest.mark.parametrize(
    ("typed", "meant", "episode"),
    [
        ("lighthuose", "lighthouse", "pod/light.txt"),  # swap
        ("timetabels", "timetables", "pod/rail.txt"),  # swap at the end
        ("timetbles", "timetables", "pod/rail.txt"),  # dropped letter
        ("invesitgaton", "investigation", "pod/shell.txt"),  # two typos in a long word
    ],
)
def test_typos_find_the_episode_and_suggest_the_real_word(
    spelled: Index, typed: str, meant: str, episode: str
) -> None:
    results = spelled.search(typed)
    assert ids(results)[:1] == [episode]
    assert results.fuzzy
    assert results.suggestion == meant  # the word as written, not its stem ("investig")
    assert any(meant in w for w in results.warnings)


def test_suggestion_keeps_the_other_words_as_typed(spelled: Index) -> None:
    results = spelled.search("cylindrical shels investigaton")
    assert results.suggestion == "cylindrical shells investigation"


def test_short_words_get_no_typo(spelled: Index) -> None:
    # "wikc" is 4 letters: too short to tell a typo from another word.
    results = spelled.search("wikc")
    assert results.total == 0 and results.suggestion is None


def test_near_spellings_rank_below_exact(spelled: Index) -> None:
    # "kirigamo" is said more often, but it is not what was typed.
    assert ids(spelled.search("kirigami", fuzzy=True)) == ["pod/kiri.txt", "pod/near.txt"]
    assert ids(spelled.search("kirigamo", fuzzy=True)) == ["pod/near.txt", "pod/kiri.txt"]


def test_near_spellings_do_not_flood(spelled: Index) -> None:
    results = spelled.search("bakerz")
    assert results.fuzzy
    assert results.total == typos.MAX_NEAR  # not all sixteen one-letter neighbours


def test_nonsense_finds_nothing_and_suggests_nothing(spelled: Index) -> None:
    results = spelled.search("qzxvwkjhtr")
    assert (results.total, results.suggestion, results.fuzzy) == (0, None, False)


def test_no_suggestion_work_when_the_query_has_results(
    spelled: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(search.typos, "near_words", lambda *a, **k: calls.append(a) or [])
    assert spelled.search("lighthouse keeper").total == 1
    assert calls == []
    spelled.search("lighthuose")
    assert calls


def test_defecters_does_not_flood_the_sample(tmp_path: Path) -> None:
    # It used to return ten unrelated episodes (desert, directly, direction).
    ix = Index.create(tmp_path / "ix")
    assert ix.add_paths([REPO / "data"]).ok
    assert ix.search("defecters").total == 0
    ix.close()


def test_the_two_typo_scan_stops_when_its_time_is_up() -> None:
    vocab = Vocabulary.of(["lighthouse", "lighthousr"])
    assert near_words("lgihthuose", vocab, time_limit=0) == []  # the scan never started
    assert near_words("lighthousx", vocab, time_limit=0) != []  # one typo: no scan needed


def test_a_suggestion_that_finds_nothing_either_is_offered_not_applied(spelled: Index) -> None:
    results = spelled.search("lighthuose", host="Nobody Else")
    assert (results.total, results.suggestion, results.fuzzy) == (0, "lighthouse", False)
