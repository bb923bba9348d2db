"""Moments: timed passages across episodes, with the search's filters, paging and JSON."""

from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchpod import Index, OptionError, QueryError
from searchpod.frontends.cli import main
from searchpod.model import Moment
from searchpod.query.moments import spread_over_pages
from tests.serve_helpers import FOG_HORN_AT, write_show

MOMENT_KEYS = {
    "id",
    "title",
    "show",
    "episode",
    "published",
    "start",
    "end",
    "speaker",
    "text",
    "highlights",
    "link",
    "score",
}


@pytest.fixture(scope="module")
def show_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("moments")
    write_show(root / "show", media_base="https://media.example/pod")
    Index.build(root / "index", [root / "show"])
    return root / "index"


def test_a_moment_is_the_passage_said_together_with_its_time_speaker_and_episode(show_index):
    results = Index(show_index).moments('"fog horn"')
    assert results.total == 1
    (moment,) = results.moments
    assert moment.id == "show/ep-1.txt"
    assert moment.title == "Eps 1: Lighthouse keepers of the north"
    assert (moment.show, moment.episode, str(moment.published)) == (
        "Harbour Lights",
        1,
        "2021-03-14",
    )
    assert moment.start == FOG_HORN_AT and moment.end is not None and moment.end > moment.start
    assert moment.speaker == "Ostin Brae"
    marked = [moment.text[s:e] for s, e in moment.highlights]
    assert marked == ["fog", "horn"]
    assert moment.link == f"https://media.example/pod/ep-1.wav#t={int(FOG_HORN_AT)}"


def test_an_episode_gives_several_moments_but_does_not_flood_the_first_page(show_index):
    ix = Index(show_index)
    everything = ix.moments("lighthouse", limit=10).moments
    from_ep1 = [m for m in everything if m.id == "show/ep-1.txt"]
    assert len(from_ep1) >= 3
    assert len({m.start for m in from_ep1}) == len(from_ep1)  # different passages
    first_page = ix.moments("lighthouse", limit=3).moments
    assert len({m.id for m in first_page}) == 3


