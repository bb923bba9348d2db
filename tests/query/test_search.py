"""Searching: query language, ranking, snippets, filters, paging, facets, typos, bounds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from searchpod import Index, QueryError


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def test_and_by_default(shared_index: Index) -> None:
    # Every word first; with so few full matches, episodes holding some of them follow.
    results = shared_index.search("keepers octopus")
    assert ids(results) == ["shows/eps-3.txt", "shows/eps-1.txt"]
    assert results.relaxed
    assert ids(shared_index.search("keepers octopus", all=True)) == ["shows/eps-3.txt"]


def test_stemmed_forms_match(shared_index: Index) -> None:
    assert ids(shared_index.search("loaves")) == ["shows/eps-2.txt"]
    assert ids(shared_index.search("baker")) == ["shows/eps-2.txt"]
    assert ids(shared_index.search("BAKERS")) == ["shows/eps-2.txt"]


def test_title_outranks_body(shared_index: Index) -> None:
    # "keepers" is in eps-1's title and only in eps-3's summary/body.
    assert ids(shared_index.search("keepers"))[0] == "shows/eps-1.txt"


def test_phrase_or_not_fields_and_parentheses(shared_index: Index) -> None:
    assert ids(shared_index.search('"assize of bread"')) == ["shows/eps-2.txt"]
    assert ids(shared_index.search('"bread assize"')) == []
    assert sorted(ids(shared_index.search("octopus OR bakers"))) == [
        "shows/eps-2.txt",
        "shows/eps-3.txt",
    ]
    assert ids(shared_index.search("keepers NOT octopus")) == ["shows/eps-1.txt"]
    assert ids(shared_index.search("host:petrov")) == ["shows/eps-2.txt"]
    assert sorted(ids(shared_index.search("(octopus OR lighthouse) host:okafor"))) == [
        "shows/eps-1.txt",
        "shows/eps-3.txt",
    ]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("title:(unclosed", "unclosed '('"),
        ('"open phrase', "unclosed quote"),
        ("a)b", "unmatched ')'"),
        ("colour:blue", "unknown field 'colour'"),
        ("", "empty query"),
        ("x" * 9000, "longer than"),
        ("word " * 600, "at most 500 are searched"),
    ],
)
def test_malformed_queries_raise_query_error(shared_index: Index, query: str, needle: str) -> None:
    with pytest.raises(QueryError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        shared_index.search(query)


def test_snippet_highlights_cover_the_matched_words(shared_index: Index) -> None:
    hit = shared_index.search("fresnel lenses").hits[0]
    snippet = hit.snippets[0]
    marked = [snippet.text[s:e] for s, e in snippet.highlights]
    assert [w.lower() for w in marked] == ["fresnel", "lenses"]
    assert len(snippet.text) <= 220
    assert not snippet.text[0].isspace() and not snippet.text[-1].isspace()


def test_title_and_summary_highlights(shared_index: Index) -> None:
    hit = shared_index.search("octopus").hits[0]
    assert [hit.title[s:e] for s, e in hit.title_highlights] == ["Octopus"]
    assert [hit.summary[s:e] for s, e in hit.summary_highlights] == ["Octopuses"]


def test_match_near_the_end_of_a_long_transcript(tmp_path: Path) -> None:
    """Whoosh's default highlighter gives up after 32K characters; ours must not."""
    folder = tmp_path / "long"
    folder.mkdir()
    rows = ["start\tend\ttext"]
    for i in range(3000):  # ~150 KB of text, one line every 2.5 s
        rows.append(
            f"{i * 2500}\t{i * 2500 + 2400}\tLine {i} talks about the weather and traffic again today."
        )
    rows.append(f"{3000 * 2500}\t{3000 * 2500 + 2000}\tFinally the zanzibar archipelago comes up.")
    (folder / "ep.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ix = Index.create(tmp_path / "ix")
    assert ix.add_paths([folder]).ok
    hit = ix.search("zanzibar").hits[0]
    snippet = hit.snippets[0]
    assert "zanzibar" in snippet.text
    assert snippet.start == pytest.approx(7500.0, abs=1)


def test_zero_hits_is_not_an_error(shared_index: Index) -> None:
    results = shared_index.search("submarine")
    assert results.total == 0 and results.hits == ()


def test_filters_combine(shared_index: Index) -> None:
    assert sorted(ids(shared_index.search("keepers", host="okafor"))) == [
        "shows/eps-1.txt",
        "shows/eps-3.txt",
    ]
    assert ids(shared_index.search("keepers", show="deep water")) == ["shows/eps-3.txt"]
    assert ids(shared_index.search("keepers", since="2023")) == ["shows/eps-3.txt"]
    assert ids(shared_index.search("keepers", until="2021-12")) == ["shows/eps-1.txt"]
    assert ids(shared_index.search("keepers", episode="2..3")) == ["shows/eps-3.txt"]
    assert ids(shared_index.search("keepers episode:[1 TO 1]")) == ["shows/eps-1.txt"]
    assert ids(shared_index.search("keepers", host="okafor", since="2023")) == ["shows/eps-3.txt"]


@pytest.mark.parametrize(
    ("option", "value"), [("since", "last tuesday"), ("episode", "ten"), ("sort", "random")]
)
def test_bad_options_raise_query_error(shared_index: Index, option: str, value: str) -> None:
    with pytest.raises(QueryError):
        shared_index.search("keepers", **{option: value})


def test_sort_by_date(shared_index: Index) -> None:
    q = "keepers OR bakers"
    assert ids(shared_index.search(q, sort="newest")) == [
        "shows/eps-3.txt",
        "shows/eps-2.txt",
        "shows/eps-1.txt",
    ]
    assert ids(shared_index.search(q, sort="oldest")) == [
        "shows/eps-1.txt",
        "shows/eps-2.txt",
        "shows/eps-3.txt",
    ]


def test_sorted_hits_keep_their_relevance_scores(shared_index: Index) -> None:
    # Sorted by date, a hit's score is still its relevance (not the date sort key).
    q = "keepers OR bakers"
    by_relevance = {h.id: h.score for h in shared_index.search(q).hits}
    for sort in ("newest", "oldest"):
        hits = shared_index.search(q, sort=sort).hits
        assert {h.id: h.score for h in hits} == pytest.approx(by_relevance)
        assert all(h.score > 0 for h in hits)


def test_undated_episodes_sort_last_both_ways(built_index: Index, episodes_dir: Path) -> None:
    (episodes_dir / "eps-0.txt").write_text(
        "Eps 0: Undated keepers\n— Harbour Lights\nNo date.\nHost\nMara Okafor\n"
        "Podcast Content\nkeepers of nothing in particular\n"
    )
    built_index.add_paths([episodes_dir])
    assert ids(built_index.search("keepers", sort="newest"))[-1] == "shows/eps-0.txt"
    assert ids(built_index.search("keepers", sort="oldest"))[-1] == "shows/eps-0.txt"


def test_published_in_the_query_language(shared_index: Index) -> None:
    assert ids(shared_index.search("keepers published:2023")) == ["shows/eps-3.txt"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Dates: eps-1 2021-03-14, eps-2 2022-07-02, eps-3 2023-11-20.
        ("published:<2021-03-14", []),
        ("published:<=2021-03-14", ["shows/eps-1.txt"]),
        ("published:>2022-07-02", ["shows/eps-3.txt"]),
        ("published:>=2022-07-02", ["shows/eps-2.txt", "shows/eps-3.txt"]),
        ("published:[2021-03-15 TO 2023-11-19]", ["shows/eps-2.txt"]),
        ("published:[2022-07 TO 2022-07]", ["shows/eps-2.txt"]),
        ("published:{2021-03-14 TO 2023-11-20}", ["shows/eps-2.txt"]),
        ("published:[2021 TO 2022]", ["shows/eps-1.txt", "shows/eps-2.txt"]),
    ],
)
def test_date_ranges_keep_the_precision_typed(
    shared_index: Index, query: str, expected: list[str]
) -> None:
    # Whoosh's English date grammar read "2021-03-14" in a range as the whole year 2021.
    assert sorted(ids(shared_index.search(query))) == expected


