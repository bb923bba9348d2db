"""Update runs: what changed among the sources, and one commit that applies it.

``Index.build`` and ``Index.add_paths`` both come here: sources are gathered by one function
(files and folders discovered, feeds fetched), then ``ingest`` writes new and changed
episodes and removes stale ones in a single commit (or a new generation for a rebuild).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchpod import analysis
from searchpod.engine.writing import Commit, create_engine_index
from searchpod.model import IndexReport, IngestFailure
from searchpod.planning import plan_updates
from searchpod.schema import episode_document
from searchpod.store import (
    STAT_SETTLE_S,
    IndexDir,
    StatCache,
    StemShards,
    load_stat_cache,
    mark_written_by_this_version,
    save_stat_cache,
    save_stems,
    write_meta,
)

if TYPE_CHECKING:
    from searchpod.feeds import FeedBatch
    from searchpod.ingest.sources import SourceGroup

Progress = Callable[[int, int, str], None]


@dataclass
class Gathered:
    """What a set of paths and feed sources holds, ready to ingest."""

    groups: list[SourceGroup]
    failures: list[IngestFailure]
    feeds: FeedBatch
    file_paths: list[str | os.PathLike[str]]


def gather(sources: list[str | os.PathLike[str]], index_path: Path) -> Gathered:
    """Files and folders discovered, feeds fetched: the one path for build and add_paths."""
    # Imported here: a search never reads source files or feeds.
    from searchpod.feeds import FeedBatch, fetch_feeds, is_feed_source
    from searchpod.ingest.sources import discover

    feed_sources = [str(p) for p in sources if is_feed_source(p)]
    file_paths = [p for p in sources if str(p) not in feed_sources]
    groups, failures = discover(file_paths)
    # Network work first, outside the lock: only writing needs to be exclusive.
    feeds = fetch_feeds(feed_sources, index_path) if feed_sources else FeedBatch()
    failures.extend(feeds.failures)
    return Gathered(list(groups), failures, feeds, file_paths)


def create_generation(index_dir: IndexDir) -> Path:
    gen = index_dir.new_generation()
    create_engine_index(gen)
    write_meta(gen)
    return gen


def _counting(progress: Progress, total: int) -> Callable[[str], None]:
    done = 0

    def one_more(label: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, label)

    return one_more


def ingest(
    gen: Path,
    groups: Sequence[SourceGroup],
    feeds: FeedBatch,
    failures: list[IngestFailure],
    existing: dict[str, tuple[str, str]],
    *,
    progress: Progress | None,
    prune: Sequence[str] = (),
    analyser: analysis.Analyser | None = None,
) -> IndexReport:
    """Write what changed into ``gen`` in one commit, stemming with ``analyser`` (an indexing
    analyser of that generation: it only ever sees indexed text, never a query)."""
    # It learns from (and adds to) the generation's saved table.
    with analysis.using(analyser or analysis.Analyser(StemShards(gen))):
        return _ingest_in(gen, groups, feeds, failures, existing, progress=progress, prune=prune)


def _ingest_in(
    gen: Path,
    groups: Sequence[SourceGroup],
    feeds: FeedBatch,
    failures: list[IngestFailure],
    existing: dict[str, tuple[str, str]],
    *,
    progress: Progress | None,
    prune: Sequence[str] = (),
) -> IndexReport:
    # Imported here: multiprocessing costs ~35 ms of start-up that searches never need.
    from searchpod.build import (
        Prepared,
        prepared_documents,
        reclaim_scratch,
        worker_count,
        write_segments,
    )

    reclaim_scratch(gen)

    added: list[str] = []
    updated: list[str] = []
    fingerprinted: list[tuple[SourceGroup, str]] = []
    old_cache = load_stat_cache(gen)
    cache: StatCache = {}
    settled = time.time() - STAT_SETTLE_S
    for group in groups:
        known = existing.get(group.id)
        try:
            signature = group.signature()
            cached = old_cache.get(group.id)
            if known and cached == (signature, known[0]):
                fingerprint = known[0]  # same files, same stat: no need to read them
            else:
                fingerprint = group.fingerprint()
        except OSError as exc:
            failures.append(IngestFailure(str(group.main), f"cannot read: {exc.strerror or exc}"))
            continue
        if all(max(mtime, ctime) / 1e9 < settled for _, _, mtime, ctime, _ in signature):
            cache[group.id] = (signature, fingerprint)
        fingerprinted.append((group, fingerprint))
    plan = plan_updates(
        existing,
        [(g.id, fp) for g, fp in fingerprinted]
        + [(episode.id, fp) for episode, fp, _ in feeds.episodes],
        prune,
    )
    unchanged = list(plan.unchanged)
    todo = [(g, fp) for g, fp in fingerprinted if plan.writes(g.id)]
    from_feeds = [
        Prepared(episode.id, doc=episode_document(episode, fingerprint=fp, path=feed))
        for episode, fp, feed in feeds.episodes
        if plan.writes(episode.id)
    ]
    total = len(todo) + len(from_feeds)
    if not total and not prune:
        if cache.items() - old_cache.items():
            save_stat_cache(gen, {**old_cache, **cache})
        return IndexReport(
            unchanged=tuple(unchanged), failed=tuple(failures), downloads=feeds.downloads
        )

    writer = Commit(gen)
    try:
        for doc_id in prune:
            writer.delete(doc_id)
        segments: list[Any] = []
        workers = worker_count(todo)
        if workers and len(todo) > 1:
            results = write_segments(
                str(gen), todo, workers, _counting(progress, total) if progress else None
            )
            for result in results:
                if result.segment is not None:
                    segments.append(result.segment)
                failures.extend(result.failed)
                for doc_id in result.added:
                    if doc_id in existing:
                        # The new version is in a worker's segment; drop the old one here.
                        writer.delete(doc_id)
                        updated.append(doc_id)
                    else:
                        added.append(doc_id)
            everything: Iterable[Prepared] = from_feeds
            done_before = len(todo)
        else:
            everything = itertools.chain(prepared_documents(todo), from_feeds)
            done_before = 0
        for done, prepared in enumerate(everything, done_before + 1):
            if progress:
                progress(done, total, prepared.group_id)
            if prepared.failure is not None or prepared.doc is None:
                failures.append(prepared.failure or IngestFailure(prepared.group_id, "failed"))
                continue
            if prepared.group_id in existing:
                writer.replace(prepared.doc, prepared.postings)
                updated.append(prepared.group_id)
            else:
                writer.add(prepared.doc, prepared.postings)
                added.append(prepared.group_id)
        # Before the commit: killed in between, the index is only marked newer than it is.
        mark_written_by_this_version(gen)
        writer.commit(segments)
    except BaseException:
        writer.cancel()
        raise
    # What this run stemmed that the saved table lacks (a new generation's table is empty):
    # only indexing adds to it, never a search.
    save_stems(gen, analysis.current().take_unsaved_stems())
    # Only what is now in the index: a file that failed to parse is read again next time.
    failed_ids = {group.id for group, _ in todo} - set(added) - set(updated)
    removed = set(prune)
    kept = {k: v for k, v in old_cache.items() if k not in removed}
    save_stat_cache(gen, {**kept, **{k: v for k, v in cache.items() if k not in failed_ids}})
    return IndexReport(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        removed=tuple(prune),
        failed=tuple(failures),
        downloads=feeds.downloads,
    )
