"""``Index``: the one entry point of the library — open or create, ingest, search, read."""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchpod import analysis
from searchpod.errors import EpisodeNotFoundError, QueryError, SearchpodError
from searchpod.model import Episode, IndexReport, IngestFailure, SearchResults
from searchpod.ranking import WEIGHTING
from searchpod.schema import (
    build_schema,
    episode_document,
    episode_from_stored,
    use_precomputed,
)
from searchpod.search import SearchOptions, run_search
from searchpod.store import (
    STAT_SETTLE_S,
    IndexDir,
    StatCache,
    StemShards,
    check_meta,
    load_stat_cache,
    mark_written_by_this_version,
    save_stat_cache,
    save_stems,
    write_meta,
)

if TYPE_CHECKING:
    from searchpod.feeds import FeedBatch
    from searchpod.ingest.sources import SourceGroup

DEFAULT_LOCK_TIMEOUT = 60.0
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IndexStats:
    """What ``searchpod stats`` shows."""

    path: str
    episodes: int
    timed_episodes: int
    shows: dict[str, int]
    hosts: dict[str, int]
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "episodes": self.episodes,
            "timed_episodes": self.timed_episodes,
            "shows": self.shows,
            "hosts": self.hosts,
            "size_bytes": self.size_bytes,
        }