def test_moments_are_ranked_best_first_and_page_without_overlap(show_index):
    ix = Index(show_index)
    whole = ix.moments("lighthouse", limit=50)
    assert whole.total == len(whole.moments) >= 5
    pages = [ix.moments("lighthouse", limit=2, page=p) for p in range(1, whole.total // 2 + 2)]
    assert [len(p.moments) for p in pages[:-1]] == [2] * (len(pages) - 1)
    assert len(pages[-1].moments) == whole.total % 2
    assert {(p.total, p.episodes) for p in pages} == {(whole.total, whole.episodes)}
    paged = [(m.id, m.start, m.text) for p in pages for m in p.moments]
    assert sorted(paged) == sorted((m.id, m.start, m.text) for m in whole.moments)
    assert whole.moments[0].score == max(m.score for m in whole.moments)


def test_moments_take_the_same_filters_as_search(show_index):
    ix = Index(show_index)
    assert {m.id for m in ix.moments("lighthouse", show="deep water").moments} == {"show/ep-3.txt"}
    assert {m.id for m in ix.moments("lighthouse", since="2022", until="2022").moments} == {
        "show/ep-2.html"
    }
    assert {m.id for m in ix.moments("lighthouse", host="okafor").moments} == {"show/ep-1.txt"}
    assert {m.id for m in ix.moments("lighthouse", episode="3").moments} == {"show/ep-3.txt"}
    said = ix.moments("lighthouse", speaker="ostin").moments
    assert said and all(m.speaker == "Ostin Brae" for m in said)
    newest = [m.id[5:] for m in ix.moments("lighthouse", sort="newest", limit=50).moments]
    assert newest == sorted(newest, key=["ep-3.txt", "ep-2.html", "ep-1.txt"].index)
    assert set(newest) == {"ep-3.txt", "ep-2.html", "ep-1.txt"}


def test_moments_use_the_query_language_and_its_errors(show_index):
    ix = Index(show_index)
    assert ix.moments("lighthouse NOT bread").episodes == 2
    with pytest.raises(QueryError):
        ix.moments('"fog horn')
    with pytest.raises(QueryError):
        ix.moments("lighthouse", limit=0)


def test_a_javascript_media_url_never_becomes_a_moment_link(show_index):
    (moment,) = Index(show_index).moments("bakers").moments
    assert moment.id == "show/ep-2.html"
    assert moment.link is None


def test_the_page_cap_defers_but_never_drops_moments():
    moments = [Moment(id="a", title="A", text="x", score=1.0 - i / 10) for i in range(6)]
    moments.insert(3, Moment(id="b", title="B", text="y", score=0.1))
    spread = spread_over_pages(moments, 4)
    assert sorted(spread, key=id) == sorted(moments, key=id)
    # At most 2 of a page of 4 from "a" while "b" is left; then "a" fills the page, and
    # the page is in score order.
    assert [m.id for m in spread[:4]] == ["a", "a", "a", "b"]
    assert [m.score for m in spread[:4]] == sorted((m.score for m in spread[:4]), reverse=True)


def test_search_moments_json_is_the_documented_shape(show_index):
    result = CliRunner().invoke(
        main, ["--index", str(show_index), "search", "--moments", "--json", "fog horn"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {
        "query",
        "total",
        "total_exact",
        "episodes",
        "fuzzy",
        "relaxed",
        "page",
        "limit",
        "suggestion",
        "warnings",
        "moments",
    }
    assert set(data["moments"][0]) == MOMENT_KEYS
    assert data["moments"][0]["start"] == FOG_HORN_AT


def test_search_moments_prints_time_speaker_and_marked_words(show_index):
    result = CliRunner().invoke(
        main, ["--index", str(show_index), "search", "--moments", "--format", "plain", "fog horn"]
    )
    assert result.exit_code == 0
    assert "[00:00:12] Ostin Brae: Then the **fog** **horn** sounded" in result.output
    bad = CliRunner().invoke(main, ["--index", str(show_index), "search", "--moments", "(fog"])
    assert bad.exit_code == 2
    assert "unclosed" in bad.output


def test_moments_say_when_they_hold_only_some_of_the_words(show_index):
    ix = Index(show_index)
    some = ix.moments("lighthouse bakers")
    assert some.relaxed and some.to_dict()["relaxed"] is True
    assert {m.id for m in some.moments} > {"show/ep-2.html"}
    every = ix.moments("lighthouse bakers", all=True)
    assert not every.relaxed and {m.id for m in every.moments} == {"show/ep-2.html"}


def test_every_page_of_moments_comes_from_the_same_pool(show_index):
    ix = Index(show_index)
    total = ix.moments("lighthouse OR keepers").total
    pages = [ix.moments("lighthouse OR keepers", limit=1, page=p) for p in range(1, total + 1)]
    assert len({p.total for p in pages}) == 1 and len({p.episodes for p in pages}) == 1
    paged = [(m.id, m.text) for p in pages for m in p.moments]
    assert len(paged) == pages[0].total
    whole = ix.moments("lighthouse OR keepers", limit=len(paged))
    assert sorted(paged) == sorted((m.id, m.text) for m in whole.moments)


@pytest.mark.parametrize(("option", "value"), [("page", 1.5), ("limit", "10"), ("page", True)])
def test_moments_options_are_checked_like_searchs(show_index, option, value):
    with pytest.raises(OptionError) as caught:
        Index(show_index).moments("lighthouse", **{option: value})
    assert caught.value.option == option


def test_moments_in_html_and_plain_escape_everything_from_the_file(tmp_path):
    pod = tmp_path / "pod"
    pod.mkdir()
    said = {"speaker": "R&D <3 Team", "startTime": 1, "endTime": 2}
    (pod / "ep.json").write_text(
        json.dumps({"version": "1.0.0", "segments": [{**said, "body": "the zebra\x1b]0;t\x07"}]})
    )
    Index.build(tmp_path / "ix", [pod])
    run = CliRunner().invoke(
        main, ["--index", str(tmp_path / "ix"), "search", "zebra", "--moments", "--format", "html"]
    )
    assert run.exit_code == 0, run.output
    assert "R&amp;D &lt;3 Team: " in run.output and "<3" not in run.output
    assert "\x1b" not in run.output and "\x07" not in run.output


def test_no_moments_is_said(show_index):
    run = CliRunner().invoke(main, ["--index", str(show_index), "search", "zqxv", "--moments"])
    assert run.exit_code == 0
    assert "No moments match 'zqxv'." in run.output


def test_the_web_page_and_mcp_say_when_moments_are_relaxed(show_index):
    from searchpod.frontends.mcp_server import _moment_results
    from searchpod.frontends.server.pages import moments_page

    found = Index(show_index).moments("lighthouse bakers")
    assert "Few episodes hold every word" in moments_page(found, {}, {"q": "lighthouse bakers"})
    assert _moment_results(found, [])["relaxed"] is True


def test_an_estimated_total_says_about_everywhere_it_is_shown(show_index, monkeypatch):
    from searchpod.frontends.mcp_server import _moment_results
    from searchpod.frontends.server.pages import moments_page
    from searchpod.query import moments

    exact = Index(show_index).moments("lighthouse", limit=2)
    assert exact.total_exact and exact.to_dict()["total_exact"] is True
    assert "total_exact" not in _moment_results(exact, [])
    # An index whose postings cannot be counted at once (an older one): past this many
    # occurrences of the query's words, moments are not all counted.
    monkeypatch.setattr(moments, "count_passages", lambda *args: None)
    monkeypatch.setattr(moments, "EXACT_OCCURRENCES", 0)
    found = Index(show_index).moments("lighthouse", limit=2)
    assert not found.total_exact and found.episodes == exact.episodes
    assert found.total_label == f"about {found.total}"
    run = CliRunner().invoke(
        main,
        ["--index", str(show_index), "search", "--moments", "--limit", "2", "lighthouse"],
        env={"NO_COLOR": "1"},
    )
    assert run.exit_code == 0, run.output
    assert f"1–2 of about {found.total} moments, from {found.episodes}" in run.output
    as_json = CliRunner().invoke(
        main, ["--index", str(show_index), "search", "--moments", "--json", "lighthouse"]
    )
    assert json.loads(as_json.output)["total_exact"] is False
    assert f"of about {found.total} from" in moments_page(found, {}, {"q": "lighthouse"})
    assert _moment_results(found, [])["total_exact"] is False


@given(
    passages=st.lists(st.integers(0, 400), max_size=30, unique=True).map(sorted),
    starts=st.lists(st.integers(-1, 450), max_size=80).map(sorted),
)
def test_matches_are_counted_per_passage_whichever_side_is_looked_up(
    passages: list[int], starts: list[int]
) -> None:
    # A common word (more starts than passages) is counted by looking up the passage starts
    # among its starts, a rare one the other way round: the counts, and their order, agree
    # with mapping each start to its passage.
    from collections import Counter
    from itertools import repeat

    from searchpod.query.moments import _per_passage

    expected = Counter(map(bisect_right, repeat(passages), starts))
    found = _per_passage(tuple(passages), starts)
    assert dict(found) == dict(expected)
    assert list(found) == sorted(expected)


@given(items=st.lists(st.integers(0, 20), max_size=60))
def test_counting_without_cpythons_helper_gives_the_same_counts(items: list[int]) -> None:
    # Moments count with Counter's C helper where Python has it, and fall back to Counter.
    from collections import Counter

    from searchpod.query import moments

    expected = dict(Counter(items))
    assert moments._counted(iter(items)) == expected
    saved = moments._count_elements
    moments._count_elements = None
    try:
        found = moments._counted(iter(items))
    finally:
        moments._count_elements = saved
    assert found == expected and list(found) == list(expected)
