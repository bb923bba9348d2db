"""``Index``: the one entry point of the library — open or create, ingest, search, read."""

from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchpod import analysis
from searchpod.errors import EpisodeNotFoundError, IndexWriteError, IngestError, SearchpodError
from searchpod.model import Episode, IndexReport, IngestFailure, SearchResults, SkippedFiles
from searchpod.schema import (
    Timing,
    build_schema,
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
    from searchpod.moments import MomentResults

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
            with _disk_errors(index_dir.path), index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
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
        speaker_labels: bool = True,
    ) -> tuple[Index, IndexReport]:
        """Build a new index at ``path`` from ``sources``, published only once complete.

        An interrupted build leaves no index behind (rather than an empty one), so the
        next attempt simply starts again. ``speaker_labels=False``: no speakers from
        ``Name:`` labels in transcript text.
        """
        from searchpod.feeds import FeedBatch
        from searchpod.ingest.sources import discover

        index_dir = IndexDir(path)
        sources = list(sources)
        skipped: dict[tuple[str, str], int] = {}
        groups, failures = discover(sources, labels=speaker_labels, skipped=skipped)
        with _disk_errors(index_dir.path), index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
            gen = _create_generation(index_dir)
            groups, _ = _unique_ids(groups, list(sources), existing={})
            report = _ingest(gen, groups, FeedBatch(), failures, existing={}, progress=progress)
            index_dir.publish(gen)
        return cls(path), _with_skipped(report, skipped)

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
        allow_private_hosts: bool = False,
        speaker_labels: bool = True,
    ) -> IndexReport:
        """Ingest files and folders: add new episodes, replace changed ones, skip the rest.

        ``prune`` removes episodes whose files under ``paths`` are gone; ``rebuild`` builds a
        new index beside this one and switches to it only when complete. Files that cannot
        be ingested are reported in ``IndexReport.failed``; the rest are still indexed;
        files inside folders that are not indexed are counted in ``IndexReport.skipped``.
        Feeds given as URLs may not send searchpod to loopback, private or link-local
        addresses unless ``allow_private_hosts``.
        ``speaker_labels=False``: no speakers from ``Name:`` labels in transcript text.
        """
        # Imported here, as in build(): a search never reads source files or feeds.
        from searchpod.feeds import FeedBatch, fetch_feeds, is_feed_source
        from searchpod.ingest.sources import discover

        self._dir.refuse_links(self._gen)
        paths = list(paths)
        feed_sources = [str(p) for p in paths if is_feed_source(p)]
        file_paths = [p for p in paths if str(p) not in feed_sources]
        skipped: dict[tuple[str, str], int] = {}
        groups, failures = discover(file_paths, labels=speaker_labels, skipped=skipped)
        # Network work first, outside the lock: only writing needs to be exclusive.
        feeds = (
            fetch_feeds(
                feed_sources,
                self._dir.path,
                allow_private_hosts=allow_private_hosts,
                labels=speaker_labels,
            )
            if feed_sources
            else FeedBatch()
        )
        failures.extend(feeds.failures)
        with _disk_errors(self._dir.path), self._dir.write_lock(lock_timeout, on_wait):
            if rebuild:
                gen = _create_generation(self._dir)
                groups, _ = _unique_ids(groups, file_paths, existing={})
                report = _ingest(gen, groups, feeds, failures, existing={}, progress=progress)
                self._dir.publish(gen)
            else:
                gen = self._dir.current()
                check_meta(gen, self._dir.path)
                self._dir.remove_stale(keep=gen)
                existing = _existing(self._open_whoosh(gen))
                groups, prefixes = _unique_ids(groups, file_paths, existing)
                stale = (
                    _stale_ids(existing, groups, file_paths, prefixes, feeds, unseen=failures)
                    if prune
                    else []
                )
                report = _ingest(
                    gen, groups, feeds, failures, existing, progress=progress, prune=stale
                )
        self._reopen()
        return _with_skipped(report, skipped)

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
    ) -> SearchResults:
        """Rank episodes for a query in the Whoosh query language (AND by default).

        Raises QueryError for a malformed query or option.
        """
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

    def moments(
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
        fuzzy: bool = False,
    ) -> MomentResults:
        """The best moments (timed passages) across episodes, for the same query and options
        as ``search``. Raises QueryError like ``search``.
        """
        from searchpod.moments import find_moments

        return find_moments(
            self, query, limit=limit, page=page, sort=sort, host=host, show=show,
            speaker=speaker, since=since, until=until, episode=episode, fuzzy=fuzzy,
        )  # fmt: skip

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
            # Untimed transcripts (plain text) have cues too, with no start.
            timed += bool(fields.get("timing")) and Timing(fields["timing"]).timed
        size = sum(f.stat().st_size for f in self._gen.iterdir() if f.is_file())
        return IndexStats(
            path=str(self.path),
            episodes=searcher.doc_count(),
            timed_episodes=timed,
            shows=dict(sorted(shows.items())),
            hosts=dict(sorted(hosts.items())),
            size_bytes=size,
        )

    @property
    def commit(self) -> tuple[str, int]:
        """Names the last published commit: it changes with every commit or rebuild.

        Cheap (no searcher is opened), so a server can cache what it computed per commit.
        """
        self._maybe_switch_generation()
        return self._gen.name, int(self._ix.latest_generation())

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
        fresh = self._ix.searcher()
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


