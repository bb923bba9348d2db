"""Podcast RSS/Atom feeds: parse them, fetch their transcripts, turn items into episodes.

feedparser does the parsing (encodings, RSS/Atom/RDF variants, dates, broken XML). It does
not keep everything a podcast feed says, though, so a second, safe lxml pass reads what it
loses (see ``_read_extras``):

- repeated ``podcast:transcript`` and ``podcast:person`` elements: feedparser keeps only the
  last one, as a dict of attributes (``entry.podcast_transcript``) and, for a person,
  sometimes only its text and sometimes only its attributes;
- ``description`` versus ``itunes:summary``: feedparser stores both as ``summary``, the
  later one winning.

Typical use::

    feed = load_feed("https://example.com/feed.xml", fetcher)
    episodes, failures, stats = episodes_from_feed(feed, fetcher, feed_source=feed.source)
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import email.utils
import hashlib
import html
import io
import json
import re
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from searchpod.atomic import atomic_write
from searchpod.errors import FetchError, IngestError
from searchpod.model import Cue, Episode, IngestFailure, Transcript

if TYPE_CHECKING:
    from searchpod.net.fetch import Fetcher

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The namespace URL the spec used before 1.0 was published; older feeds still declare it.
_PODCAST_NS_OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
_ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_ATOM_NS = "http://www.w3.org/2005/Atom"
_ITEM_TAGS = frozenset({"item", "{http://purl.org/rss/1.0/}item", f"{{{_ATOM_NS}}}entry"})

# Timed formats first (they give search hits a time to jump to), then untimed ones.
_TRANSCRIPT_PREFERENCE = {
    "application/json": 0,  # Podcast Index JSON (or Whisper's)
    "text/vtt": 1,
    "application/x-subrip": 2,
    "application/srt": 2,
    "text/srt": 2,
    "text/html": 3,
    "text/plain": 4,
}
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "tr", "td", "th", "table", "section", "article", "hr", "dd", "dt",
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")
# Seconds one item may spend on its transcript links: forty hanging links must not cost
# forty download deadlines.
ITEM_TIME_LIMIT = 120.0


@dataclass(frozen=True)
class TranscriptLink:
    """One ``podcast:transcript`` element: where the transcript is and what format."""

    url: str
    type: str | None = None
    language: str | None = None
    rel: str | None = None

    @property
    def preference(self) -> int:
        """Lower is better: timed formats first; unknown types last."""
        return _TRANSCRIPT_PREFERENCE.get(_media_type(self.type) or "", len(_TRANSCRIPT_PREFERENCE))


@dataclass(frozen=True)
class FeedItem:
    """One item (episode) of a feed. ``summary`` is plain text; ``transcripts`` are sorted
    best first (see ``TranscriptLink.preference``)."""

    guid: str | None
    title: str
    summary: str = ""
    published: dt.date | None = None
    episode: int | None = None
    host: str | None = None
    media_url: str | None = None
    link: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    season: int | None = None

    @property
    def key(self) -> str | None:
        """The item's identity: its guid, else its link, else its enclosure URL."""
        return self.guid or self.link or self.media_url


@dataclass(frozen=True)
class Feed:
    """A parsed feed. ``source`` is where it came from (URL or file path)."""

    title: str
    url: str | None
    author: str | None
    items: tuple[FeedItem, ...]
    source: str = ""


@dataclass(frozen=True)
class FeedSyncStats:
    """What fetching a feed's transcripts did.

    ``downloads`` counts transcripts whose content was new or changed; ``cache_hits`` those
    the server confirmed unchanged (304) or sent again byte for byte; ``failures`` the
    transcript links (and items) that failed. ``fingerprints`` maps each episode id to
    ``episode_fingerprint(...)`` of what it was built from, so an incremental reindex can
    skip episodes whose fingerprint it has already stored.
    """

    downloads: int = 0
    cache_hits: int = 0
    failures: int = 0
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    # Ids of items not built this time because the feed ran out of time: still in the
    # feed, so their episodes stay in the index as they were.
    deferred: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "downloads": self.downloads,
            "cache_hits": self.cache_hits,
            "failures": self.failures,
            "fingerprints": dict(self.fingerprints),
            "deferred": list(self.deferred),
        }


# -- parsing ---------------------------------------------------------------------------


