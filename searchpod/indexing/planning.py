"""Deciding what an update run does: pure functions, no index or engine needed.

Given what the index holds (id -> fingerprint and source path) and what the sources now hold,
each episode is new, changed, unchanged or gone. Tested without Whoosh or any files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searchpod.ingest.feeds.source import FeedBatch
    from searchpod.ingest.sources import SourceGroup
    from searchpod.model import IngestFailure


@dataclass(frozen=True)
class UpdatePlan:
    """Episode ids by what an update run must do with them."""

    add: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def writes(self, episode_id: str) -> bool:
        return episode_id in self.add or episode_id in self.update


def plan_updates(
    existing: Mapping[str, tuple[str, str]],
    found: Iterable[tuple[str, str]],
    stale: Iterable[str] = (),
) -> UpdatePlan:
    """``found`` (id, content fingerprint) pairs against ``existing``: add, update, or keep.

    >>> plan_updates({"a": ("f1", "/a"), "b": ("f2", "/b")}, [("a", "f1"), ("b", "f9"), ("c", "f3")])
    UpdatePlan(add=('c',), update=('b',), unchanged=('a',), remove=())
    """
    add: list[str] = []
    update: list[str] = []
    unchanged: list[str] = []
    for episode_id, fingerprint in found:
        known = existing.get(episode_id)
        if known is None:
            add.append(episode_id)
        elif known[0] == fingerprint:
            unchanged.append(episode_id)
        else:
            update.append(episode_id)
    return UpdatePlan(tuple(add), tuple(update), tuple(unchanged), tuple(stale))


def stale_ids(
    existing: dict[str, tuple[str, str]],
    groups: Sequence[SourceGroup],
    paths: Sequence[str | os.PathLike[str]],
    feeds: FeedBatch,
    *,
    prefixes: Mapping[Path, str] | None = None,
    unseen: Sequence[IngestFailure] = (),
) -> list[str]:
    """Episodes whose files under the indexed folders are gone, or whose feed dropped them.

    ``prefixes`` are the folders' id prefixes (``folder_prefixes``; by default each folder's
    name). Never one under a folder or file that could not be read (``unseen``): what could
    not be seen is not known to be gone.
    """
    from searchpod.ingest.sources import file_is_gone

    live = {g.id for g in groups}
    roots = [Path(p).resolve() for p in paths]
    if prefixes is None:
        prefixes = {r: r.name for r in roots}
    under = tuple(str(r).rstrip(os.sep) + os.sep for r in roots)
    # A failure about something still there (a folder that cannot be listed, a file that
    # cannot be read) hides what is under it; one about a path that is gone does not.
    blind = [Path(f.source).resolve() for f in unseen if not file_is_gone(f.source)]
    blind_under = tuple(str(b).rstrip(os.sep) + os.sep for b in blind)
    # A folder that was moved or renamed still owns the episodes indexed from its old place
    # (their ids start with its prefix, which no other folder has).
    folders = {r for r in roots if os.path.isdir(r)}  # given as folders, not a named file's parent
    owned = tuple(f"{prefix}/" for root, prefix in prefixes.items() if root.resolve() in folders)
    stale = []
    for doc_id, (_, path) in existing.items():
        if path in feeds.live:
            if doc_id not in feeds.live[path]:
                stale.append(doc_id)
        elif doc_id in live or path in map(str, blind) or path.startswith(blind_under):
            continue
        elif (
            any(path == str(r) for r in roots)
            or path.startswith(under)
            or (owned and doc_id.startswith(owned))
        ):
            stale.append(doc_id)
    return stale


def superseded_ids(
    existing: Mapping[str, tuple[str, str]], groups: Sequence[SourceGroup]
) -> list[str]:
    """Episodes now indexed under another id of the same files: to remove, so one episode
    is never two.

    A group's id names its best file. An index made when a lesser file named it (a broken
    ``ep.json`` beside ``ep.vtt``, when JSON ranked first) holds the
    episode under that file's id: it is superseded when its file is one of the group's, or
    gone, and no other group has that id. Only groups whose id is new are looked at, so an
    unchanged run costs nothing here.
    """
    from searchpod.ingest.sources import file_is_gone

    new = [g for g in groups if g.id not in existing]
    if not new:
        return []
    live = {g.id for g in groups}
    by_stem: dict[str, list[str]] = {}
    for doc_id in existing:
        if doc_id not in live:
            by_stem.setdefault(_stem_of(doc_id), []).append(doc_id)
    out: list[str] = []
    for group in new:
        olds = by_stem.get(_stem_of(group.id), ())
        if not olds:
            continue
        mine = {os.path.realpath(p) for p in group.paths}
        out.extend(
            old for old in olds if existing[old][1] in mine or file_is_gone(existing[old][1])
        )
    return list(dict.fromkeys(out))


def _stem_of(doc_id: str) -> str:
    """``"tr/ep.vtt"`` -> ``"tr/ep"``, lower case (files pair by lower-case stem)."""
    head, slash, name = doc_id.rpartition("/")
    stem = name.rpartition(".")[0] or name
    return f"{head}{slash}{stem}".lower()