def test_published_star_is_the_dated_episodes(built_index: Index, episodes_dir: Path) -> None:
    (episodes_dir / "eps-0.txt").write_text(
        "Eps 0: Undated keepers\n— Harbour Lights\nNo date.\nHost\nMara Okafor\n"
        "Podcast Content\nkeepers of nothing in particular\n"
    )
    built_index.add_paths([episodes_dir])
    assert built_index.search("published:*").total == 3
    assert ids(built_index.search("keepers NOT published:*")) == ["shows/eps-0.txt"]


def test_paging_is_stable_with_no_gaps(shared_index: Index) -> None:
    q = "keepers OR bakers"
    everything = ids(shared_index.search(q, limit=10))
    pages = [shared_index.search(q, limit=1, page=p) for p in (1, 2, 3, 4)]
    assert [r.total for r in pages] == [3, 3, 3, 3]
    assert [i for r in pages for i in ids(r)] == everything


def test_facets_count_the_whole_result_set(shared_index: Index) -> None:
    results = shared_index.search("keepers OR bakers", limit=1, facets=True)
    assert results.facets == {
        "host": {"Mara Okafor": 2, "Jonas Petrov": 1},
        "show": {"Harbour Lights": 2, "Deep Water": 1},
    }


def test_typo_gets_a_suggestion_and_still_finds_the_episode(shared_index: Index) -> None:
    results = shared_index.search("octopusses")
    assert results.suggestion is not None
    assert ids(results) == ["shows/eps-3.txt"]
    assert results.fuzzy


def test_explicit_fuzzy_term(shared_index: Index) -> None:
    assert ids(shared_index.search("lighthouze~")) == ["shows/eps-1.txt"]


def test_prefix_query(shared_index: Index) -> None:
    assert ids(shared_index.search("octop*")) == ["shows/eps-3.txt"]


def test_wildcard_expansion_is_bounded(tmp_path: Path) -> None:
    from searchpod.query.search import MAX_EXPANSIONS

    folder = tmp_path / "vocab"
    folder.mkdir()
    words = " ".join(f"zq{i:05d}" for i in range(MAX_EXPANSIONS * 3))
    (folder / "ep.txt").write_text(f"Eps 1: Words\n— S\nsum\nHost\nH\nPodcast Content\n{words}\n")
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([folder])
    results = ix.search("zq*")
    assert results.total == 1
    assert any("most common" in w for w in results.warnings)


def test_concurrent_searches_from_threads(shared_index: Index) -> None:
    errors: list[BaseException] = []
    expected = ids(shared_index.search("keepers"))

    def worker() -> None:
        try:
            for _ in range(30):
                assert ids(shared_index.search("keepers")) == expected
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_searcher_sees_new_commits(built_index: Index, episodes_dir: Path) -> None:
    other = Index(built_index.path)
    assert other.search("zeppelin").total == 0
    (episodes_dir / "eps-7.txt").write_text(
        "Eps 7: Airships\n— Harbour Lights\nZeppelins.\nHost\nMara Okafor\nPodcast Content\nA zeppelin.\n"
    )
    built_index.add_paths([episodes_dir])
    assert other.search("zeppelin").total == 1
