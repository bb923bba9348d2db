"""Podcast feeds: parsing, transcript fetching (from a server on 127.0.0.1) and FeedStore."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.feeds.parse import (
    Feed,
    FeedItem,
    FeedStore,
    episode_fingerprint,
    episode_text,
    episodes_from_feed,
    load_feed,
    parse_feed,
)
from searchpod.model import Cue, Transcript
from searchpod.net.fetch import Fetcher
from tests.httpserver import LocalServer, Route, clear_proxy_env

FEEDS = Path(__file__).parents[1] / "fixtures" / "feeds"
FIXTURE_HOST = b"http://podcast.test"
TRANSCRIPTS = ("ep5.json", "ep5.vtt", "ep5.srt", "ep5.html", "ep4.vtt", "ep3.srt")
CONTENT_TYPES = {
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".html": "text/html",
}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_env(monkeypatch)


def show_xml(base: str = "http://podcast.test") -> bytes:
    return (FEEDS / "show.xml").read_bytes().replace(FIXTURE_HOST, base.encode())


def rss(items: str, channel: str = "") -> bytes:
    """A minimal RSS 2.0 document with the podcast namespaces declared."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Test Show</title><link>https://show.example/</link>{channel}
{items}
</channel></rss>""".encode()


@pytest.fixture
def show() -> Feed:
    return parse_feed(show_xml(), "show.xml")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """The fixture show: its feed at /feed.xml and its transcripts, each with an ETag."""
    with LocalServer() as srv:
        srv.routes["/feed.xml"] = _cached_route(show_xml(srv.base_url), "application/rss+xml")
        for name in TRANSCRIPTS:
            body = (FEEDS / name).read_bytes()
            content_type = CONTENT_TYPES[Path(name).suffix]
            srv.routes[f"/transcripts/{name}"] = _cached_route(body, content_type)
        yield srv  # /transcripts/missing.vtt is not served: 404


def _cached_route(body: bytes, content_type: str) -> Route:
    return Route(
        body=body, content_type=content_type, etag=f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    )


def by_title_number(feed: Feed, number: int) -> FeedItem:
    return next(item for item in feed.items if item.episode == number)


# -- parsing ---------------------------------------------------------------------------


def test_channel_fields(show: Feed) -> None:
    assert show.title == "The Tidepool Hour"
    assert show.url == "http://podcast.test/"
    # podcast:person role="host" before itunes:author, which here names the company.
    assert show.author == "Inès Marrow"
    assert show.source == "show.xml"
    assert [item.episode for item in show.items] == [5, 4, 3, 2, 1]


def test_item_fields(show: Feed) -> None:
    item = by_title_number(show, 5)
    assert item.guid == "tidepool-0005"
    assert item.title == "Ep. 5: Kelp Forests After the Heatwave"
    assert item.link == "http://podcast.test/episodes/5"
    assert item.media_url == "http://podcast.test/media/ep5.mp3"
    assert item.host == "Inès Marrow"
    # 23:30 at UTC-5: the publisher's date, not the UTC one (which is the 6th).
    assert item.published == dt.date(2024, 3, 5)


def test_description_html_is_stripped_to_one_line(show: Feed) -> None:
    assert by_title_number(show, 5).summary == (
        "How do kelp forests recover after a marine heatwave? "
        "We visit a restoration site & count urchins. Urchin barrens Sea otters"
    )
    # Escaped HTML in a plain <description> is markup too.
    assert by_title_number(show, 4).summary == (
        "Limpets wander at high tide and return to the exact same scar on the rock. How?"
    )


def test_every_transcript_link_is_kept_best_first(show: Feed) -> None:
    # feedparser alone keeps only the last podcast:transcript of an item; all four are here.
    links = by_title_number(show, 5).transcripts
    assert [link.type for link in links] == [
        "application/json",
        "text/vtt",
        "application/x-subrip",
        "text/html",
    ]
    assert links[0].url == "http://podcast.test/transcripts/ep5.json"
    assert links[0].language == "en"
    assert links[2].rel == "captions"
    assert by_title_number(show, 2).transcripts == ()


def test_three_transcript_links_give_three() -> None:
    feed = parse_feed(
        rss("""<item><guid>a</guid><title>A</title>
        <podcast:transcript url="https://t.example/a.txt" type="text/plain"/>
        <podcast:transcript url="https://t.example/a.srt" type="application/srt"/>
        <podcast:transcript url="https://t.example/a.vtt" type="text/vtt; charset=utf-8"/>
        </item>"""),
        "test.xml",
    )
    assert [link.url.rsplit(".", 1)[1] for link in feed.items[0].transcripts] == [
        "vtt",
        "srt",
        "txt",
    ]


def test_host_from_person_then_itunes_author_then_the_channels_host(show: Feed) -> None:
    assert by_title_number(show, 5).host == "Inès Marrow"  # itunes:author
    assert by_title_number(show, 4).host == "Rowan Tide"  # podcast:person role=host
    # The channel's podcast:person host, not its itunes:author (the company).
    assert by_title_number(show, 3).host == "Inès Marrow"


def test_person_without_role_is_a_host_and_hosts_are_joined() -> None:
    feed = parse_feed(
        rss("""<item><guid>a</guid><title>A</title>
        <podcast:person>Ana Shore</podcast:person>
        <podcast:person role="guest">Guest Person</podcast:person>
        <podcast:person role="Host">Ben Reef</podcast:person></item>"""),
        "test.xml",
    )
    assert feed.items[0].host == "Ana Shore, Ben Reef"


def test_channel_host_person_is_the_last_resort() -> None:
    feed = parse_feed(
        rss(
            "<item><guid>a</guid><title>A</title></item>",
            channel='<podcast:person role="host">Cora Dune</podcast:person>',
        ),
        "test.xml",
    )
    assert feed.author == "Cora Dune"
    assert feed.items[0].host == "Cora Dune"


def test_summary_prefers_description_then_itunes_summary_then_content() -> None:
    feed = parse_feed(
        rss("""
        <item><guid>1</guid><title>1</title><itunes:summary>From iTunes</itunes:summary>
          <description>From description</description></item>
        <item><guid>2</guid><title>2</title><itunes:summary>From iTunes</itunes:summary>
          <content:encoded><![CDATA[<p>From content</p>]]></content:encoded></item>
        <item><guid>3</guid><title>3</title>
          <content:encoded><![CDATA[<p>From <i>content</i></p><script>x()</script>]]></content:encoded>
        </item>"""),
        "test.xml",
    )
    assert [item.summary for item in feed.items] == [
        "From description",
        "From iTunes",
        "From content",
    ]


def test_item_identity_falls_back_to_link_then_enclosure(show: Feed) -> None:
    no_guid = by_title_number(show, 2)
    assert no_guid.guid is None
    assert no_guid.key == "http://podcast.test/episodes/2"

    feed = parse_feed(
        rss(
            '<item><title>A</title><enclosure url="https://cdn.example/a.mp3" type="audio/mpeg"/></item>'
        ),
        "test.xml",
    )
    assert feed.items[0].key == "https://cdn.example/a.mp3"
    assert feed.items[0].link is None


def test_relative_urls_resolve_against_an_http_source() -> None:
    data = rss("""<item><guid isPermaLink="false">x-1</guid><title>A</title><link>/ep/1</link>
        <enclosure url="media/1.mp3" type="audio/mpeg"/>
        <podcast:transcript url="t/1.vtt" type="text/vtt"/></item>""")
    item = parse_feed(data, "https://show.example/feeds/main.xml").items[0]
    assert item.guid == "x-1"  # a guid is never "resolved" like a URL
    assert item.link == "https://show.example/ep/1"
    assert item.media_url == "https://show.example/feeds/media/1.mp3"
    assert item.transcripts[0].url == "https://show.example/feeds/t/1.vtt"
    # From a local file there is nothing to resolve against: relative links are dropped.
    assert parse_feed(data, "main.xml").items[0].transcripts == ()


def test_dates_and_episode_numbers_that_are_missing_or_odd() -> None:
    feed = parse_feed(
        rss("""<item><guid>1</guid><title>1</title><pubDate>2024-02-29T08:00:00Z</pubDate>
          <itunes:episode>twelve</itunes:episode></item>
        <item><guid>2</guid><title>2</title><pubDate>sometime soon</pubDate></item>"""),
        "test.xml",
    )
    assert feed.items[0].published == dt.date(2024, 2, 29)
    assert feed.items[0].episode is None
    assert feed.items[1].published is None


def test_atom_feed() -> None:
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Show</title><link href="https://atom.example/"/>
  <author><name>Dee Brine</name></author>
  <entry><id>urn:uuid:1</id><title>First</title><link href="https://atom.example/1"/>
    <published>2024-01-02T10:00:00Z</published>
    <summary type="html">&lt;p&gt;Hello &lt;b&gt;tides&lt;/b&gt;&lt;/p&gt;</summary></entry>
</feed>"""
    feed = parse_feed(data, "atom.xml")
    assert (feed.title, feed.url, feed.author) == (
        "Atom Show",
        "https://atom.example/",
        "Dee Brine",
    )
    item = feed.items[0]
    assert (item.guid, item.link, item.summary) == (
        "urn:uuid:1",
        "https://atom.example/1",
        "Hello tides",
    )
    assert item.published == dt.date(2024, 1, 2)


