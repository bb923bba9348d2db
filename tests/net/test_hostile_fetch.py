"""Hostile servers and feeds, on 127.0.0.1 only: where a fetch may go, and for how long.

Issue #13 items 3 (a feed sending searchpod to loopback or private addresses) and 9 (slow
servers, hanging links, a bad transcript, multi-member gzip). Every wait is bounded by a
deadline the test sets far below the server's stall; no test measures time.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import searchpod.net.hostguard
from searchpod.errors import FetchError
from searchpod.frontends.cli import main
from searchpod.ingest.feeds.parse import episodes_from_feed, parse_feed
from searchpod.ingest.feeds.source import fetch_feeds
from searchpod.net.fetch import Fetcher
from searchpod.net.hostguard import address_kind
from tests.httpserver import LocalServer, Route, clear_proxy_env

SECRET = b"WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nthe launch codes are in the cellar\n"
STALL = 30.0  # how long a hanging server would stall: far above every deadline set here


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_env(monkeypatch)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer({"/secret.vtt": Route(body=SECRET, content_type="text/vtt")}) as srv:
        yield srv


def feed_xml(*items: str, title: str = "Hostile Show") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        f"<title>{title}</title>{''.join(items)}</channel></rss>"
    ).encode()


def item(guid: str, *transcripts: str, text: str = "About the harbour.") -> str:
    links = "".join(f'<podcast:transcript url="{u}" type="text/vtt"/>' for u in transcripts)
    return f"<item><guid>{guid}</guid><title>{guid}</title><description>{text}</description>{links}</item>"


def cli(index: Path, *args: str):
    return CliRunner().invoke(main, ["--index", str(index), *args])


# -- 3. where a fetch may go --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(address) == kind


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]", "127.1"],
)
def test_loopback_is_refused_by_default_in_every_spelling(
    server: LocalServer, tmp_path: Path, host: str
) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    with pytest.raises(FetchError) as caught:
        Fetcher(tmp_path).get(f"http://{host}:{port}/secret.vtt")
    assert "loopback address" in caught.value.reason
    assert "--allow-private-hosts" in caught.value.reason
    assert server.requests == []  # refused before connecting, not after


def test_https_connections_are_checked_too(server: LocalServer, tmp_path: Path) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match="a loopback address"):
        Fetcher(tmp_path).get(f"https://localhost:{port}/secret.vtt")
    assert server.requests == []


def test_the_allowance_reaches_a_private_host(server: LocalServer, tmp_path: Path) -> None:
    fetched = Fetcher(tmp_path, allow_private_hosts=True).get(server.url("/secret.vtt"))
    assert fetched.data == SECRET


def test_every_redirect_hop_is_checked(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend 127.0.0.1 is a public server; it redirects to another loopback address.
    monkeypatch.setattr(
        searchpod.net.hostguard,
        "address_kind",
        lambda address: None if address == "127.0.0.1" else "loopback",
    )
    port = server.base_url.rsplit(":", 1)[1]
    server.routes["/go"] = Route(redirect=f"http://127.0.0.2:{port}/secret.vtt")
    with pytest.raises(FetchError) as caught:
        Fetcher(tmp_path).get(server.url("/go"))
    assert "refused to connect to 127.0.0.2: a loopback address" in caught.value.reason
    assert [r.path for r in server.requests] == ["/go"]


def test_the_checked_address_is_the_one_connected_to(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS is asked once per connection, and the socket connects to that answer: a resolver
    that answers differently the second time (DNS rebinding) is never asked again."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolver(host, port, *args, **kwargs):
        asked.append(host)
        return real("127.0.0.1" if host == "rebind.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    port = server.base_url.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match="loopback"):
        Fetcher(tmp_path).get(f"http://rebind.test:{port}/secret.vtt")
    assert server.requests == []

    monkeypatch.setattr(
        searchpod.net.hostguard, "address_kind", lambda a: None if a == "127.0.0.1" else "other"
    )
    asked.clear()
    fetched = Fetcher(tmp_path).get(f"http://rebind.test:{port}/secret.vtt")
    assert fetched.data == SECRET
    assert asked == ["rebind.test"]
    assert server.requests[-1].headers["Host"] == f"rebind.test:{port}"


def test_a_remote_feed_cannot_send_us_to_a_private_transcript(
    server: LocalServer, tmp_path: Path
) -> None:
    feed = parse_feed(
        feed_xml(item("ep-1", server.url("/secret.vtt"))), "https://feeds.example/show.xml"
    )
    episodes, failures, _ = episodes_from_feed(
        feed, Fetcher(tmp_path), feed_source="https://feeds.example/show.xml"
    )
    assert "cellar" not in episodes[0].body  # indexed from its description
    assert [f.source for f in failures] == [server.url("/secret.vtt")]
    assert "loopback address" in failures[0].reason
    assert server.requests == []


def test_cli_refuses_a_loopback_feed_unless_allowed(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(body=feed_xml(item("ep-1", server.url("/secret.vtt"))))
    refused = cli(tmp_path / "ix", "index", server.url("/feed.xml"))
    assert refused.exit_code == 1
    assert len(refused.stderr.splitlines()) == 2  # the error line, then the summary
    assert "refused to connect to 127.0.0.1: a loopback address" in refused.stderr
    assert server.requests == [] and "Traceback" not in refused.output

    allowed = cli(tmp_path / "ix", "index", server.url("/feed.xml"), "--allow-private-hosts")
    assert allowed.exit_code == 0, allowed.output
    hits = json.loads(cli(tmp_path / "ix", "search", "cellar", "--json").stdout)["hits"]
    assert [h["id"] for h in hits] == ["ep-1"]


def test_a_local_feed_file_is_trusted_with_private_links(
    server: LocalServer, tmp_path: Path
) -> None:
    feed = tmp_path / "mine.xml"
    feed.write_bytes(feed_xml(item("ep-1", server.url("/secret.vtt"))))
    result = cli(tmp_path / "ix", "index", str(feed))
    assert result.exit_code == 0, result.output
    assert json.loads(cli(tmp_path / "ix", "search", "cellar", "--json").stdout)["total"] == 1


# -- 9. how long a fetch may take ---------------------------------------------------------


@pytest.mark.parametrize("send_length", [True, False])
def test_a_server_trickling_bytes_is_cut_off_by_the_download_deadline(
    server: LocalServer, tmp_path: Path, send_length: bool
) -> None:
    server.routes["/slow.vtt"] = Route(body=SECRET, trickle=0.2, send_length=send_length)
    fetcher = Fetcher(tmp_path, timeout=STALL, deadline=0.5, allow_private_hosts=True)
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/slow.vtt"))
    assert caught.value.reason == "gave up after 0.5s (time limit for this download)"
    assert not list(tmp_path.glob("*.body"))  # what arrived is never cached as complete


def test_a_server_that_never_answers_is_cut_off_by_the_download_deadline(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/hang.vtt"] = Route(body=SECRET, delay=STALL)
    fetcher = Fetcher(tmp_path, timeout=STALL, deadline=0.5, allow_private_hosts=True)
    with pytest.raises(FetchError, match=r"gave up after 0\.5s"):
        fetcher.get(server.url("/hang.vtt"))


def test_an_item_with_many_hanging_links_gives_up_as_a_whole(
    server: LocalServer, tmp_path: Path
) -> None:
    links = [server.url(f"/hang-{n}.vtt") for n in range(40)]
    for n in range(40):
        server.routes[f"/hang-{n}.vtt"] = Route(body=SECRET, delay=STALL)
    feed = parse_feed(feed_xml(item("ep-1", *links)), "show.xml")
    fetcher = Fetcher(tmp_path, timeout=STALL, allow_private_hosts=True)
    episodes, failures, _ = episodes_from_feed(
        feed, fetcher, feed_source="show.xml", item_time_limit=0.5
    )
    assert len(server.requests) <= 2  # not forty waits
    assert [e.id for e in episodes] == ["ep-1"]  # still indexed, from its description
    assert "transcript link(s) not tried: the item took longer than 0.5s" in failures[-1].reason


def test_a_feed_out_of_time_keeps_its_unfetched_episodes(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/hang.vtt"] = Route(body=SECRET, delay=STALL)
    feed = tmp_path / "show.xml"
    feed.write_bytes(
        feed_xml(item("ep-1", server.url("/hang.vtt")), item("ep-2", server.url("/secret.vtt")))
    )
    batch = fetch_feeds([str(feed)], tmp_path / "ix", feed_time_limit=0.5)
    assert [ep.id for ep, _, _ in batch.episodes] == []
    assert batch.live[str(feed.resolve())] == {"ep-1", "ep-2"}  # so a prune keeps them
    assert "out of time: transcripts of 2 item(s) not fetched" in batch.failures[-1].reason


def test_dead_links_and_bad_transcripts_never_stop_other_feeds(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/garbage.vtt"] = Route(body=b"\x00\xff\xfe binary junk \x00" * 50)
    server.routes["/ok.vtt"] = Route(body=SECRET, content_type="text/vtt")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        feed_xml(item("b-1", server.url("/gone.vtt")), item("b-2", server.url("/garbage.vtt")))
    )
    good = tmp_path / "good.xml"
    good.write_bytes(feed_xml(item("g-1", server.url("/ok.vtt")), title="Good Show"))
    index = tmp_path / "ix"
    for feed in (broken, good):
        assert cli(index, "feed", "add", str(feed)).exit_code == 0
    result = cli(index, "feed", "sync", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == 3
    assert {f["source"] for f in report["failed"]} == {
        server.url("/gone.vtt"),
        server.url("/garbage.vtt"),
    }
    assert "Traceback" not in result.output
    hits = json.loads(cli(index, "search", "cellar", "--json").stdout)["hits"]
    assert [h["id"] for h in hits] == ["g-1"]


def test_both_members_of_a_multi_member_gzip_body_are_read(
    server: LocalServer, tmp_path: Path
) -> None:
    first, second = SECRET, b"\n00:00:06.000 --> 00:00:09.000\nand the spare key too\n"
    body = gzip.compress(first) + gzip.compress(second) + b"\0" * 8  # NUL padding is allowed
    server.routes["/two.vtt"] = Route(body=body, headers={"Content-Encoding": "gzip"})
    fetcher = Fetcher(tmp_path, allow_private_hosts=True)
    assert fetcher.get(server.url("/two.vtt")).data == first + second


def test_a_gzip_bomb_in_a_second_member_is_still_capped(
    server: LocalServer, tmp_path: Path
) -> None:
    body = gzip.compress(b"small") + gzip.compress(b"\0" * 5_000_000)
    server.routes["/bomb.vtt"] = Route(body=body, headers={"Content-Encoding": "gzip"})
    fetcher = Fetcher(tmp_path, max_bytes=100_000, allow_private_hosts=True)
    with pytest.raises(FetchError, match="larger than"):
        fetcher.get(server.url("/bomb.vtt"))


def test_garbage_after_a_gzip_member_is_a_named_failure(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/tail.vtt"] = Route(
        body=gzip.compress(SECRET) + b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="corrupt gzip body"):
        Fetcher(tmp_path, allow_private_hosts=True).get(server.url("/tail.vtt"))
