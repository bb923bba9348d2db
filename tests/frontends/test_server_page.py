"""The web page as HTML (no browser): search without JavaScript, escaping, links, share links."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from searchpod import Index
from searchpod.frontends.server import create_app
from searchpod.frontends.server.pages import current_cue
from tests.conftest import text_page
from tests.serve_helpers import FOG_HORN_AT, SCRIPT_TEXT, write_show

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.IGNORECASE)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root = tmp_path_factory.mktemp("page")
    write_show(root / "show", media_base="https://media.example/pod")
    Index.build(root / "index", [root / "show"])
    with TestClient(create_app(root / "index")) as c:
        yield c


def test_home_page_is_a_search_form_that_works_without_javascript(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<form class="search" role="search" action="/" method="get">' in html
    for name in ("q", "show", "host", "speaker", "since", "until"):
        assert f'name="{name}"' in html
    assert "(3 with timed transcripts)" in html
    assert '<script src="/static/app.js" defer></script>' in html
    assert not INLINE_SCRIPT.search(html)


def test_results_show_highlighted_moments_with_time_and_speaker(client):
    html = client.get("/", params={"q": "fog horn"}).text
    assert "Moments 1–1 of 1 from 1 episode for “fog horn”." in html
    assert "<mark>fog</mark> <mark>horn</mark>" in html
    assert '<span class="speaker">Ostin Brae:</span>' in html
    assert (
        '<a class="time" href="/e/show/ep-1.txt?t=12&amp;q=fog+horn#c2" '
        'data-media="https://media.example/pod/ep-1.wav" data-start="12"' in html
    )
    assert 'value="fog horn"' in html


def test_filters_and_paging_work_as_plain_links(client):
    html = client.get("/", params={"q": "lighthouse", "show": "deep water"}).text
    assert "Octopus minds" in html and "Lighthouse keepers" not in html
    assert '<details class="filters" open>' in html  # a filter in use stays visible
    first = client.get("/", params={"q": "lighthouse", "limit": "2"}).text
    assert 'rel="next" href="/?q=lighthouse&amp;limit=2&amp;page=2"' in first
    assert '<a aria-current="page" href="/?q=lighthouse&amp;limit=2">1</a>' in first
    second = client.get("/", params={"q": "lighthouse", "limit": "2", "page": "2"}).text
    assert 'rel="prev"' in second and 'rel="next"' in second


def test_a_script_said_in_a_transcript_shows_as_text(client):
    results = client.get("/", params={"q": "tank"}).text
    episode = client.get("/e/show/ep-3.txt", params={"q": "tank"}).text
    for html in (results, episode):
        assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
        assert SCRIPT_TEXT not in html
        assert not INLINE_SCRIPT.search(html)


def test_javascript_urls_from_pages_are_never_links(client):
    results = client.get("/", params={"q": "bakers"}).text
    episode = client.get("/e/show/ep-2.html").text
    for html in (results, episode):
        assert "Bread and lighthouses" in html
        assert "javascript:" not in html
    # No audio to play: the time opens the episode page at that moment instead.
    assert '<a class="time" href="/e/show/ep-2.html?t=30&amp;q=bakers#c0" aria-label' in results
    assert 'data-episode="show/ep-2.html"' not in episode  # no player of its own


def test_share_link_marks_the_line_said_then_and_readies_the_audio_there(client):
    html = client.get("/e/show/ep-1.txt", params={"t": "13"}).text
    current = re.findall(
        r'<li id="c(\d+)" class="cue current" aria-current="true"[^>]*>(.*?)</li>', html
    )
    assert len(current) == 1
    assert "fog horn sounded twice" in current[0][1]
    assert 'src="https://media.example/pod/ep-1.wav#t=13" data-start="13"' in html
    assert html.count('aria-current="true"') == 1


def test_episode_page_highlights_the_query_words(client):
    html = client.get("/e/show/ep-1.txt", params={"q": "lamp"}).text
    assert "The lighthouse <mark>lamp</mark> burned whale oil." in html
    assert 'href="/?q=lamp">Back to results</a>' in html


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/?q=%22fog", 400, "unclosed quote"),
        ("/?q=fog&since=soon", 400, "--since"),
        ("/e/show/ep-1.txt?t=soon", 400, "must be a number of seconds"),
        ("/e/show/ep-1.txt?t=-5", 400, "must be a number of seconds"),
        ("/e/show/nope.txt", 404, "no episode with id"),
        ("/e/%2e%2e/%2e%2e/etc/passwd", 404, "no episode with id"),
        ("/nowhere", 404, "Not Found"),
    ],
)
def test_page_errors_are_pages_with_the_reason(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<p class="error" role="alert">' in response.text
    assert words in response.text


def test_static_files_are_served_and_nothing_else_is(client):
    assert client.get("/static/app.css").status_code == 200
    assert "prefers-color-scheme: dark" in client.get("/static/app.css").text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404


def test_current_cue_is_the_one_being_said():
    from searchpod.model import Cue

    cues = [Cue("a", 0.0), Cue("b", 5.0), Cue("c", FOG_HORN_AT), Cue("d", 20.0)]
    assert current_cue(cues, 0) == 0
    assert current_cue(cues, 11.9) == 1
    assert current_cue(cues, 12) == 2
    assert current_cue(cues, 999) == 3
    assert current_cue(cues, None) is None
    # A share link's t is whole seconds: the line starting within that second is meant.
    assert current_cue([Cue("a", 3791.5), Cue("b", 3808.16), Cue("c", 3809.0)], 3808) == 1


def test_results_are_grouped_by_episode_each_title_once(client):
    html = client.get("/", params={"q": "lighthouse"}).text
    assert html.count(">Eps 1: Lighthouse keepers of the north</a></h2>") == 1
    counted = re.search(r"Harbour Lights · episode 1 · 2021-03-14 · (\d+) moments", html)
    assert counted, "the episode's line says how many of its moments are shown"
    shown = int(counted.group(1))
    group = html[html.index("Eps 1: Lighthouse keepers") :]
    group = group[: group.index("</ol></li>")]
    times = re.findall(r'aria-label="Play from ([\d:]+)"', group)
    assert times == sorted(times, key=lambda t: [int(x) for x in t.split(":")])
    assert len(times) == shown >= 2
    assert group.count('class="share-link"') == shown


def test_share_links_name_the_line_so_a_browser_scrolls_there_without_a_script(client):
    html = client.get("/", params={"q": "fog horn"}).text
    assert '<a class="share-link" href="/e/show/ep-1.txt?t=12&amp;q=fog+horn#c2"' in html
    episode = client.get("/e/show/ep-1.txt", params={"t": "12", "q": "fog horn"}).text
    assert '<li id="c2" class="cue current" aria-current="true"' in episode


def test_empty_filters_and_defaults_are_left_out_of_the_url(client):
    answer = client.get(
        "/?q=fog&show=&host=&speaker=&since=&until=&episode=&sort=relevance&page=1",
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/?q=fog"
    html = client.get("/", params={"q": "lighthouse", "limit": "1"}).text
    assert 'href="/?q=lighthouse&amp;limit=1&amp;page=2"' in html
    assert "show=" not in html.split("<main", 1)[1]


def test_sort_and_episode_range_filter_the_results_like_the_cli(client):
    newest = client.get("/", params={"q": "lighthouse", "sort": "newest"}).text
    titles = re.findall(r'<li class="group"><h2><a [^>]*>([^<]+)</a>', newest)
    assert titles == [
        "Eps 3: Octopus minds",
        "Eps 2: Bread and lighthouses",
        "Eps 1: Lighthouse keepers of the north",
    ]
    assert '<option value="newest" selected>' in newest
    only_two = client.get("/", params={"q": "lighthouse", "episode": "2..3"}).text
    assert "Lighthouse keepers" not in only_two and "Octopus minds" in only_two
    bad = client.get("/", params={"q": "lighthouse", "episode": "two"})
    assert bad.status_code == 400 and "--episode" in bad.text


def test_a_suggestion_is_offered_once(client):
    html = client.get("/", params={"q": "lighthuose"}).text
    assert html.lower().count("did you mean") == 1


def test_home_page_says_what_the_index_holds(client):
    html = client.get("/").text
    assert "<strong>3</strong> episodes of <strong>2</strong> shows" in html
    assert "hours of talk" in html and "words" in html
    assert 'href="/episodes?show=Harbour+Lights">Harbour Lights</a> (2)' in html


def test_browse_shows_and_episodes(client):
    html = client.get("/episodes").text
    rows = re.findall(r'<tr><td class="num">(\d*)</td><td><a href="([^"]+)">', html)
    assert [n for n, _ in rows] == ["3", "2", "1"]  # newest first
    assert ("1", "/e/show/ep-1.txt") in rows
    oldest = client.get("/episodes", params={"sort": "oldest", "show": "Harbour Lights"}).text
    assert [
        n for n, _ in re.findall(r'<td class="num">(\d*)</td><td><a href="([^"]+)">', oldest)
    ] == ["1", "2"]
    ranged = client.get("/episodes", params={"episode": "2.."}).text
    assert "Octopus minds" in ranged and "Lighthouse keepers" not in ranged
    clean = client.get("/episodes?show=&episode=&sort=newest", follow_redirects=False)
    assert clean.status_code == 303 and clean.headers["location"] == "/episodes"
    assert client.get("/episodes", params={"episode": "x"}).status_code == 400


def test_episode_page_names_each_speaker_once_per_turn_and_finds_without_a_script(client):
    html = client.get("/e/show/ep-1.txt", params={"q": "lighthouse"}).text
    names = re.findall(r'<span class="speaker">([^<]+)</span>', html)
    assert names[:3] == ["Mara Okafor", "Ostin Brae", "Mara Okafor"]
    assert len(names) < html.count('class="cue')
    assert "5 lines say “lighthouse”: " in html and '<a href="#c1">first at 0:05</a>' in html
    assert '<form class="find" id="find" role="search" action="/e/show/ep-1.txt"' in html


def test_favicon_and_compressed_pages(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    page = client.get("/e/show/ep-1.txt", headers={"accept-encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"


HOSTILE = "<img src=x onerror=alert(1)>\"'><script>alert(2)</script>"


def test_every_new_view_escapes_what_episodes_say(tmp_path):
    """Titles, shows, hosts, speakers and words that are HTML stay text on every page."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "ep-7.txt").write_text(
        text_page(7, f"Title {HOSTILE}", f"Show {HOSTILE}", f"Host {HOSTILE}", "Sum.", "Body.")
    )
    (folder / "ep-7.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
        f"<v Speaker {HOSTILE.replace('>', '&gt;').replace('<', '&lt;')}>kelp {HOSTILE}\n"
    )
    Index.build(tmp_path / "index", [folder])
    with TestClient(create_app(tmp_path / "index")) as client:
        show = client.get("/episodes").text.split('<option value="')[2].split('"')[0]
        urls = [
            "/",
            "/episodes",
            "/episodes?" + urlencode({"show": unescape(show)}),
            "/?q=kelp",
            "/?" + urlencode({"q": "kelp", "speaker": HOSTILE}),
            "/e/hostile/ep-7.txt?t=1",
            "/e/hostile/ep-7.txt?" + urlencode({"q": HOSTILE, "t": "1"}),
        ]
        for url in urls:
            page = client.get(url)
            assert page.status_code in (200, 400), url
            body = page.text
            assert "<img" not in body and "<script>alert" not in body, url
            assert not INLINE_SCRIPT.search(body), url
        assert "Show &lt;img src=x onerror=alert(1)&gt;" in client.get("/").text
