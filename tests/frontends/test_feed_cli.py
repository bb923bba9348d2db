"""Feeds end to end through the CLI, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from searchpod.frontends.cli import main
from tests.httpserver import LocalServer
from tests.ingest.test_ingest_feed import _cached_route, _no_proxy, server, show_xml

__all__ = ["_no_proxy", "server"]  # fixtures, imported for pytest


def cli(index: Path, *args: str):
    return CliRunner().invoke(main, ["--index", str(index), *args])


def test_feed_add_sync_search_and_resync(server: LocalServer, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    url = server.url("/feed.xml")
    assert cli(index, "feed", "add", url, "--allow-private-hosts").exit_code == 0
    assert cli(index, "feed", "list").stdout.split() == [url]

    first = cli(index, "feed", "sync", "--json", "--allow-private-hosts")
    assert first.exit_code == 1  # one transcript link is a 404: a partial failure
    report = json.loads(first.stdout)
    assert (report["added"], report["downloaded"]) == (5, 3)
    assert [f["reason"] for f in report["failed"]] == ["HTTP 404 Not Found"]

    hits = json.loads(cli(index, "search", "nematocysts", "--json").stdout)["hits"]
    assert hits[0]["show"] == "The Tidepool Hour"
    assert hits[0]["snippets"][0]["start"] is not None

    again = json.loads(cli(index, "feed", "sync", "--json", "--allow-private-hosts").stdout)
    assert (again["added"], again["updated"], again["unchanged"], again["downloaded"]) == (
        0,
        0,
        5,
        0,
    )

    # The feed drops its oldest item: a sync removes that episode.
    feed = show_xml(server.base_url)
    start = feed.rindex(b"<item>")
    end = feed.index(b"</item>", start) + len(b"</item>")
    server.routes["/feed.xml"] = _cached_route(feed[:start] + feed[end:], "application/rss+xml")
    pruned = json.loads(cli(index, "feed", "sync", "--json", "--allow-private-hosts").stdout)
    assert (pruned["removed"], pruned["unchanged"]) == (1, 4)


def test_index_a_local_feed_file(server: LocalServer, tmp_path: Path) -> None:
    feed = tmp_path / "show.xml"
    feed.write_bytes(show_xml(server.base_url))
    result = cli(tmp_path / "ix", "index", str(feed), "--json")
    assert json.loads(result.stdout)["added"] == 5
    data = json.loads(cli(tmp_path / "ix", "search", "kelp", "--json").stdout)
    assert data["total"] >= 1


def test_unreachable_feed_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = cli(tmp_path / "ix", "index", "http://127.0.0.1:9/feed.xml", "--allow-private-hosts")
    assert result.exit_code == 1
    assert "127.0.0.1:9/feed.xml" in result.stderr


def test_sync_without_feeds_is_a_usage_error(tmp_path: Path) -> None:
    result = cli(tmp_path / "ix", "feed", "sync")
    assert result.exit_code == 2 and "feed add" in result.stderr


def test_index_build_reads_a_feed_like_add_paths(server: LocalServer, tmp_path: Path) -> None:
    from searchpod import Index

    feed = tmp_path / "show.xml"
    feed.write_bytes(show_xml(server.base_url))
    built, report = Index.build(tmp_path / "built", [feed])
    added = Index.create(tmp_path / "added").add_paths([feed])
    assert len(report.added) == 5
    assert sorted(report.added) == sorted(added.added)
    assert built.search("kelp").total >= 1


def test_feeds_are_managed_and_synced_by_the_library(server: LocalServer, tmp_path: Path) -> None:
    import pytest

    from searchpod import Index, SearchpodError

    ix = Index.create(tmp_path / "ix")
    with pytest.raises(SearchpodError, match="no feeds yet"):
        ix.sync_feeds()
    feed = tmp_path / "show.xml"
    feed.write_bytes(show_xml(server.base_url))
    assert ix.feeds.add(str(feed)) is True
    assert ix.feeds.list() == (str(feed.resolve()),)
    assert len(ix.sync_feeds().added) == 5
    # The CLI reads the same list.
    assert cli(tmp_path / "ix", "feed", "list").stdout.split() == [str(feed.resolve())]
