"""A filter that excludes every episode says so, in every front end: "no episode has a
date", "no show matches 'Python Bytes' (shows: …)", "no speaker named …" — never a bare
"no results" that reads as "the show never said it"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchpod import Index
from searchpod.engine.holdings import Holdings
from searchpod.frontends.cli import main
from searchpod.frontends.mcp_server import IndexTools
from searchpod.frontends.server import create_app
from searchpod.options import SearchOptions
from searchpod.query.why_empty import filter_warnings

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ana Lima>The bridge over the river was painted green in {year}.

00:00:05.000 --> 00:00:09.000
<v Felix Grant>Rivets rusted, and the council argued about bridges for a decade.
"""
NO_DATE = "no episode has a date"
NO_PYTHON_BYTES = "no show matches 'Python Bytes' (no episode names its show)"


def civic_index(root: Path, name: str, show: str | None = None) -> Path:
    """Two "bridges" transcripts (1931, 1958) in ``root``, files named by ``name`` (from
    ``n``), indexed with ``show`` given at indexing."""
    folder = root / "civic"
    folder.mkdir()
    for n, year in ((1, 1931), (2, 1958)):
        (folder / name.format(n=n)).write_text(VTT.format(year=year), encoding="utf-8")
    Index.build(root / "index", [folder], show=show)
    return root / "index"


@pytest.fixture(scope="module")
def undated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of two transcripts with no date, no show, and speakers Ana and Felix."""
    return civic_index(tmp_path_factory.mktemp("undated"), "{n}-bridges.vtt")


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, with the show named at indexing and a date on each episode."""
    return civic_index(tmp_path_factory.mktemp("named"), "2024-0{n}-10-bridges.vtt", "Civic Hour")


def test_the_library_names_each_filter_that_excludes_everything(undated: Path) -> None:
    ix = Index(undated)
    assert ix.search("bridges").total == 2  # the words are there
    assert NO_DATE in ix.search("bridges", since="2023").warnings[0]
    assert ix.search("bridges", show="Python Bytes").warnings == (NO_PYTHON_BYTES,)
    speaker = ix.search("bridges", speaker="Dan Harmon").warnings
    assert speaker == ("no speaker named 'Dan Harmon' (speakers: Ana Lima, Felix Grant)",)
    numbered = ix.search("bridges", episodes="500..600").warnings
    assert numbered == ("no episode numbered 500..600 (episodes are numbered 1..2)",)
    assert "no host matches 'Ana'" in ix.search("bridges", host="Ana").warnings[0]


def test_moments_carry_the_same_warning(undated: Path) -> None:
    found = Index(undated).moments("bridges", show="Python Bytes")
    assert found.total == 0 and found.warnings == (NO_PYTHON_BYTES,)


def test_the_shows_there_are_are_listed(named: Path) -> None:
    ix = Index(named)
    results = ix.search("bridges", show="Python Bytes")
    assert results.warnings == ("no show matches 'Python Bytes' (shows: Civic Hour)",)
    assert ix.search("bridges", show="civic").total == 2  # the named show filters


def test_filters_that_each_match_but_not_together_say_how_many_match_without(
    named: Path,
) -> None:
    results = Index(named).search("bridges", since="2024-01-11", until="2024-02-09")
    assert results.total == 0
    assert results.warnings == (
        "2 episodes match without the filters, but none passes all of them together",
    )


def test_a_date_range_outside_every_date_gives_the_dates_there_are(named: Path) -> None:
    results = Index(named).search("bridges", since="2025")
    assert results.warnings == (
        "no episode is dated in that range (episodes are dated 2024-01-10..2024-02-10)",
    )


def test_a_search_that_finds_something_has_no_such_warning(named: Path) -> None:
    assert Index(named).search("bridges", since="2024").warnings == ()
    assert Index(named).search("zeppelin", show="Civic Hour").warnings == ()


def test_terminal_prints_a_note_and_json_carries_warnings(undated: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["--index", str(undated), "search", "bridges", "--since", "2023"])
    assert out.exit_code == 0
    assert "note: no episode has a date" in out.output
    out = runner.invoke(
        main, ["--index", str(undated), "search", "uv", "--show", "Python Bytes", "--json"]
    )
    assert json.loads(out.output)["warnings"] == [NO_PYTHON_BYTES]
    out = runner.invoke(
        main, ["--index", str(undated), "search", "bridges", "--speaker", "Nobody Here"]
    )
    assert "note: no speaker named 'Nobody Here' (speakers: Ana Lima, Felix Grant)" in out.output


def test_web_page_and_api_show_the_warning(undated: Path) -> None:
    with TestClient(create_app(undated)) as client:
        html = client.get("/", params={"q": "uv", "show": "Python Bytes"}).text
        assert '<p class="warning">no show matches &#x27;Python Bytes&#x27;' in html.replace(
            "&#39;", "&#x27;"
        )
        data = client.get("/api/search", params={"q": "bridges", "since": "2023"}).json()
        assert NO_DATE in data["warnings"][0]


def test_mcp_search_and_moments_carry_notes(undated: Path) -> None:
    tools = IndexTools(undated)
    answer = json.loads(tools.search(query="uv", show="Python Bytes"))
    assert answer["total"] == 0 and NO_PYTHON_BYTES in answer["notes"]
    answer = json.loads(tools.moments(query="bridges", since="2023"))
    assert any(NO_DATE in note for note in answer["notes"])


def test_filter_warnings_is_pure() -> None:
    held = Holdings(episodes=3, dated=0, dates=None, numbers=None, shows=("Harmontown",), hosts=(),
                    speakers=())  # fmt: skip
    options = SearchOptions.parse(show="Python Bytes", since="2023")
    assert filter_warnings(held, options) == [
        "no episode has a date, so the date filter (since/until) excludes them all",
        "no show matches 'Python Bytes' (shows: Harmontown)",
    ]
    assert filter_warnings(held, SearchOptions.parse(show="harmontown")) == []
    assert "no episode has a number" in filter_warnings(held, SearchOptions.parse(episodes=7))[0]
    empty = Holdings(episodes=0, dated=0, dates=None, numbers=None, shows=(), hosts=(), speakers=())
    assert "holds no episodes" in filter_warnings(empty, options)[0]
