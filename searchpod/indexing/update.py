"""Update runs: what changed among the sources, and one commit that applies it.

``Index.build`` and ``Index.add_paths`` both come here: sources are gathered by one function
(files and folders discovered, feeds fetched), then ``ingest`` writes new and changed
episodes and removes stale ones in a single commit (or a new generation for a rebuild).
"""

from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from searchpod.engine.writing import (
    Commit,
    Segment,
    commit_stamp,
    create_engine_index,
    discard_uncommitted,
    merge_small,
    read_live,
)
from searchpod.errors import IndexWriteError, IngestError
from searchpod.indexing.planning import plan_updates
from searchpod.indexing.progress import (
    Cancelled,
    Committed,
    EpisodeFailed,
    EpisodeParsed,
    FilesFound,
    ProgressCallback,
    ProgressEvent,
    check_cancel,
)
from searchpod.indexing.store import (
    STAT_SETTLE_S,
    IndexDir,
    Live,
    StatCache,
    StemShards,
    load_live,
    load_stat_cache,
    mark_written_by_this_version,
    save_live,
    save_stat_cache,
    save_stems,
    write_meta,
)
from searchpod.model import Episode, IndexReport, IngestFailure, IngestWarning, SkippedFiles
from searchpod.text import analysis

if TYPE_CHECKING:
    from searchpod.ingest.feeds.source import FeedBatch
    from searchpod.ingest.sources import ListingCache, SourceGroup


def _ignore(event: ProgressEvent) -> None:
    """No progress wanted."""


@dataclass
class Gathered:
    """What a set of paths and feed sources holds, ready to ingest."""

    groups: list[SourceGroup]
    failures: list[IngestFailure]
    feeds: FeedBatch
    file_paths: list[str | os.PathLike[str]]
    # Files inside the folders that are not indexed: (suffix, why) -> how many.
    skipped: dict[tuple[str, str], int] = field(default_factory=dict)


def gather(
    sources: list[str | os.PathLike[str]],
    index_path: Path,
    *,
    allow_private_hosts: bool = False,
    labels: bool = True,
    listings: ListingCache | None = None,
    shows: Mapping[str, str] | None = None,
) -> Gathered:
    """Files and folders discovered, feeds fetched: the one path for build and add_paths.

    Feeds given as URLs may not send searchpod to loopback, private or link-local addresses
    unless ``allow_private_hosts``; ``labels=False``: no speakers from ``Name:`` labels;
    ``listings``: folders' walks kept from earlier runs (``discover``); ``shows``: the show
    of each source's episodes that name none (keyed as ``indexing.shows.source_key``).
    """
    # Imported here: a search never reads source files or feeds.
    from searchpod.ingest.feeds.source import FeedBatch, fetch_feeds, is_feed_source
    from searchpod.ingest.sources import discover

    feed_sources = [str(p) for p in sources if is_feed_source(p)]
    file_paths = [p for p in sources if str(p) not in feed_sources]
    # A feed file inside a folder indexed too is that folder's metadata (its items are its
    # transcripts' episodes): read as a feed as well, each would be a second episode.
    folders = tuple(os.path.abspath(p) + os.sep for p in file_paths if os.path.isdir(p))
    if folders:
        feed_sources = [
            f for f in feed_sources if f.startswith(("http://", "https://"))
            or not os.path.abspath(f).startswith(folders)
        ]  # fmt: skip
    skipped: dict[tuple[str, str], int] = {}
    groups, failures = discover(
        file_paths, labels=labels, skipped=skipped, listings=listings, shows=shows
    )
    # Network work first, outside the lock: only writing needs to be exclusive.
    feeds = (
        fetch_feeds(
            feed_sources, index_path, allow_private_hosts=allow_private_hosts, labels=labels
        )
        if feed_sources
        else FeedBatch()
    )
    failures.extend(feeds.failures)
    if shows:
        feeds.episodes = [_with_show(item, shows.get(item[2])) for item in feeds.episodes]
    return Gathered(list(groups), failures, feeds, file_paths, skipped)


