"""Podcast feeds as a source of episodes: which sources are feeds, and fetching them.

Fetching happens before the index's writer lock is taken, so a slow server never keeps
another indexing run waiting; transcripts go through an on-disk HTTP cache with
conditional GETs, so an unchanged episode costs a 304 and no parsing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searchpod.errors import FetchError, IngestError
from searchpod.ingest.sources import FEED_SUFFIXES
from searchpod.model import Episode, IngestFailure

CACHE_DIR = "cache"
FEEDS_FILE = "feeds.json"
# Seconds one feed may take, its transcripts included, so that one slow server cannot hold
# up the sync of every other feed for long.
FEED_TIME_LIMIT = 600.0


def is_feed_source(source: str | os.PathLike[str]) -> bool:
    """A URL, or a file named like a feed (``.xml``/``.rss``)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        return True
    path = Path(text)
    return path.suffix.lower() in FEED_SUFFIXES and os.path.isfile(path)


def feed_key(source: str) -> str:
    """How a feed is remembered in the index: URLs as given, files by absolute path."""
    return source if source.startswith(("http://", "https://")) else str(Path(source).resolve())


@dataclass
class FeedBatch:
    """Every episode of some feeds, with fingerprints, ready to compare with the index."""

    episodes: list[tuple[Episode, str, str]] = field(default_factory=list)  # (ep, fp, feed)
    failures: list[IngestFailure] = field(default_factory=list)
    live: dict[str, set[str]] = field(default_factory=dict)  # feed key -> episode ids
    downloads: int = 0


def fetch_feeds(
    sources: Sequence[str],
    index_path: Path,
    *,
    allow_private_hosts: bool = False,
    feed_time_limit: float = FEED_TIME_LIMIT,
    labels: bool = True,
) -> FeedBatch:
    """Read each feed and fetch its transcripts; a feed that fails is reported, not fatal.

    A feed from the internet may not make searchpod reach loopback, private or link-local
    addresses unless ``allow_private_hosts``; a feed read from a local file is the user's
    own, so its transcript links may. Each feed gets ``feed_time_limit`` seconds.
    ``labels=False``: no speakers from ``Name:`` labels in transcript text.
    """
    from searchpod.ingest.feeds.parse import episodes_from_feed, load_feed
    from searchpod.net.fetch import Fetcher

    remote = Fetcher(index_path / CACHE_DIR, allow_private_hosts=allow_private_hosts)
    trusted = Fetcher(index_path / CACHE_DIR, allow_private_hosts=True)
    batch = FeedBatch()
    for source in sources:
        key = feed_key(source)
        fetcher = remote if source.startswith(("http://", "https://")) else trusted
        until = time.monotonic() + feed_time_limit
        try:
            feed = load_feed(source, fetcher)
        except IngestError as exc:
            # Not a feed: a URL may be one transcript or episode page ("index URL").
            single = document_episode(source, fetcher, labels=labels) if _is_url(source) else None
            if isinstance(single, tuple):
                batch.episodes.append((*single, key))
                batch.live[key] = {single[0].id}
            else:
                reason = f"{exc.reason}; nor a transcript ({single})" if single else exc.reason
                batch.failures.append(IngestFailure(source, reason))
            continue
        except FetchError as exc:
            batch.failures.append(IngestFailure(source, exc.reason))
            continue
        episodes, failures, stats = episodes_from_feed(
            feed, fetcher, feed_source=source, until=until, labels=labels
        )
        batch.failures.extend(failures)
        batch.downloads += stats.downloads
        batch.live[key] = {ep.id for ep in episodes} | set(stats.deferred)
        batch.episodes.extend((ep, stats.fingerprints[ep.id], key) for ep in episodes)
    return batch


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def document_episode(url: str, fetcher: Any, *, labels: bool = True) -> tuple[Episode, str] | str:
    """The episode one URL holds when it is a transcript or an episode page, with its
    fingerprint; else why not. Fetched through ``fetcher``'s cache, so no second download.
    """
    import hashlib
    import urllib.parse
    from pathlib import PurePosixPath

    from searchpod.ingest.decode import decode_bytes
    from searchpod.ingest.pages.html import read_html_file
    from searchpod.ingest.sources import assemble_episode
    from searchpod.ingest.transcripts.detect import parse_transcript

    try:
        result = fetcher.get(url)
        text = decode_bytes(result.data, url)
        name = PurePosixPath(urllib.parse.urlsplit(result.final_url).path)
        mime = (result.content_type or "").partition(";")[0].strip().lower()
        suffix = name.suffix.lower()
        page = None
        if mime in {"text/html", "application/xhtml+xml"} or suffix in {".html", ".htm"}:
            page, transcript = read_html_file(text, url, labels=labels)
        else:
            transcript = parse_transcript(
                text, url, suffix=suffix, content_type=mime or None, labels=labels
            )
    except (FetchError, IngestError) as exc:
        return exc.reason
    episode = assemble_episode(url, url, page, transcript, fallback_title=name.stem or url)
    return episode, hashlib.sha256(result.data + (b"" if labels else b"\0no-labels")).hexdigest()


def check_feed(source: str, index_path: Path, *, allow_private_hosts: bool = False) -> None:
    """Fetch (through the index's cache) and parse a feed; raises IngestError or
    FetchError naming ``source`` when it does not answer with one. A feed URL is held to
    the same address rules as ``fetch_feeds``."""
    from searchpod.ingest.feeds.parse import load_feed
    from searchpod.net.fetch import Fetcher

    load_feed(source, Fetcher(index_path / CACHE_DIR, allow_private_hosts=allow_private_hosts))
