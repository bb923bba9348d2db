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
    from searchpod.feeds import FeedBatch
    from searchpod.ingest.sources import SourceGroup


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
) -> list[str]:
    """Episodes whose files under ``paths`` are gone, or whose feed no longer lists them."""
    live = {g.id for g in groups}
    roots = [Path(p).resolve() for p in paths]
    under = [str(r).rstrip(os.sep) + os.sep for r in roots]
    # Ids start with the indexed folder's name, so a folder that was moved or renamed
    # still owns the episodes indexed from its old place.
    prefixes = tuple(f"{r.name}/" for r in roots if r.is_dir())
    stale = []
    for doc_id, (_, path) in existing.items():
        if path in feeds.live:
            if doc_id not in feeds.live[path]:
                stale.append(doc_id)
        elif doc_id not in live and (
            any(path == str(r) for r in roots)
            or path.startswith(tuple(under))
            or (prefixes and doc_id.startswith(prefixes))
        ):
            stale.append(doc_id)
    return stale