def parse_feed(data: bytes, source: str) -> Feed:
    """Parse RSS 2.0 / Atom / RSS 1.0 bytes into a Feed.

    Relative links are resolved against ``source`` when it is an http(s) URL. Raises
    IngestError(source, "not an RSS/Atom feed: ...") for an HTML page, garbage or nothing.
    """
    import feedparser  # imported here: only feed users pay for it

    # Always a stream: given bytes or str, feedparser.parse tries to open() them as a file
    # name (or fetch them as a URL) first — a body of "/etc/passwd" would read that file.
    # No Content-Location either: feedparser would then "resolve" plain guids as URLs.
    try:
        parsed = feedparser.parse(io.BytesIO(data))
    except Exception as exc:
        # feedparser is meant to report bad input as "bozo", but some raises anyway (e.g.
        # UnicodeDecodeError for a non-UTF-8 byte in encoding="..."). Hostile bytes must
        # give an IngestError, whatever the engine throws.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IngestError(source, f"not an RSS/Atom feed: unreadable ({reason})") from exc
    raw_entries: list[Any] = list(parsed.get("entries") or [])
    if not parsed.get("version") and not raw_entries:
        raise IngestError(source, f"not an RSS/Atom feed: {_why_not_a_feed(data, parsed)}")

    channel, extra_items = _read_extras(data)
    feed_info = parsed.get("feed") or {}
    base = source if _is_http(source) else None
    author = _hosts(channel.persons) or channel.author or _text(feed_info, "author")

    items = []
    for position, entry in enumerate(raw_entries):
        extras = _match_extras(entry, position, raw_entries, extra_items)
        items.append(_feed_item(entry, extras, base, author))
    return Feed(
        title=_title(feed_info),
        url=_absolute_url(_text(feed_info, "link"), base),
        author=author,
        items=tuple(items),
        source=source,
    )


def load_feed(source: str, fetcher: Fetcher) -> Feed:
    """Fetch (http/https, through ``fetcher``'s cache) or read (a local file) and parse a feed.

    Raises FetchError for a URL that cannot be fetched, IngestError for a file that cannot
    be read or a document that is not a feed.
    """
    if _is_http(source):
        data = fetcher.get(source).data
    else:
        from searchpod.ingest.files import read_source

        try:
            data = read_source(Path(source))  # a regular file, within the size cap
        except IngestError as exc:
            reason = exc.reason.removeprefix("cannot read: ")
            raise IngestError(source, f"cannot read feed: {reason}") from exc
    return parse_feed(data, source)


def _why_not_a_feed(data: bytes, parsed: Any) -> str:
    head = data[:2048].lstrip().lower()
    if not head:
        return "empty document"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "got an HTML page"
    problem = parsed.get("bozo_exception")
    if problem is not None:
        return "not XML (" + " ".join(str(problem).split()) + ")"
    return "no <rss>, <feed> or <rdf:RDF> root element"


def _feed_item(
    entry: Any, extras: _ItemExtras | None, base: str | None, channel_author: str | None
) -> FeedItem:
    guid = (_text(entry, "id") or "").strip() or None
    link = _text(entry, "link")
    if dict.get(entry, "guidislink") and link == guid and not _is_http(link or ""):
        link = None  # feedparser copies a permalink-ish guid into link even when not a URL
    enclosures = [
        ln.get("href")
        for ln in _dicts(entry, "links")
        if ln.get("rel") == "enclosure" and ln.get("href")
    ]

    if extras is not None:
        summary = extras.description or extras.itunes_summary or extras.content
        transcripts = list(extras.transcripts)
        # podcast:person role="host" names people; itunes:author is often the company.
        item_author = _hosts(extras.persons) or extras.author
    else:
        # The lxml pass could not read this item: take what feedparser kept.
        summary = None
        transcripts = _feedparser_transcripts(entry)
        item_author = _text(entry, "author")
    if not summary:
        contents = _dicts(entry, "content")
        summary = _text(entry, "summary") or (_text(contents[0], "value") if contents else None)

    links = [
        TranscriptLink(url, t.type, t.language, t.rel)
        for t in transcripts
        if (url := _absolute_url(t.url, base))
    ]
    # sorted() is stable: links of equal preference keep the feed's order.
    links.sort(key=lambda t: t.preference)
    return FeedItem(
        guid=guid,
        title=_title(entry),
        summary=_plain_text(summary),
        published=_published(entry),
        episode=_episode_number(
            (extras.episode if extras is not None else None) or _text(entry, "itunes_episode")
        ),
        season=_episode_number(
            (extras.season if extras is not None else None) or _text(entry, "itunes_season")
        ),
        host=item_author or channel_author,
        media_url=_absolute_url(enclosures[0] if enclosures else None, base),
        link=_absolute_url(link, base),
        transcripts=tuple(links),
    )