@contextmanager
def _disk_errors(path: Path) -> Iterator[None]:
    """An OS error while writing the index becomes one line naming it: a full disk is the
    usual one. Whoosh cancels the uncommitted writes, so the last commit stays live."""
    try:
        yield
    except OSError as exc:
        raise IndexWriteError(str(path), _write_problem(exc)) from exc


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


def _unique_ids(
    groups: Sequence[SourceGroup],
    paths: Sequence[str | os.PathLike[str]],
    existing: dict[str, tuple[str, str]],
) -> tuple[list[SourceGroup], dict[Path, str]]:
    """``groups`` with ids prefixed by their own folder's prefix (see ``folder_prefixes``)."""
    from searchpod.ingest.sources import folder_prefixes

    # os.path.isdir: False, not PermissionError, for a path inside a folder we cannot enter.
    folders = [Path(p) for p in paths if os.path.isdir(p)]
    roots = list(dict.fromkeys([*folders, *(g.root for g in groups)]))
    prefixes = folder_prefixes(roots, {i: path for i, (_, path) in existing.items()})
    # replace() only where the prefix differs: it costs more than the rest of a no-change run.
    unique = [
        g if g.folder == prefixes[g.root] else dataclasses.replace(g, folder=prefixes[g.root])
        for g in groups
    ]
    return unique, prefixes


def _stale_ids(
    existing: dict[str, tuple[str, str]],
    groups: Sequence[SourceGroup],
    paths: Sequence[str | os.PathLike[str]],
    prefixes: dict[Path, str],
    feeds: FeedBatch,
    *,
    unseen: Sequence[IngestFailure] = (),
) -> list[str]:
    """Episodes whose files under the indexed folders are gone, or whose feed dropped them.

    Never one under a folder or file that could not be read (``unseen``): what could not
    be seen is not known to be gone.
    """
    from searchpod.ingest.sources import file_is_gone

    live = {g.id for g in groups}
    roots = [Path(p).resolve() for p in paths]
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


def _counting(progress: Progress, total: int) -> Callable[[str], None]:
    done = 0

    def one_more(label: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, label)

    return one_more


def _with_skipped(report: IndexReport, skipped: dict[tuple[str, str], int]) -> IndexReport:
    found = tuple(SkippedFiles(suffix, n, why) for (suffix, why), n in sorted(skipped.items()))
    return dataclasses.replace(report, skipped=found) if found else report


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
        prepare_episode,
        prepared_documents,
        worker_count,
        write_segments,
    )
    from searchpod.codec import PodcastCodec
    from searchpod.ingest.sources import split_failures

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
        except IngestError as exc:
            failures.append(IngestFailure(exc.source, exc.reason))
            continue
        if all(max(mtime, ctime) / 1e9 < settled for _, _, mtime, ctime, _ in signature):
            cache[group.id] = (signature, fingerprint)
        stored, broken = split_failures(known[0]) if known else ("", [])
        if known and stored == fingerprint:
            unchanged.append(group.id)
            failures.extend(broken)  # a broken file beside good ones is named on every run
        else:
            todo.append((group, fingerprint))
    from_feeds: list[Prepared] = []
    for episode, fingerprint, feed in feeds.episodes:
        known = existing.get(episode.id)
        if known and known[0] == fingerprint:
            unchanged.append(episode.id)
        else:
            from_feeds.append(prepare_episode(episode, fingerprint, path=feed, label=episode.id))
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
    # _lk=False: our write lock is held for the whole run. Whoosh's own lock would also
    # stay held for good if creating the writer failed (a full disk), as nothing could
    # release it, and every later run in this process would fail with LockError.
    writer = ix.writer(_lk=False, limitmb=256, compound=False, codec=PodcastCodec())
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
            failures.extend(prepared.partial)
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