def test_slightly_broken_xml_still_parses() -> None:
    data = rss("""<item><guid>a</guid><title>Rocks & Pools</title>
        <podcast:transcript url="https://t.example/a.vtt" type="text/vtt"/>
        <podcast:transcript url="https://t.example/a.json" type="application/json"/></item>""")
    feed = parse_feed(data, "broken.xml")  # a bare "&" is not well-formed XML
    assert feed.items[0].title == "Rocks & Pools"
    assert len(feed.items[0].transcripts) == 2


def test_elements_named_like_feedparser_keys_do_not_crash() -> None:
    # feedparser stores unknown elements under their own name, over its own keys.
    feed = parse_feed(
        rss("""<item><guid>g</guid><title>T</title><links>oops</links><content>text</content>
        <published_parsed>never</published_parsed><updated_parsed>x</updated_parsed></item>"""),
        "odd.xml",
    )
    assert (feed.items[0].media_url, feed.items[0].published) == (None, None)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty document"),
        (b"   \n", "empty document"),
        (b"<!DOCTYPE html><html><head><title>Shop</title></head><body>Hi</body></html>", "HTML"),
        (b'{"feed": "no"}', "not XML"),
        (b"\x00\x01\x02\xff\xfe garbage", "not XML"),
        (b"<catalog><book/></catalog>", "no <rss>"),
        # feedparser itself raises UnicodeDecodeError on this declaration.
        (b'<?xml version="1.0" encoding="\xff"?><rss version="2.0"><channel/></rss>', "unreadable"),
    ],
)
def test_what_is_not_a_feed_is_an_ingest_error(data: bytes, why: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_feed(data, "https://example.com/page")
    assert info.value.source == "https://example.com/page"
    assert info.value.reason.startswith("not an RSS/Atom feed: ")
    assert why in info.value.reason
    assert "\n" not in str(info.value)


def test_a_body_that_looks_like_a_path_is_not_opened(tmp_path: Path) -> None:
    # feedparser.parse(b"/some/path") would read that file; parse_feed must not.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("<item><guid>leak</guid><title>Leaked</title></item>"))
    with pytest.raises(IngestError, match="not an RSS/Atom feed"):
        parse_feed(str(secret).encode(), "https://evil.example/feed")


def test_external_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>T &leak;</title><item><guid>g</guid><title>I &leak;</title>
<description>D &leak;</description>
<podcast:transcript url="https://t.example/&leak;.vtt" type="text/vtt"/></item>
</channel></rss>""".encode()
    feed = parse_feed(data, "xxe.xml")
    assert "TOP-SECRET" not in repr(feed)


@settings(max_examples=75, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_random_input_gives_a_feed_or_an_ingest_error(data: bytes) -> None:
    try:
        feed = parse_feed(data, "random.xml")
    except IngestError as exc:
        assert exc.reason.startswith("not an RSS/Atom feed: ")
    else:
        assert isinstance(feed, Feed)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_random_item_text_never_crashes(text: str) -> None:
    from xml.sax.saxutils import escape

    body = escape(text)
    feed = parse_feed(
        rss(f"<item><guid>g</guid><title>{body}</title><description>{body}</description></item>"),
        "t.xml",
    )
    assert "\n" not in feed.items[0].summary


# -- fetching transcripts ------------------------------------------------------------------


def test_episodes_from_feed(server: LocalServer, tmp_path: Path) -> None:
    fetcher = Fetcher(tmp_path / "cache", timeout=0.5, allow_private_hosts=True)
    feed = load_feed(server.url("/feed.xml"), fetcher)
    episodes, failures, stats = episodes_from_feed(
        feed, fetcher, feed_source=server.url("/feed.xml")
    )

    assert [e.episode for e in episodes] == [5, 4, 3, 2, 1]  # every item, even the failing one
    ep5, ep4, ep3, ep2, ep1 = episodes

    assert ep5.id == "tidepool-0005"
    assert ep5.show == "The Tidepool Hour"
    assert ep5.source == server.url("/transcripts/ep5.json")  # the preferred format won
    assert [c.start for c in ep5.cues] == [0.0, 4.5, 11.0, 17.25]
    assert ep5.cues[2].speaker == "Tomas Reyes"
    assert ep5.body.splitlines()[0] == "Welcome back to the Tidepool Hour."
    assert ep5.summary.startswith("How do kelp forests recover")
    assert ep5.url == server.url("/episodes/5")
    assert ep5.media_url == server.url("/media/ep5.mp3")
    assert ep5.published == dt.date(2024, 3, 5)
    assert ep5.host == "Inès Marrow"

    assert ep4.source == server.url("/transcripts/ep4.vtt")
    assert len(ep4.cues) == 3 and ep4.cues[1].start == 3.0
    assert ep3.source == server.url("/transcripts/ep3.srt")
    assert "nematocysts" in ep3.body and ep3.cues[2].end == 14.5

    # No transcript: indexed from its description, identified by its link.
    assert ep2.id == server.url("/episodes/2")
    assert ep2.source == f"{server.url('/feed.xml')}#{server.url('/episodes/2')}"
    assert ep2.body == ep2.summary and ep2.cues == ()

    # The 404: reported, and the episode is still there from its description.
    assert [(f.source, f.reason) for f in failures] == [
        (server.url("/transcripts/missing.vtt"), "HTTP 404 Not Found")
    ]
    assert ep1.body.startswith("Our first episode") and ep1.cues == ()
    assert ep1.source == f"{server.url('/feed.xml')}#tidepool-0001"

    assert (stats.downloads, stats.cache_hits, stats.failures) == (3, 0, 1)
    assert set(stats.fingerprints) == {e.id for e in episodes}
    # Only the best link of ep5 was fetched.
    assert not server.requests_for("/transcripts/ep5.vtt")


def test_second_sync_downloads_nothing(server: LocalServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first_fetcher = Fetcher(cache, timeout=0.5, allow_private_hosts=True)
    feed = load_feed(server.url("/feed.xml"), first_fetcher)
    first = episodes_from_feed(feed, first_fetcher, feed_source="feed")
    seen = len(server.requests)

    fetcher = Fetcher(
        cache, timeout=0.5, allow_private_hosts=True
    )  # a later run: same cache dir, new process
    feed = load_feed(server.url("/feed.xml"), fetcher)
    episodes, failures, stats = episodes_from_feed(feed, fetcher, feed_source="feed")

    assert fetcher.downloads == 0
    assert (stats.downloads, stats.cache_hits, stats.failures) == (0, 3, 1)
    served = [r for r in server.requests[seen:] if r.path != "/transcripts/missing.vtt"]
    assert len(served) == 4  # the feed and three transcripts, each revalidated
    assert all(r.headers["If-None-Match"] for r in served)
    assert episodes == first[0] and failures == first[1]
    assert stats.fingerprints == first[2].fingerprints


def test_failing_links_fall_through_to_the_next(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/transcripts/ep5.json"] = Route(body=b"{}", delay=5)  # times out
    server.routes["/transcripts/ep5.vtt"] = Route(
        body=b"\x00\x01\x02 binary", content_type="text/vtt"
    )
    fetcher = Fetcher(tmp_path, timeout=0.5, allow_private_hosts=True)
    feed = parse_feed(show_xml(server.base_url), "show.xml")
    episodes, failures, _stats = episodes_from_feed(feed, fetcher, feed_source="show.xml")

    assert episodes[0].source == server.url("/transcripts/ep5.srt")
    assert len(episodes[0].cues) == 2
    # Dead links that fell back to a working one are no error (else every sync says so).
    assert not any("ep5" in f.source for f in failures)


def test_item_whose_links_all_fail_is_indexed_from_its_description(
    server: LocalServer, tmp_path: Path
) -> None:
    for name in ("ep5.json", "ep5.vtt", "ep5.srt", "ep5.html"):
        del server.routes[f"/transcripts/{name}"]
    feed = parse_feed(show_xml(server.base_url), "show.xml")
    episodes, failures, stats = episodes_from_feed(
        feed, Fetcher(tmp_path, allow_private_hosts=True), feed_source="show.xml"
    )
    assert episodes[0].cues == ()
    assert episodes[0].body == feed.items[0].summary
    assert episodes[0].source == "show.xml#tidepool-0005"
    assert stats.failures == len(failures) == 5  # four ep5 links and ep1's
    assert all("\n" not in f.reason for f in failures)


def test_changed_transcript_changes_only_its_fingerprint(
    server: LocalServer, tmp_path: Path
) -> None:
    fetcher = Fetcher(tmp_path, timeout=0.5, allow_private_hosts=True)
    feed = parse_feed(show_xml(server.base_url), "show.xml")
    before = episodes_from_feed(feed, fetcher, feed_source="show.xml")[2].fingerprints

    body = (FEEDS / "ep4.vtt").read_bytes().replace(b"homing instinct", b"homing trick")
    server.routes["/transcripts/ep4.vtt"] = _cached_route(body, "text/vtt")
    episodes, _failures, stats = episodes_from_feed(feed, fetcher, feed_source="show.xml")

    changed = {key for key in before if before[key] != stats.fingerprints[key]}
    assert changed == {"tidepool-0004"}
    assert (stats.downloads, stats.cache_hits) == (1, 2)
    assert "homing trick" in episodes[1].body


def test_items_without_identity_or_with_repeated_guids_are_reported(tmp_path: Path) -> None:
    feed = parse_feed(
        rss("""<item><guid>same</guid><title>Newest</title></item>
        <item><guid>same</guid><title>Older</title></item>
        <item><title>Nameless</title></item>"""),
        "dupes.xml",
    )
    episodes, failures, _stats = episodes_from_feed(
        feed, Fetcher(tmp_path, allow_private_hosts=True), feed_source="dupes.xml"
    )
    assert [e.title for e in episodes] == ["Newest"]
    assert [f.source for f in failures] == ["dupes.xml", "dupes.xml"]
    assert "repeated guid" in failures[0].reason
    assert "no guid, link or enclosure" in failures[1].reason


def test_load_feed_from_a_local_file(tmp_path: Path) -> None:
    feed = load_feed(str(FEEDS / "show.xml"), Fetcher(tmp_path, allow_private_hosts=True))
    assert len(feed.items) == 5
    with pytest.raises(IngestError, match="cannot read feed"):
        load_feed(str(tmp_path / "absent.xml"), Fetcher(tmp_path, allow_private_hosts=True))


def test_episode_text_and_fingerprint() -> None:
    item = FeedItem(guid="g", title="T", summary="About kelp.")
    transcript = Transcript(cues=(Cue("One.", 0.0, 1.0), Cue("Two.", 1.0, 2.0)))
    assert episode_text(item, None) == ("About kelp.", ())
    assert episode_text(item, transcript) == ("One.\nTwo.", transcript.cues)

    base = episode_fingerprint(item, b"WEBVTT", show="S", source="u")
    assert len(base) == 64 and base == episode_fingerprint(item, b"WEBVTT", show="S", source="u")
    others = {
        episode_fingerprint(item, b"WEBVTT!", show="S", source="u"),
        episode_fingerprint(item, None, show="S", source="u"),
        episode_fingerprint(
            FeedItem(guid="g", title="T2", summary="About kelp."), b"WEBVTT", show="S", source="u"
        ),
        episode_fingerprint(item, b"WEBVTT", show="S2", source="u"),
        episode_fingerprint(item, b"WEBVTT", show="S", source="u2"),
    }
    assert base not in others and len(others) == 5


# -- remembered feeds ------------------------------------------------------------------------


def test_feed_store_add_list_remove(tmp_path: Path) -> None:
    store = FeedStore(tmp_path / "index" / "feeds.json")
    assert store.list() == ()
    assert store.add("https://a.example/feed.xml")
    assert store.add(" https://b.example/rss ")
    assert not store.add("https://a.example/feed.xml")  # already there
    assert FeedStore(store.path).list() == ("https://a.example/feed.xml", "https://b.example/rss")
    assert store.remove("https://a.example/feed.xml")
    assert not store.remove("https://a.example/feed.xml")
    assert store.list() == ("https://b.example/rss",)
    assert json.loads(store.path.read_text()) == {"version": 1, "feeds": ["https://b.example/rss"]}


def test_feed_store_keeps_local_files_as_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "show.xml").write_bytes(show_xml())
    monkeypatch.chdir(tmp_path)
    store = FeedStore(tmp_path / "feeds.json")
    assert store.add("show.xml")
    assert store.list() == (str(tmp_path.resolve() / "show.xml"),)
    assert store.remove("show.xml")


@pytest.mark.parametrize(
    "url", ["ftp://a.example/feed.xml", "file:///etc/passwd", "no/such/file.xml", "https://", ""]
)
def test_feed_store_rejects_what_is_not_a_feed_location(tmp_path: Path, url: str) -> None:
    store = FeedStore(tmp_path / "feeds.json")
    with pytest.raises(IngestError):
        store.add(url)
    assert not store.path.exists()


def test_feed_store_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FeedStore(tmp_path / "feeds.json")
    store.add("https://a.example/feed.xml")
    before = store.path.read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("searchpod.indexing.store.os.replace", failing_replace)
    with pytest.raises(IngestError, match="cannot write feeds file"):
        store.add("https://b.example/feed.xml")
    assert store.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["feeds.json"]  # no temp file left


def test_feed_store_reports_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    path.write_text("{not json")
    with pytest.raises(IngestError, match="corrupt feeds file"):
        FeedStore(path).list()
    path.write_text('{"feeds": [1, 2]}')
    with pytest.raises(IngestError, match="corrupt feeds file"):
        FeedStore(path).list()
