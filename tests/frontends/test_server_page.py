"""The web page as HTML (no browser): search without JavaScript, escaping, links, share links."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from searchpod import Index
from searchpod.frontends.server import create_app
from searchpod.frontends.server.pages import current_cue
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
    assert "3 episodes, 3 with timed transcripts." in html
    assert '<script src="/static/app.js" defer></script>' in html
    assert not INLINE_SCRIPT.search(html)


def test_results_show_highlighted_moments_with_time_and_speaker(client):
    html = client.get("/", params={"q": "fog horn"}).text
    assert "Moments 1–1 of 1 from 1 episode for “fog horn”." in html
    assert "<mark>fog</mark> <mark>horn</mark>" in html
    assert '<span class="speaker">Ostin Brae:</span>' in html
    assert (
        '<a class="time" href="/e/show/ep-1.txt?t=12&amp;q=fog+horn" '
        'data-media="https://media.example/pod/ep-1.wav" data-start="12"' in html
    )
    assert '<a class="share-link" href="/e/show/ep-1.txt?t=12&amp;q=fog+horn">' in html
    assert 'value="fog horn"' in html


def test_filters_and_paging_work_as_plain_links(client):
    html = client.get("/", params={"q": "lighthouse", "show": "deep water"}).text
    assert "Octopus minds" in html and "Lighthouse keepers" not in html
    assert '<details class="filters" open>' in html  # a filter in use stays visible
    first = client.get("/", params={"q": "lighthouse", "limit": "2"}).text
    assert 'rel="next" href="/?q=lighthouse&amp;limit=2&amp;page=2"' in first
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
    assert '<a class="time" href="/e/show/ep-2.html?t=30&amp;q=bakers" aria-label' in results
    assert '<audio id="episode-audio"' not in episode


def test_share_link_marks_the_line_said_then_and_readies_the_audio_there(client):
    html = client.get("/e/show/ep-1.txt", params={"t": "13"}).text
    current = re.findall(
        r'<li id="c(\d+)" class="cue current" aria-current="true">(.*?)</li>', html
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
