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