def _with_show(item: tuple[Episode, str, str], show: str | None) -> tuple[Episode, str, str]:
    """A feed's episode with the show named for the feed, when it names none itself."""
    episode, fingerprint, feed = item
    if not show or episode.show:
        return item
    # In the fingerprint too: naming the show later rewrites the episodes.
    return dataclasses.replace(episode, show=show), f"{fingerprint}|show:{show}", feed


def unique_ids(
    groups: Sequence[SourceGroup],
    paths: Sequence[str | os.PathLike[str]],
    existing: dict[str, tuple[str, str]],
) -> tuple[list[SourceGroup], dict[Path, str]]:
    """``groups`` with ids prefixed by their own folder's prefix (see ``folder_prefixes``)."""
    from searchpod.ingest.sources import folder_prefixes

    # os.path.isdir: False, not PermissionError, for a path inside a folder we cannot enter.
    folders = [Path(p) for p in paths if os.path.isdir(p)]
    # The groups' roots deduplicated by identity first: comparing Paths costs more.
    group_roots = {id(g.root): g.root for g in groups}.values()
    roots = list(dict.fromkeys([*folders, *group_roots]))
    prefixes = folder_prefixes(roots, {i: path for i, (_, path) in existing.items()})
    # replace() only where the prefix differs: it costs more than the rest of a no-change run.
    # Looked up once per root object: hashing and comparing Paths per group costs more.
    by_root: dict[int, str] = {}
    for g in groups:
        if id(g.root) not in by_root:
            by_root[id(g.root)] = prefixes[g.root]
    unique = [
        g if g.folder == by_root[id(g.root)] else dataclasses.replace(g, folder=by_root[id(g.root)])
        for g in groups
    ]
    return unique, prefixes


def with_skipped(report: IndexReport, skipped: dict[tuple[str, str], int]) -> IndexReport:
    """``report`` with the files skipped inside indexed folders counted."""
    found = tuple(SkippedFiles(suffix, n, why) for (suffix, why), n in sorted(skipped.items()))
    return dataclasses.replace(report, skipped=found) if found else report


@contextmanager
def disk_errors(path: Path) -> Iterator[None]:
    """An OS error while writing the index becomes one line naming it: a full disk is the
    usual one. Whoosh cancels the uncommitted writes, so the last commit stays live."""
    try:
        yield
    except OSError as exc:
        raise IndexWriteError(str(path), _write_problem(exc)) from exc
    except MemoryError as exc:
        raise IndexWriteError(str(path), "out of memory") from exc


def _write_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno == errno.EFBIG:
        return "file size limit exceeded"
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    return " ".join(f"{reason}{where}".split()).lower()


def live_documents(gen: Path) -> Live:
    """id -> (fingerprint, path) of every live document of ``gen``.

    Saved with each commit (``save_live``), stamped with it: read from there when the
    stamp is the live commit's, else from the index (and saved for next time). Call it
    holding the write lock, so that no commit lands in between.
    """
    stamp = commit_stamp(gen)
    live = load_live(gen, stamp)
    if live is None:
        live = read_live(gen)
        save_live(gen, stamp, live)
    return live


def optimize_generation(gen: Path) -> tuple[int, int]:
    """``merge_small`` on ``gen``, keeping its saved live table: the segment counts before
    and after. Call it holding the write lock."""
    discard_uncommitted(gen)
    live = live_documents(gen)
    # Before the commit, as for any other: its segment is written by this version's codec.
    mark_written_by_this_version(gen)
    counts = merge_small(gen)
    # The same documents, under the new commit's stamp (killed in between: read again).
    save_live(gen, commit_stamp(gen), live)
    return counts


def create_generation(index_dir: IndexDir) -> Path:
    gen = index_dir.new_generation()
    create_engine_index(gen)
    write_meta(gen)
    return gen


