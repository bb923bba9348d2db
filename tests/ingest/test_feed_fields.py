"""Podcasting 2.0 fields, refusing what is not a feed, and a transcript URL as a source."""

from __future__ import annotations

import json
from pathlib import Path

from searchpod.ingest.feeds.parse import parse_feed
from tests.frontends.test_feed_cli import cli
from tests.httpserver import LocalServer, Route
from tests.ingest.test_ingest_feed import _cached_route, _no_proxy, rss, server

__all__ = ["_no_proxy", "server"]  # fixtures, imported for pytest


def test_podcast_episode_and_season_and_host_person_before_itunes_author() -> None:
    feed = parse_feed(
        rss(
            """<item><guid>a</guid><title>A</title><podcast:episode>12</podcast:episode>
            <podcast:season>3</podcast:season><itunes:author>Big Media Inc.</itunes:author>
            <podcast:person role="host">Ana Shore</podcast:person></item>
            <item><guid>b</guid><title>B</title><itunes:episode>7</itunes:episode>
            <itunes:season>2</itunes:season></item>
            <item><guid>c</guid><title>C</title><podcast:episode>4.5</podcast:episode></item>""",
            channel="<itunes:author>Big Media Inc.</itunes:author>"
            '<podcast:person role="host">Ben Reef</podcast:person>',
        ),
        "t.xml",
    )
    a, b, c = feed.items
    assert (a.episode, a.season, a.host) == (12, 3, "Ana Shore")
    assert (b.episode, b.season, b.host) == (7, 2, "Ben Reef")
    assert c.episode == 4


def test_feed_add_refuses_a_page_that_is_not_a_feed(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/page"] = Route(body=b"<html><body>Hi</body></html>", content_type="text/html")
    result = cli(tmp_path / "ix", "feed", "add", server.url("/page"), "--allow-private-hosts")
    assert result.exit_code == 2
    assert server.url("/page") in result.stderr and "not an RSS/Atom feed" in result.stderr
    assert cli(tmp_path / "ix", "feed", "list").stdout == ""


def test_feed_add_fetches_the_feed_once_and_sync_reuses_it(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.url("/feed.xml")
    assert cli(tmp_path / "ix", "feed", "add", url, "--allow-private-hosts").exit_code == 0
    assert len(server.requests_for("/feed.xml")) == 1
    cli(tmp_path / "ix", "feed", "sync", "--allow-private-hosts")
    sync_requests = server.requests_for("/feed.xml")[1:]
    # The sync asks again, conditionally: the feed's bytes are downloaded once.
    assert len(sync_requests) == 1 and sync_requests[0].headers.get("If-None-Match")


def test_index_url_of_a_transcript_ingests_it_as_a_transcript(
    server: LocalServer, tmp_path: Path
) -> None:
    vtt = b"WEBVTT\n\n00:00:03.000 --> 00:00:06.000\n<v Ana Shore>Barnacles glue themselves.\n"
    server.routes["/t/ep9.vtt"] = _cached_route(vtt, "text/vtt")
    html = (
        b"<html><body><cite>Ana:</cite><time>0:10</time><p>Limpets graze.</p>"
        b"<cite>Bo:</cite><time>0:20</time><p>Whelks drill.</p></body></html>"
    )
    server.routes["/t/ep10.html"] = _cached_route(html, "text/html")
    index = tmp_path / "ix"
    result = cli(
        index,
        "index",
        server.url("/t/ep9.vtt"),
        server.url("/t/ep10.html"),
        "--json",
        "--allow-private-hosts",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 2
    hit = json.loads(cli(index, "search", "barnacles", "--json").stdout)["hits"][0]
    assert hit["snippets"][0]["start"] == 3.0 and hit["snippets"][0]["speaker"] == "Ana Shore"
    hit = json.loads(cli(index, "search", "whelks", "--json").stdout)["hits"][0]
    assert hit["snippets"][0]["start"] == 20.0 and hit["snippets"][0]["speaker"] == "Bo"
    # Tried as a feed, then read as a transcript: its bytes are downloaded once.
    again = server.requests_for("/t/ep9.vtt")[1:]
    assert all(r.headers.get("If-None-Match") for r in again)


def test_index_url_that_is_neither_says_so(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/x.bin"] = Route(body=b"\x00\x01\x02", content_type="application/octet-stream")
    result = cli(tmp_path / "ix", "index", server.url("/x.bin"), "--allow-private-hosts")
    assert result.exit_code == 1
    assert "not an RSS/Atom feed" in result.stderr and "nor a transcript" in result.stderr


def test_no_speaker_labels_reaches_downloaded_transcripts(
    server: LocalServer, tmp_path: Path
) -> None:
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nAna: Cockles.\n\n2\n00:00:03,000 --> 00:00:04,000\nBo: Mussels.\n"
    server.routes["/t/ep.srt"] = _cached_route(srt, "application/x-subrip")
    for flag, speaker in (("--no-speaker-labels", None), (None, "Ana")):
        index = tmp_path / f"ix{bool(flag)}"
        cli(
            index,
            "index",
            server.url("/t/ep.srt"),
            "--allow-private-hosts",
            *([flag] if flag else []),
        )
        hit = json.loads(cli(index, "search", "cockles", "--json").stdout)["hits"][0]
        assert hit["snippets"][0]["speaker"] == speaker
