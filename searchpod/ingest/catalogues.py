"""Episode tables and feeds inside indexed folders: told apart from transcripts, read, and
matched to the transcripts they describe.

A ``.csv`` (or an RSS/Atom ``.xml``/``.rss``) in a folder is only ever metadata; a ``.tsv``
or ``.json`` is an episode table when its header names episode columns (``number``,
``title``, ``release_date``, ...) rather than a transcript's (``start``, ``end``, ``text``).
Each catalogue describes the transcripts in its folder and below: a transcript's group gets
the row that matches it (``ingest.matching``), the nearest catalogue's first. A catalogue is
never a failure: one that cannot be read, or whose rows match no transcript, is counted
among the skipped files with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from searchpod.errors import IngestError
from searchpod.ingest.decode import decode_bytes
from searchpod.ingest.files import display_name, read_source
from searchpod.ingest.matching import Catalogue, RowIndex, folder_of, merge_facts
from searchpod.ingest.tables import looks_like_table, parse_episode_table
from searchpod.model import EpisodeFacts

# Always catalogues inside a folder; .tsv and .json only when their head says so.
_ALWAYS = frozenset({".csv", ".xml", ".rss"})
_SNIFFED = frozenset({".tsv", ".json"})
_FEEDS = frozenset({".xml", ".rss"})
# Enough of a file to read a table's header or a JSON list's first object.
_HEAD_BYTES = 8192
UNMATCHED = "matched no transcript here (by file name, guid, episode number, date or title)"


def split_catalogues(files: list[str]) -> tuple[list[str], list[str]]:
    """``files`` less the episode tables and feeds among them, and those. (Counted among
    the skipped files only when read: a folder's listing is reused without reading.)"""
    rest: list[str] = []
    found: list[str] = []
    for f in files:
        suffix = _suffix(f)
        if suffix in _ALWAYS or (suffix in _SNIFFED and _head_is_table(f, suffix)):
            found.append(f)
        else:
            rest.append(f)
    return rest, found


def catalogue_facts(
    mains: Sequence[str],
    catalogues: Sequence[str],
    skipped: dict[tuple[str, str], int] | None,
) -> list[EpisodeFacts | None]:
    """What the catalogues say about each episode, by the path of its main file (None where
    nothing matched)."""
    read: list[tuple[Catalogue, RowIndex]] = []
    for path in dict.fromkeys(catalogues):
        try:
            catalogue = read_catalogue(path)
        except IngestError as exc:
            _skip(skipped, path, exc.reason)
            continue
        read.append((catalogue, RowIndex(catalogue.rows)))
    # Nearest first: a table in the transcripts' own folder beats one above it.
    read.sort(key=lambda c: -len(c[0].folder))
    used: set[str] = set()
    out: list[EpisodeFacts | None] = []
    for main in mains:
        stem = _stem(main)
        found: list[EpisodeFacts] = []
        for catalogue, index in read:
            if not main.startswith(catalogue.folder):
                continue
            row = index.find(stem)
            if row is not None:
                found.append(row)
                used.add(catalogue.source)
        out.append(merge_facts(found) if found else None)
    for catalogue, _ in read:
        if catalogue.source not in used:
            _skip(skipped, catalogue.source, f"{catalogue.kind} that {UNMATCHED}")
    return out


# path -> (size, mtime, ctime, inode) and what was read: a watching process reads a table
# again only when it changed.
_READ: dict[str, tuple[tuple[int, int, int, int], Catalogue]] = {}


def read_catalogue(path: str) -> Catalogue:
    """An episode table's rows or a feed's items. Raises IngestError naming ``path``."""
    try:
        st = os.stat(path)
        identity = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    except OSError:
        identity = None
    known = _READ.get(path)
    if identity is not None and known is not None and known[0] == identity:
        return known[1]
    catalogue = _read_catalogue(path)
    if identity is not None:
        _READ[path] = (identity, catalogue)
    return catalogue


def _read_catalogue(path: str) -> Catalogue:
    label = display_name(path)
    suffix = _suffix(path)
    data = read_source(Path(path))
    if suffix in _FEEDS:
        from searchpod.ingest.feeds.parse import parse_feed

        feed = parse_feed(data, label)
        rows = tuple(
            EpisodeFacts(
                title=item.title or None,
                episode=item.episode,
                published=item.published,
                summary=item.summary,
                media_url=item.media_url,
                url=item.link,
                guid=item.guid,
                show=feed.title or None,
                host=item.host,
            )
            for item in feed.items
        )
        if not rows:
            raise IngestError(label, "a feed with no items")
        return Catalogue(label, folder_of(path), rows, kind="feed")
    text = decode_bytes(data, label)
    rows = tuple(parse_episode_table(text, label, suffix=suffix))
    if not rows:
        raise IngestError(label, "an episode table with no rows")
    return Catalogue(label, folder_of(path), rows)


def _skip(skipped: dict[tuple[str, str], int] | None, path: str, reason: str) -> None:
    if skipped is not None:
        key = (_suffix(path) or "(no suffix)", f"{display_name(path)}: {reason}")
        skipped[key] = skipped.get(key, 0) + 1


def _head_is_table(path: str, suffix: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False  # reading it as a transcript names the reason
    try:
        head = os.pread(fd, _HEAD_BYTES, 0)
    except OSError:
        return False
    finally:
        os.close(fd)
    if b"\x00" in head:
        return False
    return looks_like_table(head.decode("utf-8", "replace"), suffix)


def _suffix(path: str) -> str:
    name = path.rpartition(os.sep)[2]
    i = name.rfind(".")
    return name[i:].lower() if 0 < i < len(name) - 1 else ""


def _stem(path: str) -> str:
    name = path.rpartition(os.sep)[2]
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name