@contextmanager
def unpublished_generation(index_dir: IndexDir) -> Iterator[Path]:
    """A new generation for a build or rebuild to fill, removed again if the block fails:
    it was never published, so no reader can be in it, and a full disk gets its space back."""
    gen = index_dir.new_generation()
    try:
        create_engine_index(gen)
        write_meta(gen)
        yield gen
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise


def ingest(
    gen: Path,
    groups: Sequence[SourceGroup],
    feeds: FeedBatch,
    failures: list[IngestFailure],
    existing: dict[str, tuple[str, str]],
    *,
    progress: ProgressCallback | None,
    prune: Sequence[str] = (),
    analyser: analysis.Analyser | None = None,
    cancel: threading.Event | None = None,
) -> IndexReport:
    """Write what changed into ``gen`` in one commit, stemming with ``analyser`` (an indexing
    analyser of that generation: it only ever sees indexed text, never a query).

    ``progress`` is given each event (``progress.ProgressEvent``) in this thread. Once
    ``cancel`` is set the run stops at its next safe point, before the commit, leaving none
    of its files behind; the report says it was cancelled.
    """
    from searchpod.cycles import fewer_collections

    notes: list[str] = []
    # It learns from (and adds to) the generation's saved table.
    with fewer_collections(), analysis.using(analyser or analysis.Analyser(StemShards(gen))):
        try:
            report = _ingest_in(
                gen, groups, feeds, failures, existing,
                progress=progress, prune=prune, cancel=cancel, notes=notes,
            )  # fmt: skip
        except Cancelled:
            report = IndexReport(failed=tuple(failures), downloads=feeds.downloads, cancelled=True)
    return dataclasses.replace(report, notes=tuple(notes)) if notes else report