class Index:
    """A searchpod index on disk.

    >>> with Index.create("my-index") as ix:          # doctest: +SKIP
    ...     ix.add_paths(["episodes/"])
    ...     for hit in ix.search("north korea").hits:
    ...         print(hit.title, hit.snippets[0].start)

    Searching is safe from several threads and while another process indexes: each search
    sees the last committed state.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open an existing index. Raises IndexNotFoundError or IndexVersionError."""
        self._dir = IndexDir(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        # Every searcher any thread opened, so close() (or garbage collection) closes them.
        self._open: set[Any] = set()
        weakref.finalize(self, _close_all, self._open)
        self._gen = self._dir.current()
        check_meta(self._gen, self._dir.path)
        self._ix = self._open_whoosh(self._gen)

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> Index:
        """Create an empty index at ``path`` (a new or empty folder), or open the one there."""
        index_dir = IndexDir(path)
        if not index_dir.exists():
            with index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
                if not index_dir.exists():
                    gen = _create_generation(index_dir)
                    index_dir.publish(gen)
        return cls(path)

    @classmethod
    def build(
        cls,
        path: str | os.PathLike[str],
        sources: Iterable[str | os.PathLike[str]],
        *,
        progress: Progress | None = None,
    ) -> tuple[Index, IndexReport]:
        """Build a new index at ``path`` from ``sources``, published only once complete.

        An interrupted build leaves no index behind (rather than an empty one), so the
        next attempt simply starts again.
        """
        from searchpod.feeds import FeedBatch
        from searchpod.ingest.sources import discover

        index_dir = IndexDir(path)
        groups, failures = discover(list(sources))
        with index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
            gen = _create_generation(index_dir)
            report = _ingest(gen, groups, FeedBatch(), failures, existing={}, progress=progress)
            index_dir.publish(gen)
        return cls(path), report

    @property
    def path(self) -> Path:
        return self._dir.path

    # -- writing -------------------------------------------------------------------------

    def add_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: Progress | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        on_wait: Callable[[], None] | None = None,
    ) -> IndexReport:
        """Ingest files and folders: add new episodes, replace changed ones, skip the rest.

        ``prune`` removes episodes whose files under ``paths`` are gone; ``rebuild`` builds a
        new index beside this one and switches to it only when complete. Files that cannot
        be ingested are reported in ``IndexReport.failed``; the rest are still indexed.
        """
        # Imported here, as in build(): a search never reads source files or feeds.
        from searchpod.feeds import FeedBatch, fetch_feeds, is_feed_source
        from searchpod.ingest.sources import discover

        paths = list(paths)
        feed_sources = [str(p) for p in paths if is_feed_source(p)]
        file_paths = [p for p in paths if str(p) not in feed_sources]
        groups, failures = discover(file_paths)
        # Network work first, outside the lock: only writing needs to be exclusive.
        feeds = fetch_feeds(feed_sources, self._dir.path) if feed_sources else FeedBatch()
        failures.extend(feeds.failures)
        with self._dir.write_lock(lock_timeout, on_wait):
            if rebuild:
                gen = _create_generation(self._dir)
                report = _ingest(gen, groups, feeds, failures, existing={}, progress=progress)
                self._dir.publish(gen)
            else:
                gen = self._dir.current()
                check_meta(gen, self._dir.path)
                self._dir.remove_stale(keep=gen)
                existing = _existing(self._open_whoosh(gen))
                stale = _stale_ids(existing, groups, file_paths, feeds) if prune else []
                report = _ingest(
                    gen, groups, feeds, failures, existing, progress=progress, prune=stale
                )
        self._reopen()
        return report

    # -- reading -------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        host: str | None = None,
        show: str | None = None,
        speaker: str | None = None,
        since: str | None = None,
        until: str | None = None,
        episode: str | None = None,
        facets: bool = False,
        fuzzy: bool = False,
        all: bool = False,
        any: bool = False,
    ) -> SearchResults:
        """Rank episodes for a query in the Whoosh query language (AND by default).

        Every word is required first; when that finds fewer than 10 episodes, those holding
        most of the words follow (``SearchResults.relaxed``). ``all=True`` never relaxes,
        ``any=True`` ranks episodes holding any of the words. Raises QueryError for a
        malformed query or option.
        """
        if all and any:
            raise QueryError(query, "choose one of all= and any=")
        options = SearchOptions(
            limit=limit,
            page=page,
            sort=sort,
            host=host,
            show=show,
            speaker=speaker,
            since=since,
            until=until,
            episode=episode,
            facets=facets,
            fuzzy=fuzzy,
            mode="all" if all else "any" if any else "auto",
        )
        for attempt in range(3):
            try:
                return run_search(self._searcher(), query, options)
            except OSError:
                # Another process's commit removed segment files this searcher had yet to
                # open; a fresh searcher sees the new commit.
                if attempt == 2:
                    raise
                self._reopen()
        raise AssertionError("unreachable")

    def get(self, episode_id: str) -> Episode:
        """The episode with this id, with its cues. Raises EpisodeNotFoundError."""
        searcher = self._searcher()
        docnum = searcher.document_number(id=episode_id)
        if docnum is None:
            raise EpisodeNotFoundError(episode_id)
        body = searcher.reader().column_reader("body_text")[docnum].decode("utf-8")
        return episode_from_stored(searcher.stored_fields(docnum), body)

    def stats(self) -> IndexStats:
        searcher = self._searcher()
        shows: dict[str, int] = {}
        hosts: dict[str, int] = {}
        timed = 0
        for fields in searcher.all_stored_fields():
            if fields.get("show"):
                shows[fields["show"]] = shows.get(fields["show"], 0) + 1
            if fields.get("host"):
                hosts[fields["host"]] = hosts.get(fields["host"], 0) + 1
            timed += bool(fields.get("timing"))
        size = sum(f.stat().st_size for f in self._gen.iterdir() if f.is_file())
        return IndexStats(
            path=str(self.path),
            episodes=searcher.doc_count(),
            timed_episodes=timed,
            shows=dict(sorted(shows.items())),
            hosts=dict(sorted(hosts.items())),
            size_bytes=size,
        )

    def __len__(self) -> int:
        return int(self._searcher().doc_count())

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the files this index has open (it reopens them if used again)."""
        _close_all(self._open)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _searcher(self) -> Any:
        """This thread's searcher, refreshed when another commit (or a rebuild) happened."""
        self._maybe_switch_generation()
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and searcher.is_closed:
            searcher = None
        stale = searcher is None or getattr(self._local, "gen", None) != self._gen
        if not stale and searcher.up_to_date():
            return searcher
        # A new searcher rather than refresh(): refresh shares segment readers with the old
        # one and leaks the files of those it drops; opening is cheap with separate files.
        fresh = self._ix.searcher(weighting=WEIGHTING)
        with self._lock:
            if searcher is not None:
                self._open.discard(searcher)
                searcher.close()
            self._open.add(fresh)
        self._local.searcher = fresh
        self._local.gen = self._gen
        return fresh

    def _maybe_switch_generation(self) -> None:
        try:
            gen = self._dir.current()
        except SearchpodError:
            return  # keep serving the generation we have
        if gen != self._gen:
            with self._lock:
                if gen != self._gen:
                    check_meta(gen, self._dir.path)
                    self._ix = self._open_whoosh(gen)
                    self._gen = gen

    def _reopen(self) -> None:
        with self._lock:
            self._gen = self._dir.current()
            self._ix = self._open_whoosh(self._gen)

    @staticmethod
    def _open_whoosh(gen: Path) -> Any:
        from whoosh.index import open_dir

        analysis.add_stem_source(str(gen), StemShards(gen))
        return open_dir(str(gen))


