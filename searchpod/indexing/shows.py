"""The show named for an indexed folder or feed (``index PATH --show NAME``), remembered.

Named once, a source's show stays: ``watch``, ``feed sync`` and a later ``index PATH``
without ``--show`` keep it, so the episodes are never indexed again without their show.
The names live in ``shows.json`` beside the index's generations, keyed by the folder's
absolute path (or the feed's URL).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from searchpod.atomic import atomic_write

SHOWS_FILE = "shows.json"


def source_key(source: str | os.PathLike[str]) -> str:
    """How a source is remembered: a feed by its key, a file or folder by its absolute path."""
    from searchpod.ingest.feeds.source import feed_key, is_feed_source

    text = str(source)
    if text.startswith(("http://", "https://")) or is_feed_source(text):
        return feed_key(text)
    return os.path.abspath(text)


def load_shows(index_path: Path) -> dict[str, str]:
    """Every remembered source -> show ({} when none, or the file is unreadable)."""
    try:
        data = json.loads((index_path / SHOWS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str) and v.strip()}


def shows_for(
    index_path: Path, sources: Iterable[str | os.PathLike[str]], show: str | None
) -> tuple[dict[str, str], bool]:
    """The shows of ``sources``: ``show`` for each when given, else what was remembered.
    Also whether that changes what is remembered (``save_shows`` then)."""
    known = load_shows(index_path)
    if not show or not show.strip():
        return known, False
    name = " ".join(show.split())
    keys = [source_key(s) for s in sources]
    changed = any(known.get(k) != name for k in keys)
    return {**known, **dict.fromkeys(keys, name)}, changed


def save_shows(index_path: Path, shows: dict[str, str]) -> None:
    atomic_write(
        index_path / SHOWS_FILE,
        json.dumps(dict(sorted(shows.items())), indent=1, ensure_ascii=False).encode(),
    )