def _ingest_in(
    gen: Path,
    groups: Sequence[SourceGroup],
    feeds: FeedBatch,
    failures: list[IngestFailure],
    existing: dict[str, tuple[str, str]],
    *,
    progress: ProgressCallback | None,
    prune: Sequence[str],
    cancel: threading.Event | None,
    notes: list[str],
) -> IndexReport:
    # Imported here: worker start-up (subprocess, threads) is nothing a search needs.
    from searchpod.indexing.build import (
        Prepared,
        WorkersUnavailable,
        prepare_episode,
        prepared_documents,
        reclaim_scratch,
        worker_count,
        write_segments,
    )
    from searchpod.ingest.sources import split_failures

    reclaim_scratch(gen)
    # What a run that failed (a full disk) or was killed wrote and never committed.
    discard_uncommitted(gen)

    added: list[str] = []
    updated: list[str] = []
    fingerprinted: list[tuple[SourceGroup, str]] = []
    old_cache = load_stat_cache(gen)
    cache: StatCache = {}
    settled = time.time() - STAT_SETTLE_S
    cache_changed = False  # whether ``cache`` holds an entry ``old_cache`` lacks
    for group in groups:
        group_id = group.id
        known = existing.get(group_id)
        try:
            signature = group.signature()
            cached = old_cache.get(group_id)
            trusted = known is not None and cached == (signature, known[0])
            # Same files, same stat: no need to read them.
            fingerprint = known[0] if known is not None and trusted else group.fingerprint()
        except OSError as exc:
            failures.append(IngestFailure(str(group.main), f"cannot read: {exc.strerror or exc}"))
            continue
        except IngestError as exc:
            failures.append(IngestFailure(exc.source, exc.reason))
            continue
        if trusted and cached is not None:
            cache[group_id] = cached  # settled when it was saved
        elif all(max(mtime, ctime) / 1e9 < settled for _, _, mtime, ctime, _ in signature):
            cache[group_id] = (signature, fingerprint)
            cache_changed = cache_changed or cached != cache[group_id]
        # An episode built despite a broken file beside good ones stores its fingerprint
        # with that file's failure (``with_failures``): unchanged, it is named on every run.
        # (A trusted one has no failures: its cached fingerprint never carries them.)
        if known is not None and known[0] != fingerprint:
            stored, broken = split_failures(known[0])
            if stored == fingerprint:
                fingerprint = known[0]  # so the plan sees it unchanged
                failures.extend(broken)
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
        prepare_episode(episode, fp, path=feed, label=episode.id)
        for episode, fp, feed in feeds.episodes
        if plan.writes(episode.id)
    ]
    total = len(todo) + len(from_feeds)
    emit = progress or _ignore
    emit(FilesFound(to_index=total, unchanged=len(unchanged), failed=len(failures)))
    if not total and not prune:
        if cache_changed:
            save_stat_cache(gen, {**old_cache, **cache})
        return IndexReport(
            unchanged=tuple(unchanged), failed=tuple(failures), downloads=feeds.downloads
        )
    check_cancel(cancel)

    done = 0

    def one_more(episode_id: str, failure: IngestFailure | None) -> None:
        nonlocal done
        done += 1
        if failure is None:
            emit(EpisodeParsed(done, total, episode_id))
        else:
            emit(EpisodeFailed(done, total, episode_id, failure))

    warnings: list[IngestWarning] = []
    writer = Commit(gen, existing)
    try:
        for doc_id in prune:
            writer.delete(doc_id)
        segments: list[Segment] = []
        workers = worker_count(todo)
        everything: Iterable[Prepared] = itertools.chain(prepared_documents(todo), from_feeds)
        if workers and len(todo) > 1:
            try:
                results = write_segments(str(gen), todo, workers, one_more, cancel)
            except WorkersUnavailable as exc:
                # Nothing was written yet: the same work, in this process.
                notes.append(f"indexed in this process: no worker processes ({exc})")
                results = []
            else:
                everything = iter(from_feeds)
            for result in results:
                if result.segment is not None:
                    segments.append(result.segment)
                failures.extend(result.failed)
                warnings.extend(result.warnings)
                for doc_id in result.added:
                    if doc_id in existing:
                        # The new version is in a worker's segment; drop the old one here.
                        writer.delete(doc_id)
                        updated.append(doc_id)
                    else:
                        added.append(doc_id)
        for prepared in everything:
            failures.extend(prepared.partial)
            warnings.extend(prepared.warnings)
            failure = None
            if prepared.failure is not None or prepared.doc is None:
                failure = prepared.failure or IngestFailure(prepared.group_id, "failed")
                failures.append(failure)
            elif prepared.group_id in existing:
                writer.replace(prepared.doc, prepared.postings)
                updated.append(prepared.group_id)
            else:
                writer.add(prepared.doc, prepared.postings)
                added.append(prepared.group_id)
            one_more(prepared.group_id, failure)
            # A safe point: before the next episode is even parsed.
            check_cancel(cancel)
        # The last one: past it, the run's commit lands whatever happens.
        check_cancel(cancel)
        # Before the commit: killed in between, the index is only marked newer than it is.
        mark_written_by_this_version(gen)
        writer.commit(segments)
    except BaseException:
        writer.cancel()
        raise
    # After the commit, stamped with it: killed in between, the saved table names the
    # commit before, so the next run reads the index instead.
    save_live(gen, commit_stamp(gen), read_live(gen) if writer.live is None else writer.live)
    # What this run stemmed that the saved table lacks (a new generation's table is empty):
    # only indexing adds to it, never a search.
    save_stems(gen, analysis.current().take_unsaved_stems())
    # Only what is now in the index: a file that failed to parse is read again next time.
    failed_ids = {group.id for group, _ in todo} - set(added) - set(updated)
    removed = set(prune)
    kept = {k: v for k, v in old_cache.items() if k not in removed}
    save_stat_cache(gen, {**kept, **{k: v for k, v in cache.items() if k not in failed_ids}})
    emit(Committed(added=len(added), updated=len(updated), removed=len(prune)))
    return IndexReport(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        removed=tuple(prune),
        failed=tuple(failures),
        downloads=feeds.downloads,
        warnings=tuple(warnings),
    )