def _close_all(searchers: set[Any]) -> None:
    for searcher in list(searchers):
        searcher.close()
    searchers.clear()


def _create_generation(index_dir: IndexDir) -> Path:
    from whoosh.index import create_in

    gen = index_dir.new_generation()
    create_in(str(gen), build_schema())
    write_meta(gen)
    return gen


def _existing(ix: Any) -> dict[str, tuple[str, str]]:
    """id -> (fingerprint, path) of every live document, read from columns, not stored bodies."""
    out: dict[str, tuple[str, str]] = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return out
        ids = reader.column_reader("id")
        fps = reader.column_reader("fingerprint")
        paths = reader.column_reader("path")
        for docnum in reader.all_doc_ids():
            out[ids[docnum]] = (fps[docnum], paths[docnum])
    return out


def _stale_ids(
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


def _counting(progress: Progress, total: int) -> Callable[[str], None]:
    done = 0

    def one_more(label: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, label)

    return one_more


def _ingest(
    gen: Path,
    groups: Sequence[SourceGroup],
    feeds: FeedBatch,
    failures: list[IngestFailure],
    existing: dict[str, tuple[str, str]],
    *,
    progress: Progress | None,
    prune: Sequence[str] = (),
) -> IndexReport:
    from whoosh.index import open_dir

    # Imported here: multiprocessing costs ~35 ms of start-up that searches never need.
    from searchpod.build import (
        Prepared,
        commit_with_segments,
        prepared_documents,
        worker_count,
        write_segments,
    )
    from searchpod.codec import PodcastCodec

    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    todo: list[tuple[SourceGroup, str]] = []
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
        if known and known[0] == fingerprint:
            unchanged.append(group.id)
        else:
            todo.append((group, fingerprint))
    from_feeds: list[Prepared] = []
    for episode, fingerprint, feed in feeds.episodes:
        known = existing.get(episode.id)
        if known and known[0] == fingerprint:
            unchanged.append(episode.id)
        else:
            doc = episode_document(episode, fingerprint=fingerprint, path=feed)
            from_feeds.append(Prepared(episode.id, doc=doc))
    total = len(todo) + len(from_feeds)
    if not total and not prune:
        if cache.items() - old_cache.items():
            save_stat_cache(gen, {**old_cache, **cache})
        return IndexReport(
            unchanged=tuple(unchanged), failed=tuple(failures), downloads=feeds.downloads
        )

    ix = open_dir(str(gen))
    # compound=False: Whoosh copies a compound segment into memory on every open, which
    # cost a cold search ~30 ms on a 180-episode index; separate files are read in place.
    writer = ix.writer(limitmb=256, compound=False, codec=PodcastCodec())
    try:
        for doc_id in prune:
            writer.delete_by_term("id", doc_id)
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
                        writer.delete_by_term("id", doc_id)
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
            use_precomputed(prepared.doc, prepared.postings)
            if prepared.group_id in existing:
                writer.update_document(**prepared.doc)
                updated.append(prepared.group_id)
            else:
                writer.add_document(**prepared.doc)
                added.append(prepared.group_id)
        # Before the commit: killed in between, the index is only marked newer than it is.
        mark_written_by_this_version(gen)
        commit_with_segments(writer, segments)
    except BaseException:
        writer.cancel()
        raise
    unsaved = analysis.take_unsaved_stems()
    # A new generation gets the whole table; an existing one only what it lacks.
    save_stems(gen, analysis.stem_table() if not existing else unsaved)
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