def _text(mapping: Any, key: str) -> str | None:
    # dict.get, not FeedParserDict.get: the latter maps missing keys to others (and warns
    # with a DeprecationWarning for updated/published).
    value = dict.get(mapping, key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _dicts(entry: Any, key: str) -> list[dict[str, Any]]:
    """The dicts in a list-valued feedparser key. Element names become keys, so in a mangled
    feed an element called <links> or <content> can leave a string there instead."""
    value = dict.get(entry, key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _published(entry: Any) -> dt.date | None:
    raw = _text(entry, "published")
    if raw:
        # The date as the publisher wrote it: feedparser's *_parsed is converted to UTC,
        # which moves an evening episode in America to the next day.
        try:
            return email.utils.parsedate_to_datetime(raw).date()
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
    for key in ("published_parsed", "updated_parsed"):
        parsed = dict.get(entry, key)
        if isinstance(parsed, time.struct_time):
            with contextlib.suppress(ValueError):
                return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def _episode_number(value: str | None) -> int | None:
    # podcast:episode may be "5.5" (a bonus between 5 and 6): its whole part is the number.
    text = (value or "").strip()
    whole = text.split(".", 1)[0] if re.fullmatch(r"\d+(?:\.\d+)?", text) else text
    if whole.isdigit() and len(whole) <= 9:
        return int(whole)
    return None


def _feedparser_transcripts(entry: Any) -> list[TranscriptLink]:
    found = dict.get(entry, "podcast_transcript")
    if isinstance(found, dict) and found.get("url"):
        return [
            TranscriptLink(found["url"], found.get("type"), found.get("language"), found.get("rel"))
        ]
    return []


def _hosts(persons: Iterable[tuple[str, str | None]]) -> str | None:
    """Names of the hosts among ``podcast:person`` elements (no role means host)."""
    names: list[str] = []
    for name, role in persons:
        if (role is None or role.strip().lower() == "host") and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _title(mapping: Any) -> str:
    """A feed's or item's title as one line of text.

    feedparser has already decoded it; when it says the title is plain text, a ``<`` in it
    is a character ("&lt;img&gt;" in the feed), not markup to drop: it stays text, and
    every output escapes it.
    """
    value = _text(mapping, "title")
    detail = dict.get(mapping, "title_detail") if isinstance(mapping, dict) else None
    if value and isinstance(detail, dict) and detail.get("type") == "text/plain":
        return _WHITESPACE.sub(" ", value).strip()
    return _plain_text(value)


def _plain_text(value: str | None) -> str:
    """HTML (or plain text) to one line of plain text: tags dropped, entities decoded."""
    if not value:
        return ""
    if "<" not in value:
        text = html.unescape(value)
    else:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(value, "lxml")
        for hidden in soup(["script", "style", "template"]):
            hidden.decompose()
        # Words in adjacent blocks ("<p>end</p><p>Start") must not run together.
        for tag in soup.find_all(_BLOCK_TAGS):
            tag.insert_after(" ")
        text = soup.get_text()
    return _WHITESPACE.sub(" ", text).strip()


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _is_http(value: str) -> bool:
    return urllib.parse.urlsplit(value.strip()).scheme.lower() in ("http", "https")


def _absolute_url(value: str | None, base: str | None) -> str | None:
    """``value`` as an absolute http(s) URL, resolving a relative one against ``base``."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if _is_http(value):
        return value
    if base and not urllib.parse.urlsplit(value).scheme:
        return urllib.parse.urljoin(base, value)
    return None


# -- the lxml pass for what feedparser drops -------------------------------------------


@dataclass(frozen=True)
class _ChannelExtras:
    author: str | None = None
    persons: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class _ItemExtras:
    guid: str | None = None
    link: str | None = None
    description: str | None = None
    itunes_summary: str | None = None
    content: str | None = None
    author: str | None = None
    persons: tuple[tuple[str, str | None], ...] = ()
    transcripts: tuple[TranscriptLink, ...] = ()
    episode: str | None = None
    season: str | None = None


def _read_extras(data: bytes) -> tuple[_ChannelExtras, list[_ItemExtras]]:
    """Read podcast-namespace elements, descriptions and authors with lxml.

    Safe on hostile input: no entity expansion (so no XXE or "billion laughs"), no network,
    no DTD loading. ``recover`` salvages what it can of broken XML; if nothing is readable
    the result is empty and the caller falls back to feedparser's view.
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return _ChannelExtras(), []
    if root is None:
        return _ChannelExtras(), []

    items = [el for el in root.iter() if el.tag in _ITEM_TAGS]
    channel = root.find("channel")
    channel = root if channel is None else channel
    channel_extras = _ChannelExtras(
        author=_child_text(channel, f"{{{_ITUNES_NS}}}author"),
        persons=_persons(channel),
    )
    return channel_extras, [_item_extras(el) for el in items]


def _item_extras(item: Any) -> _ItemExtras:
    transcripts = []
    for el in _podcast_children(item, "transcript"):
        url = (el.get("url") or "").strip()
        if url:
            transcripts.append(
                TranscriptLink(
                    url=url,
                    type=(el.get("type") or "").strip() or None,
                    language=(el.get("language") or "").strip() or None,
                    rel=(el.get("rel") or "").strip() or None,
                )
            )
    atom_link = item.find(f"{{{_ATOM_NS}}}link")
    return _ItemExtras(
        guid=_child_text(item, "guid") or _child_text(item, f"{{{_ATOM_NS}}}id"),
        link=_child_text(item, "link")
        or (atom_link.get("href") if atom_link is not None else None),
        description=_child_text(item, "description"),
        itunes_summary=_child_text(item, f"{{{_ITUNES_NS}}}summary"),
        content=_child_text(item, f"{{{_CONTENT_NS}}}encoded"),
        author=_child_text(item, f"{{{_ITUNES_NS}}}author"),
        persons=_persons(item),
        transcripts=tuple(transcripts),
        episode=_podcast_text(item, "episode") or _child_text(item, f"{{{_ITUNES_NS}}}episode"),
        season=_podcast_text(item, "season") or _child_text(item, f"{{{_ITUNES_NS}}}season"),
    )


def _podcast_text(parent: Any, name: str) -> str | None:
    for el in _podcast_children(parent, name):
        text = "".join(el.itertext()).strip()
        if text:
            return text
    return None


def _podcast_children(parent: Any, name: str) -> list[Any]:
    return [el for ns in (PODCAST_NS, _PODCAST_NS_OLD) for el in parent.findall(f"{{{ns}}}{name}")]


def _persons(parent: Any) -> tuple[tuple[str, str | None], ...]:
    found = []
    for el in _podcast_children(parent, "person"):
        name = " ".join("".join(el.itertext()).split())
        if name:
            found.append((name, (el.get("role") or "").strip() or None))
    return tuple(found)


def _child_text(parent: Any, tag: str) -> str | None:
    el = parent.find(tag)
    if el is None:
        return None
    # itertext also covers CDATA and (invalid but common) inline XHTML children.
    text = "".join(el.itertext()).strip()
    return text or None


def _match_extras(
    entry: Any, position: int, entries: list[Any], extras: list[_ItemExtras]
) -> _ItemExtras | None:
    """The lxml view of the same item: by position when both saw the same items, else by
    guid or link (broken XML can make the two parsers disagree)."""
    if len(extras) == len(entries):
        return extras[position]
    guid, link = _text(entry, "id"), _text(entry, "link")
    for candidate in extras:
        if guid and candidate.guid and candidate.guid.strip() == guid.strip():
            return candidate
    for candidate in extras:
        if link and candidate.link and candidate.link.strip() == link.strip():
            return candidate
    return None


# -- items to episodes -------------------------------------------------------------------


def episode_fingerprint(
    item: FeedItem,
    transcript_bytes: bytes | None,
    *,
    show: str | None = None,
    source: str | None = None,
) -> str:
    """sha256 (hex) of everything an episode is built from: the item's fields, the show
    title, the transcript URL used and the transcript's bytes. Equal fingerprints mean an
    equal episode, so a reindex can skip it."""
    fields = {
        "guid": item.guid,
        "title": item.title,
        "summary": item.summary,
        "published": item.published.isoformat() if item.published else None,
        "episode": item.episode,
        "host": item.host,
        "media_url": item.media_url,
        "link": item.link,
        "season": item.season,
        "show": show,
        "source": source,
    }
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8"))
    digest.update(b"\0")  # the JSON cannot contain NUL, so fields and bytes cannot blur
    digest.update(transcript_bytes or b"")
    return digest.hexdigest()


def episode_text(item: FeedItem, transcript: Transcript | None) -> tuple[str, tuple[Cue, ...]]:
    """An episode's searchable body and cues: the transcript's when there is one (cue texts,
    one per line), else the item's description with no cues."""
    if transcript is None:
        return item.summary, ()
    return "\n".join(cue.text for cue in transcript.cues), transcript.cues


def episodes_from_feed(
    feed: Feed,
    fetcher: Fetcher,
    *,
    feed_source: str,
    item_time_limit: float = ITEM_TIME_LIMIT,
    until: float | None = None,
    labels: bool = True,
) -> tuple[list[Episode], list[IngestFailure], FeedSyncStats]:
    """Turn every item of ``feed`` into an Episode, fetching its best working transcript.

    Transcript links are tried best first; when one fails (HTTP error, timeout,
    unparseable) the next is tried. Only when all of an item's links fail is each reported
    as an IngestFailure for its URL, and the item indexed from its description (as is one
    with no link). Items with no
    guid, link or enclosure are reported and skipped, as are repeats of an id already seen
    (feeds list newest first, so the first is kept). ``stats.fingerprints`` maps each
    episode's id to its ``episode_fingerprint``.

    Time is bounded: an item's links together get ``item_time_limit`` seconds (the links
    left untried are reported); once ``until`` (a ``time.monotonic()`` value: the whole
    feed's budget) passes, the items whose transcripts were not fetched are not built at
    all, listed in ``stats.deferred`` and reported in one line, so their episodes stay as
    they are until the next sync.
    """
    episodes: list[Episode] = []
    failures: list[IngestFailure] = []
    fingerprints: dict[str, str] = {}
    deferred: list[str] = []
    downloads = cache_hits = 0

    for item in feed.items:
        key = item.key
        if key is None:
            failures.append(
                IngestFailure(feed_source, f"item {item.title!r} has no guid, link or enclosure")
            )
            continue
        if key in fingerprints:
            failures.append(IngestFailure(feed_source, f"repeated guid {key!r}; kept the first"))
            continue

        transcript: Transcript | None = None
        used: TranscriptLink | None = None
        raw: bytes | None = None
        item_until = time.monotonic() + item_time_limit
        if until is not None:
            item_until = min(item_until, until)
        untried = 0
        dead: list[IngestFailure] = []
        for position, link in enumerate(item.transcripts):
            if time.monotonic() >= item_until:
                untried = len(item.transcripts) - position
                break
            try:
                result = fetcher.get(link.url, until=item_until)
                parsed = _parse_transcript(
                    result.data, link, result.final_url, result.content_type, labels=labels
                )
            except (FetchError, IngestError) as exc:
                dead.append(IngestFailure(link.url, exc.reason))
                continue
            except Exception as exc:
                # A transcript is someone else's file: whatever a parser throws on it, it
                # is this link's failure, never the end of the feed's (or others') sync.
                reason = " ".join(str(exc).split()) or type(exc).__name__
                dead.append(IngestFailure(link.url, f"cannot parse transcript ({reason})"))
                continue
            if result.changed:
                downloads += 1
            else:
                cache_hits += 1
            transcript, used, raw = parsed, link, result.data
            break
        if used is None and item.transcripts and until is not None and time.monotonic() >= until:
            deferred.append(key)  # the feed is out of time: keep the indexed version
            continue
        if transcript is None:
            # A dead link is worth an error only when no other link of the item worked:
            # otherwise every sync would report it, though nothing is missing.
            failures.extend(dead)
        if used is None and untried:
            failures.append(
                IngestFailure(
                    feed_source,
                    f"item {key!r}: {untried} transcript link(s) not "
                    f"tried: the item took longer than {item_time_limit:g}s",
                )
            )

        source = used.url if used else f"{feed_source}#{key}"
        body, cues = episode_text(item, transcript)
        metadata = {"feed": feed_source}
        if item.season is not None:
            metadata["season"] = str(item.season)
        if used and used.type:
            metadata["transcript_type"] = used.type
        episodes.append(
            Episode(
                id=key,
                title=item.title or key,
                source=source,
                body=body,
                show=feed.title or None,
                episode=item.episode,
                host=item.host,
                summary=item.summary,
                metadata=metadata,
                published=item.published,
                url=item.link,
                media_url=item.media_url,
                cues=cues,
            )
        )
        # "no-labels" only when set, so fingerprints stored before the option stay valid.
        fingerprints[key] = episode_fingerprint(
            item, raw, show=feed.title, source=source if labels else f"{source} no-labels"
        )

    if deferred:
        failures.append(
            IngestFailure(
                feed_source,
                f"out of time: transcripts of {len(deferred)} item(s) not fetched; "
                "their episodes stay as they were until the next sync",
            )
        )
    stats = FeedSyncStats(
        downloads, cache_hits, len(failures), fingerprints, deferred=tuple(deferred)
    )
    return episodes, failures, stats


def _parse_transcript(
    data: bytes,
    link: TranscriptLink,
    final_url: str,
    served_type: str | None,
    *,
    labels: bool = True,
) -> Transcript:
    # Imported here: the transcript parsers are only needed once something was fetched.
    from searchpod.ingest.transcripts.detect import parse_transcript_bytes

    suffix = PurePosixPath(urllib.parse.urlsplit(final_url).path).suffix.lower()
    # The feed's declared type first: servers often send .vtt/.srt as text/plain or
    # application/octet-stream.
    content_type = _media_type(link.type) or _media_type(served_type)
    transcript = parse_transcript_bytes(
        data, link.url, suffix=suffix, content_type=content_type, labels=labels
    )
    if not any(cue.text.strip() for cue in transcript.cues):
        raise IngestError(link.url, "transcript has no text")
    return transcript


# -- remembered feeds --------------------------------------------------------------------


class FeedStore:
    """The feed URLs (or local feed files) the user added, kept in a small JSON file.

    ``{"version": 1, "feeds": ["https://...", "/abs/path/feed.xml"]}``, in the order added.
    Writes are atomic (temp file + rename), so a crash never leaves half a file.
    """

    _VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def list(self) -> tuple[str, ...]:
        """The remembered feeds, in the order they were added."""
        return tuple(self._read())

    def add(self, url: str) -> bool:
        """Remember a feed: an http(s) URL or an existing local file (stored as an absolute
        path). Returns False if it was already there. Raises IngestError for anything else."""
        entry = self._normalise(url)
        feeds = self._read()
        if entry in feeds:
            return False
        self._write([*feeds, entry])
        return True

    def remove(self, url: str) -> bool:
        """Forget a feed. Returns False if it was not remembered."""
        feeds = self._read()
        candidates = {url.strip()}
        if not _is_http(url):
            candidates.add(str(Path(url.strip()).expanduser().resolve()))
        kept = [f for f in feeds if f not in candidates]
        if len(kept) == len(feeds):
            return False
        self._write(kept)
        return True

    def _normalise(self, url: str) -> str:
        url = url.strip()
        if _is_http(url):
            if not urllib.parse.urlsplit(url).netloc:
                raise IngestError(url, "feed URL has no host")
            return url
        scheme = urllib.parse.urlsplit(url).scheme
        # A one-letter "scheme" is a Windows drive (C:\...), not a URL.
        if len(scheme) > 1:
            raise IngestError(url, f"unsupported feed URL ({scheme}:); use http(s) or a file")
        path = Path(url).expanduser()
        if not path.is_file():
            raise IngestError(url, "not an http(s) URL or an existing feed file")
        return str(path.resolve())

    def _read(self) -> builtins.list[str]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise IngestError(str(self.path), f"cannot read feeds file: {exc.strerror}") from exc
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise IngestError(str(self.path), f"corrupt feeds file ({exc})") from exc
        feeds = doc.get("feeds") if isinstance(doc, dict) else None
        if not isinstance(feeds, list) or not all(isinstance(f, str) for f in feeds):
            raise IngestError(str(self.path), "corrupt feeds file (no list of feeds)")
        return feeds

    def _write(self, feeds: builtins.list[str]) -> None:
        doc = {"version": self._VERSION, "feeds": feeds}
        data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, data)
        except OSError as exc:
            raise IngestError(str(self.path), f"cannot write feeds file: {exc.strerror}") from exc
