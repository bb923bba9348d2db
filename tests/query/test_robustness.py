"""Hostile queries and options: each returns results or raises a searchpod error, quickly.

Every case here was found by trying to break searchpod (issue 10); each escaped as a raw
engine exception, or ran for seconds to minutes on a 180-episode index.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod import Index, OptionError, QueryError, SearchpodError, Sort
from searchpod.engine import budget as engine_budget
from searchpod.engine.searchers import KEEP_IDLE
from searchpod.frontends.cli import main
from searchpod.query import search


@pytest.mark.parametrize(
    "query",
    [
        "speaker:[a TO b]",
        "published:>&",
        ">host:x",
        "NOT NOT keepers",
        "published:[zzz TO qqq]",
        "\ud800*",
    ],
)
def test_malformed_queries_are_query_errors(shared_index: Index, query: str) -> None:
    with pytest.raises(QueryError) as caught:
        shared_index.search(query)
    assert caught.value.query == query
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "query",
    [
        "*",
        "body:*",
        "speaker:*",
        "keep*",
        "keepr~2",
        "octopus~",
        "2 SP* ANDNOT O0TOPU",
        "T0:episode:0",
    ],
)
def test_pattern_queries_answer(shared_index: Index, query: str) -> None:
    results = shared_index.search(query)
    # The fixture's episodes have no speakers: speaker:* answers, with none.
    unmatched = ("2 SP* ANDNOT O0TOPU", "T0:episode:0", "speaker:*")
    assert results.total >= (query not in unmatched)


def test_a_lone_star_matches_every_episode(shared_index: Index) -> None:
    assert shared_index.search("*").total == 3
    assert shared_index.search("body:*").total == 3


def test_a_star_on_a_field_some_episodes_lack_finds_those_that_have_it(tmp_path: Path) -> None:
    (tmp_path / "pod").mkdir()
    (tmp_path / "pod" / "talk.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana Lima>Tides turn twice a day.\n"
    )
    (tmp_path / "pod" / "notes.txt").write_text("Tides and the moon, untimed notes.\n")
    with Index.create(tmp_path / "ix") as ix:
        ix.add_paths([tmp_path / "pod"])
        assert ix.search("*").total == 2
        said = ix.search("speaker:*")
        assert [h.id for h in said.hits] == ["pod/talk.vtt"]
        assert ix.search("tides speaker:*").total == 1


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"page": 1.5}, "page"),
        ({"page": 0}, "page"),
        ({"limit": "10"}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": 10**6}, "limit"),
        ({"episode": "1" + "0" * 5000}, "episodes"),
        ({"episodes": "1" + "0" * 20}, "episodes"),
        ({"episodes": range(1, 10, 2)}, "episodes"),
        ({"speaker": "a" * 100_000}, "speaker"),
        ({"host": "x" * 201}, "host"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2023-13"}, "until"),
        ({"since": 2023}, "since"),
        ({"sort": "sideways"}, "sort"),
        ({"facets": "yes"}, "facets"),
        ({"show": "\udcff"}, "show"),
    ],
)
def test_bad_option_values_are_option_errors(
    shared_index: Index, options: dict[str, object], option: str
) -> None:
    with pytest.raises(OptionError) as caught:
        shared_index.search("keepers", **options)  # type: ignore[arg-type]
    assert caught.value.option == option
    assert "--" not in str(caught.value)  # the library speaks of options, not CLI flags
    assert len(str(caught.value)) < 200


def test_a_query_that_is_not_text_is_a_query_error(shared_index: Index) -> None:
    with pytest.raises(QueryError):
        shared_index.search(None)  # type: ignore[arg-type]


def test_typed_options_mean_what_their_text_forms_mean(shared_index: Index) -> None:
    typed = shared_index.search(
        "keepers", since=dt.date(2021, 1, 1), until=dt.date(2021, 12, 31), sort=Sort.NEWEST
    )
    text = shared_index.search("keepers", since="2021", until="2021", sort="newest")
    assert [h.id for h in typed.hits] == [h.id for h in text.hits] == ["shows/eps-1.txt"]
    assert [h.id for h in shared_index.search("keepers", episodes=range(3, 4)).hits] == [
        "shows/eps-3.txt"
    ]
    assert shared_index.search("keepers", episodes=3).total == 1
    assert shared_index.search("keepers", episode="2..3").total == 1
    assert shared_index.search("keepers", episodes="..1").total == 1


def test_too_many_expansions_say_so(built_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_budget, "MAX_QUERY_EXPANSIONS", 4)
    with pytest.raises(QueryError, match="expand to more than 4 words"):
        built_index.search("k* l* s* t* a* b*")


def test_expansion_is_bounded_by_time(built_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_budget, "EXPANSION_BUDGET_S", 0.0)
    # Asked for near spellings: out of time, words are matched as written, and it says so.
    # (all=True: only the one episode holding both words as written, none relaxed in.)
    results = built_index.search("octopus keepers", fuzzy=True, all=True)
    assert results.total == 1
    assert any("too many words" in w for w in results.warnings)
    with pytest.raises(QueryError, match="expand"):
        built_index.search("keep*")


def test_a_huge_fuzzy_word_is_matched_exactly(shared_index: Index) -> None:
    results = shared_index.search("a" * 990 + "~2")
    assert results.total == 0
    assert any("matched exactly" in w for w in results.warnings)


def test_an_engine_failure_is_a_searchpod_error(
    built_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise IndexError("list index out of range")

    monkeypatch.setattr(search, "_hits", broken)
    with pytest.raises(SearchpodError, match="IndexError") as caught:
        built_index.search("keepers")
    assert isinstance(caught.value.__cause__, IndexError)


@pytest.mark.parametrize(
    "args",
    [
        ["search", "speaker:[a TO b]"],
        ["search", ">host:x"],
        ["search", "keepers", "--episode", "1" + "0" * 5000],
        ["search", "keepers", "--speaker", "a" * 100_000],
    ],
)
def test_cli_reports_bad_queries_in_one_line_with_exit_2(
    episodes_dir: Path, tmp_path: Path, args: list[str]
) -> None:
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    assert runner.invoke(main, ["--index", ix, "index", str(episodes_dir)]).exit_code == 0
    result = runner.invoke(main, ["--index", ix, *args])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bad_searchpod_workers_is_one_line_exit_2(episodes_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--index", str(tmp_path / "ix"), "index", str(episodes_dir)],
        env={"SEARCHPOD_WORKERS": "abc"},
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "searchpod: SEARCHPOD_WORKERS must be a number of worker processes (0 for none), not 'abc'"
    ]


def test_query_words_never_become_index_state(built_index: Index, episodes_dir: Path) -> None:
    from searchpod.indexing.store import StemShards

    for n in range(300):
        built_index.search(f"unheardofword{n}")
    (episodes_dir / "eps-4.txt").write_text("A new episode about lanterns.\n", encoding="utf-8")
    assert built_index.add_paths([episodes_dir]).added == ("shows/eps-4.txt",)
    gen = Index(built_index.path)._pool_for(None).gen
    saved = StemShards(gen).all()
    assert "lanterns" in saved
    assert not [w for w in saved if w.startswith("unheardofword")]


def test_two_indexes_keep_their_own_stem_memo(built_index: Index, tmp_path: Path) -> None:
    other = Index.create(tmp_path / "other")
    built_index.search("zanzibarian")
    assert "zanzibarian" in built_index._analyser.stem_table()
    assert "zanzibarian" not in other._analyser.stem_table()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_short_lived_threads_leave_no_open_files(built_index: Index, episodes_dir: Path) -> None:
    # Several segments, so each searcher holds several files.
    for n in range(5, 9):
        (episodes_dir / f"eps-{n}.txt").write_text(f"Episode {n} about lanterns.\n")
        built_index.add_paths([episodes_dir])
    built_index.close()
    closed = open_fds()
    built_index.search("lanterns")
    per_searcher = open_fds() - closed
    assert per_searcher >= 8  # the test means something only if a searcher holds files

    def one_search() -> None:
        assert built_index.search("lanterns").total == 4

    def rounds(count: int) -> None:
        for _ in range(count):
            threads = [threading.Thread(target=one_search) for _ in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

    rounds(20)
    # At most the idle searchers the pool keeps, however many threads came and went.
    assert open_fds() - closed <= KEEP_IDLE * per_searcher
    built_index.close()
    assert open_fds() == closed


def test_a_searcher_that_cannot_open_leaves_no_file_open(
    built_index: Index, episodes_dir: Path
) -> None:
    import gc

    (episodes_dir / "eps-5.txt").write_text("Episode 5 about lanterns.\n", encoding="utf-8")
    built_index.add_paths([episodes_dir])  # a second segment
    built_index.close()
    gen = Index(built_index.path)._pool_for(None).gen
    # As if another process's commit removed it between reading the TOC and opening it.
    sorted(gen.glob("MAIN_*.pst"))[-1].unlink()
    closed = open_fds()
    with pytest.raises(SearchpodError, match="please report"):
        built_index.search("lanterns")
    gc.collect()  # a leaked file would warn here (an error under pytest), or stay open
    built_index.close()
    assert open_fds() <= closed
