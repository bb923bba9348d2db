"""Fetcher: limits, errors and the conditional-GET cache, against a server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchpod.errors import FetchError
from searchpod.net.fetch import Fetcher, FetchResult
from tests.httpserver import LocalServer, Route, clear_proxy_env

TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_env(monkeypatch)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def fetcher(tmp_path: Path) -> Fetcher:
    return Fetcher(tmp_path / "cache", timeout=TIMEOUT, allow_private_hosts=True)


def test_get_returns_body_and_headers(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/a.txt"] = Route(body=b"hello tidepool", content_type="text/plain")
    result = fetcher.get(server.url("/a.txt"))
    assert result == FetchResult(
        url=server.url("/a.txt"),
        final_url=server.url("/a.txt"),
        data=b"hello tidepool",
        content_type="text/plain",
        from_cache=False,
        changed=True,
    )
    assert (fetcher.requests, fetcher.downloads) == (1, 1)
    assert server.requests[0].headers["User-Agent"] == "searchpod/0.1"


def test_redirect_chain_within_the_limit_is_followed(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/old"] = Route(redirect="/older", status=301)
    server.routes["/older"] = Route(redirect=server.url("/new"))  # absolute Location too
    server.routes["/new"] = Route(body=b"moved here")
    result = fetcher.get(server.url("/old"))
    assert result.data == b"moved here"
    assert result.url == server.url("/old")
    assert result.final_url == server.url("/new")
    assert fetcher.requests == 3


def test_redirect_loop_fails(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/loop"] = Route(redirect="/loop")
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(server.url("/loop"))
    assert fetcher.requests == fetcher.max_redirects + 1


def test_one_redirect_too_many_fails(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/1"] = Route(redirect="/2")
    server.routes["/2"] = Route(redirect="/3")
    server.routes["/3"] = Route(body=b"end")
    assert (
        Fetcher(tmp_path, max_redirects=2, allow_private_hosts=True).get(server.url("/1")).data
        == b"end"
    )
    with pytest.raises(FetchError, match="too many redirects"):
        Fetcher(tmp_path, max_redirects=1, allow_private_hosts=True).get(server.url("/1"))


def test_redirect_to_a_file_url_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/sneaky"] = Route(redirect="file:///etc/passwd")
    with pytest.raises(FetchError, match="unsupported URL") as info:
        fetcher.get(server.url("/sneaky"))
    assert "redirected to file:///etc/passwd" in info.value.reason


def test_http_error_status(server: LocalServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as info:
        fetcher.get(server.url("/nowhere"))
    assert info.value.reason == "HTTP 404 Not Found"
    assert info.value.source == server.url("/nowhere")
    assert str(info.value) == f"{server.url('/nowhere')}: HTTP 404 Not Found"

    server.routes["/boom"] = Route(status=503, body=b"down")
    with pytest.raises(FetchError, match="HTTP 503 Service Unavailable"):
        fetcher.get(server.url("/boom"))


def test_slow_response_times_out(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/slow"] = Route(body=b"late", delay=5)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetcher.get(server.url("/slow"))
    assert info.value.reason == "timed out after 0.5s"
    assert info.value.__cause__ is not None
    assert time.monotonic() - started < 3


def test_stalled_body_times_out(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/stall"] = Route(body=b"x" * 1000, body_delay=5)
    with pytest.raises(FetchError, match=r"timed out after 0\.5s"):
        fetcher.get(server.url("/stall"))


def test_oversize_body_with_content_length_is_refused_up_front(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/big"] = Route(body=b"x" * 5000)
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        Fetcher(tmp_path, max_bytes=1000, timeout=TIMEOUT, allow_private_hosts=True).get(
            server.url("/big")
        )


def test_oversize_stream_without_content_length_stops_reading(
    server: LocalServer, tmp_path: Path
) -> None:
    # 64 MB with no Content-Length: the fetcher must stop at its 1 MB limit, not read it all.
    server.routes["/stream"] = Route(body=b"y" * 65536, repeat=1024, send_length=False)
    fetcher = Fetcher(tmp_path, max_bytes=2**20, timeout=TIMEOUT, allow_private_hosts=True)
    with pytest.raises(FetchError, match="larger than 1 MB"):
        fetcher.get(server.url("/stream"))


def test_body_exactly_at_the_limit_is_accepted(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/edge"] = Route(body=b"z" * 1000, send_length=False)
    assert (
        len(
            Fetcher(tmp_path, max_bytes=1000, allow_private_hosts=True)
            .get(server.url("/edge"))
            .data
        )
        == 1000
    )


def test_gzip_body_is_decompressed(server: LocalServer, fetcher: Fetcher) -> None:
    text = b"WEBVTT\n\n" + b"00:00:01.000 --> 00:00:02.000\nkelp\n\n" * 200
    server.routes["/t.vtt"] = Route(body=text, gzip=True, content_type="text/vtt")
    result = fetcher.get(server.url("/t.vtt"))
    assert result.data == text
    assert "gzip" in server.requests[0].headers["Accept-Encoding"]


def test_gzip_bomb_is_stopped_at_the_limit(server: LocalServer, tmp_path: Path) -> None:
    # ~10 MB of zeros compresses to ~10 KB: the limit applies to the decompressed size.
    server.routes["/bomb"] = Route(body=b"\0" * (10 * 2**20), gzip=True)
    with pytest.raises(FetchError, match="larger than 1 MB"):
        Fetcher(tmp_path, max_bytes=2**20, allow_private_hosts=True).get(server.url("/bomb"))


def test_corrupt_gzip_body_fails(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/bad.gz"] = Route(
        body=gzip.compress(b"hello")[:-6], headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="corrupt gzip body"):
        fetcher.get(server.url("/bad.gz"))


def test_urls_with_spaces_and_accents_are_percent_encoded(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.routes["/t/in%C3%A8s%20ep.vtt?v=%C3%A9"] = Route(body=b"WEBVTT\n")
    assert fetcher.get(server.url("/t/inès ep.vtt?v=é#t=10")).data == b"WEBVTT\n"
    server.routes["/t/a%20b.vtt"] = Route(body=b"already encoded")
    assert fetcher.get(server.url("/t/a%20b.vtt")).data == b"already encoded"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "data:text/plain,hello",
        "feed.xml",
        "",
        "http://",
    ],
)
def test_non_http_urls_are_refused_without_a_request(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError):
        fetcher.get(url)
    assert fetcher.requests == 0


def test_connection_refused_is_a_one_line_fetch_error(fetcher: Fetcher) -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetcher.get(f"http://127.0.0.1:{port}/feed.xml")
    assert "\n" not in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


def test_truncated_body_is_a_fetch_error(server: LocalServer, fetcher: Fetcher) -> None:
    # The server promises 100 bytes and hangs up after 10.
    server.routes["/short"] = Route(
        body=b"0123456789", send_length=False, headers={"Content-Length": "100"}
    )
    with pytest.raises(FetchError, match="connection closed after 10 of 100 bytes"):
        fetcher.get(server.url("/short"))
    assert not list(fetcher.cache_dir.glob("*"))  # nothing half-read was cached


def test_conditional_get_reuses_the_cache_on_304(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/feed.xml"] = Route(body=b"<rss/>", etag='"v1"', content_type="text/xml")
    first = fetcher.get(server.url("/feed.xml"))
    second = fetcher.get(server.url("/feed.xml"))

    assert (first.from_cache, first.changed) == (False, True)
    assert (second.from_cache, second.changed) == (True, False)
    assert second.data == b"<rss/>"
    assert second.content_type == "text/xml"
    assert "If-None-Match" not in server.requests[0].headers
    assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert (fetcher.requests, fetcher.downloads) == (2, 1)


def test_cache_survives_a_new_fetcher(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(body=b"<rss/>", etag='"v1"')
    Fetcher(tmp_path, allow_private_hosts=True).get(server.url("/feed.xml"))
    again = Fetcher(tmp_path, allow_private_hosts=True)
    assert again.get(server.url("/feed.xml")).from_cache
    assert again.downloads == 0


def test_last_modified_is_sent_back_as_if_modified_since(
    server: LocalServer, fetcher: Fetcher
) -> None:
    stamp = "Tue, 05 Mar 2024 10:00:00 GMT"
    server.routes["/ep.vtt"] = Route(body=b"WEBVTT\n", last_modified=stamp)
    fetcher.get(server.url("/ep.vtt"))
    result = fetcher.get(server.url("/ep.vtt"))
    assert server.requests[1].headers["If-Modified-Since"] == stamp
    assert result.from_cache and not result.changed


def test_changed_content_is_downloaded_and_cached(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/feed.xml"] = Route(body=b"one", etag='"v1"')
    fetcher.get(server.url("/feed.xml"))
    server.routes["/feed.xml"] = Route(body=b"two", etag='"v2"')
    result = fetcher.get(server.url("/feed.xml"))
    assert (result.data, result.from_cache, result.changed) == (b"two", False, True)
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert fetcher.get(server.url("/feed.xml")).from_cache  # now revalidates against v2


def test_same_body_without_validators_is_unchanged(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/plain"] = Route(body=b"same bytes")
    fetcher.get(server.url("/plain"))
    result = fetcher.get(server.url("/plain"))
    assert (result.from_cache, result.changed) == (False, False)
    assert "If-None-Match" not in server.requests[1].headers


def test_cache_files_are_named_by_url_hash(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.url("/feed.xml")
    server.routes["/feed.xml"] = Route(body=b"<rss/>", etag='"v1"')
    fetcher.get(url)
    key = hashlib.sha256(url.encode()).hexdigest()
    assert sorted(p.name for p in fetcher.cache_dir.iterdir()) == [f"{key}.body", f"{key}.json"]
    assert (fetcher.cache_dir / f"{key}.body").read_bytes() == b"<rss/>"
    meta = json.loads((fetcher.cache_dir / f"{key}.json").read_text())
    assert meta["url"] == url
    assert meta["etag"] == '"v1"'
    assert meta["sha256"] == hashlib.sha256(b"<rss/>").hexdigest()


def test_failed_cache_write_keeps_the_old_copy_and_no_temp_files(
    server: LocalServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.url("/feed.xml")
    server.routes["/feed.xml"] = Route(body=b"version one", etag='"v1"')
    fetcher.get(url)
    before = {p.name: p.read_bytes() for p in fetcher.cache_dir.iterdir()}

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    server.routes["/feed.xml"] = Route(body=b"version two", etag='"v2"')
    monkeypatch.setattr("searchpod.indexing.store.os.replace", failing_replace)
    with pytest.raises(FetchError, match="cannot write cache"):
        fetcher.get(url)
    monkeypatch.undo()

    after = {p.name: p.read_bytes() for p in fetcher.cache_dir.iterdir()}
    assert after == before  # old body and metadata intact, no leftover temp files
    assert fetcher.get(url).data == b"version two"


def test_inconsistent_cache_is_ignored(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.url("/feed.xml")
    server.routes["/feed.xml"] = Route(body=b"<rss/>", etag='"v1"')
    fetcher.get(url)
    key = hashlib.sha256(url.encode()).hexdigest()
    # As if a crash happened between writing a new body and its metadata.
    (fetcher.cache_dir / f"{key}.body").write_bytes(b"half-written")
    result = fetcher.get(url)
    assert "If-None-Match" not in server.requests[-1].headers
    assert (result.data, result.from_cache) == (b"<rss/>", False)


def test_304_without_a_cached_copy_fails(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/odd"] = Route(status=304)
    with pytest.raises(FetchError, match="nothing is cached"):
        fetcher.get(server.url("/odd"))
