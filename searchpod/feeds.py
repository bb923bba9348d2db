"""Podcast feeds as a source of episodes: which sources are feeds, and fetching them.

Fetching happens before the index's writer lock is taken, so a slow server never keeps
another indexing run waiting; transcripts go through an on-disk HTTP cache with
conditional GETs, so an unchanged episode costs a 304 and no parsing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searchpod.errors import FetchError, IngestError
from searchpod.ingest.sources import FEED_SUFFIXES
from searchpod.model import Episode, IngestFailure

CACHE_DIR = "cache"
FEEDS_FILE = "feeds.json"


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


def fetch_feeds(sources: Sequence[str], index_path: Path) -> FeedBatch:
    """Read each feed and fetch its transcripts; a feed that fails is reported, not fatal."""
    from searchpod.fetch import Fetcher
    from searchpod.ingest.feed import episodes_from_feed, load_feed

    fetcher = Fetcher(index_path / CACHE_DIR)
    batch = FeedBatch()
    for source in sources:
        key = feed_key(source)
        try:
            feed = load_feed(source, fetcher)
        except (FetchError, IngestError) as exc:
            batch.failures.append(IngestFailure(source, exc.reason))
            continue
        episodes, failures, stats = episodes_from_feed(feed, fetcher, feed_source=source)
        batch.failures.extend(failures)
        batch.downloads += stats.downloads
        batch.live[key] = {ep.id for ep in episodes}
        batch.episodes.extend((ep, stats.fingerprints[ep.id], key) for ep in episodes)
    return batch
