"""``Index``: the one entry point of the library — open or create, ingest, search, read."""

from __future__ import annotations

import os
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from searchpod.engine.reader import Reader
from searchpod.engine.searchers import GenerationGone, SearcherPool
from searchpod.errors import (
    EpisodeNotFoundError,
    IndexingCancelled,
    IndexVersionError,
    OptionError,
    QueryError,
    SearchpodError,
)
from searchpod.indexing.documents import Timing, episode_from_stored
from searchpod.indexing.planning import stale_ids, superseded_ids
from searchpod.indexing.progress import Progress, event_sink
from searchpod.indexing.store import IndexDir, StemShards, check_meta
from searchpod.indexing.update import (
    create_generation,
    disk_errors,
    gather,
    ingest,
    live_documents,
    optimize_generation,
    unique_ids,
    unpublished_generation,
    with_skipped,
)
from searchpod.model import (
    Episode,
    IndexReport,
    IndexStats,
    MomentResults,
    SearchResults,
)
from searchpod.options import SearchKeywords, SearchOptions
from searchpod.query.search import run_search
from searchpod.text import analysis

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from searchpod.ingest.feeds.parse import FeedStore
    from searchpod.ingest.sources import ListingCache
    from searchpod.query.catalogue import Catalogue

DEFAULT_LOCK_TIMEOUT = 60.0
# Rebuilds published one after another while a read looks for a commit to pin: each one
# read moves it to a newer generation, so this many in a row means something is wrong.
GENERATION_SWITCHES = 100
T = TypeVar("T")


class Index:
    """A searchpod index on disk.

    >>> with Index.create("my-index") as ix:          # doctest: +SKIP
    ...     ix.add_paths(["episodes/"])
    ...     for hit in ix.search("north korea").hits:
    ...         print(hit.title, hit.snippets[0].start)

    Searching is safe from several threads and while another process indexes: each search
    sees the last committed state.
    """

    def __init__(self, path: str | os.PathLike[str], *, _any_version: bool = False) -> None:
        """Open an existing index. Raises IndexNotFoundError or IndexVersionError."""
        self._dir = IndexDir(path)
        self._lock = threading.Lock()
        gen = self._dir.current()
        compatible = True
        try:
            check_meta(gen, self._dir.path)
        except IndexVersionError:
            if not _any_version:
                raise
            compatible = False  # open only to be rebuilt: reads still raise, as they check
        self._pool: SearcherPool | None = None
        self._pools: list[SearcherPool] = []
        self._analyser = analysis.Analyser(StemShards(gen))
        self._indexer: analysis.Analyser | None = None
        self._indexer_gen: Path | None = None
        self._listings: ListingCache | None = None  # folders' walks, for the next add_paths
        self._stats: tuple[tuple[str, int], IndexStats] | None = None
        self._catalogue: tuple[tuple[str, int], Catalogue] | None = None
        if compatible:
            self._pool_for(gen)
        weakref.finalize(self, _close_pool, self._pools)

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, rebuild: bool = False) -> Index:
        """Create an empty index at ``path`` (a new or empty folder), or open the one there.

        ``rebuild=True`` opens one an older searchpod built too, only to rebuild it
        (``add_paths(..., rebuild=True)``): anything else raises IndexVersionError.
        """
        index_dir = IndexDir(path)
        if not index_dir.exists():
            with disk_errors(index_dir.path), index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
                if not index_dir.exists():
                    gen = create_generation(index_dir)
                    index_dir.publish(gen)
        return cls(path, _any_version=rebuild)

    @classmethod
    def build(
        cls,
        path: str | os.PathLike[str],
        sources: Iterable[str | os.PathLike[str]],
        *,
        progress: Progress | None = None,
        speaker_labels: bool = True,
        show: str | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[Index, IndexReport]:
        """Build a new index at ``path`` from ``sources``, published only once complete.

        An interrupted build leaves no index behind (rather than an empty one), so the
        next attempt simply starts again. ``speaker_labels=False``: no speakers from
        ``Name:`` labels in transcript text. ``show``, ``progress`` and ``cancel`` as for
        ``add_paths``; a cancelled build raises IndexingCancelled (there is no index to return).
        """
        from searchpod.indexing.shows import save_shows, shows_for

        index_dir = IndexDir(path)
        sources = list(sources)
        shows, _ = shows_for(index_dir.path, sources, show)
        gathered = gather(sources, index_dir.path, labels=speaker_labels, shows=shows)
        with disk_errors(index_dir.path), index_dir.write_lock(DEFAULT_LOCK_TIMEOUT):
            with unpublished_generation(index_dir) as gen:
                groups, _ = unique_ids(gathered.groups, gathered.file_paths, existing={})
                report = ingest(
                    gen,
                    groups,
                    gathered.feeds,
                    gathered.failures,
                    existing={},
                    progress=event_sink(progress),
                    cancel=cancel,
                )
                if report.cancelled:  # never published: the generation goes with the error
                    raise IndexingCancelled(str(index_dir.path), report)
            index_dir.publish(gen)
            if show:
                save_shows(index_dir.path, shows)
        return cls(path), with_skipped(report, gathered.skipped)

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
        show: str | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        """Ingest files and folders: add new episodes, replace changed ones, skip the rest.

        ``prune`` removes episodes whose files under ``paths`` are gone; ``rebuild`` builds a
        new index beside this one and switches to it only when complete. Files that cannot
        be ingested are reported in ``IndexReport.failed``; the rest are still indexed;
        files inside folders that are not indexed are counted in ``IndexReport.skipped``.
        Feeds given as URLs may not send searchpod to loopback, private or link-local
        addresses unless ``allow_private_hosts``.
        ``speaker_labels=False``: no speakers from ``Name:`` labels in transcript text.
        ``show`` names the show of the episodes under ``paths`` that name none (no page,
        table or feed says it); it is remembered for those paths, so later runs (``watch``,
        ``sync_feeds``, ``add_paths`` without it) keep it.
        ``progress`` is called in this thread with each event (``FilesFound``, then an
        ``EpisodeParsed`` or ``EpisodeFailed`` per episode, ``Committed`` last). Once
        ``cancel`` (a ``threading.Event``) is set, from any thread, the run stops at its next
        safe point: the index keeps its last commit, none of the run's files are left, and
        the report has ``cancelled=True``. Large runs use worker processes that never run
        the calling program again: no ``if __name__ == "__main__":`` is needed.

        >>> from searchpod import Index
        >>> ix = Index.create("my-index")
        >>> report = ix.add_paths(["episodes/"], progress=print)
        FilesFound(to_index=3, unchanged=0, failed=0)
        EpisodeParsed(done=1, total=3, episode_id='episodes/eps-1.txt')
        EpisodeParsed(done=2, total=3, episode_id='episodes/eps-2.txt')
        EpisodeParsed(done=3, total=3, episode_id='episodes/eps-3.txt')
        Committed(added=3, updated=0, removed=0)
        >>> len(report.added), len(ix.add_paths(["episodes/"]).unchanged)
        (3, 3)
        """
        from searchpod.indexing.shows import save_shows, shows_for

        sink = event_sink(progress)
        self._dir.refuse_links(self._dir.current())
        paths = list(paths)
        shows, new_show = shows_for(self._dir.path, paths, show)
        if self._listings is None:
            from searchpod.ingest.sources import ListingCache

            self._listings = ListingCache()
        gathered = gather(
            paths,
            self._dir.path,
            allow_private_hosts=allow_private_hosts,
            labels=speaker_labels,
            listings=self._listings,
            shows=shows,
        )
        groups, failures, feeds = gathered.groups, gathered.failures, gathered.feeds
        file_paths = gathered.file_paths
        if cancel is not None and cancel.is_set():  # a safe point: the sources are read
            return IndexReport(failed=tuple(failures), downloads=feeds.downloads, cancelled=True)
        with disk_errors(self._dir.path), self._dir.write_lock(lock_timeout, on_wait):
            if rebuild:
                with unpublished_generation(self._dir) as gen:
                    groups, _ = unique_ids(groups, file_paths, existing={})
                    report = ingest(
                        gen, groups, feeds, failures, existing={}, progress=sink, cancel=cancel
                    )
                if report.cancelled:
                    shutil.rmtree(gen, ignore_errors=True)  # never published: nobody reads it
                else:
                    self._dir.publish(gen)
            else:
                gen = self._dir.current()
                check_meta(gen, self._dir.path)
                self._dir.remove_stale(keep=gen)
                existing = live_documents(gen)
                groups, prefixes = unique_ids(groups, file_paths, existing)
                stale = (
                    stale_ids(
                        existing, groups, file_paths, feeds, prefixes=prefixes, unseen=failures
                    )
                    if prune
                    else []
                )
                stale = list(dict.fromkeys([*stale, *superseded_ids(existing, groups)]))
                report = ingest(
                    gen,
                    groups,
                    feeds,
                    failures,
                    existing,
                    progress=sink,
                    prune=stale,
                    analyser=self._indexing_analyser(gen),
                    cancel=cancel,
                )
            if new_show:
                save_shows(self._dir.path, shows)
        return with_skipped(report, gathered.skipped)

    def remember_show(self, sources: Iterable[str | os.PathLike[str]], show: str) -> None:
        """Name the show of the episodes from ``sources`` (folders, files, feeds) that name
        none, for every later run, as ``add_paths(show=...)`` does."""
        from searchpod.indexing.shows import save_shows, shows_for

        with disk_errors(self._dir.path), self._dir.write_lock(DEFAULT_LOCK_TIMEOUT):
            shows, changed = shows_for(self._dir.path, list(sources), show)
            if changed:
                save_shows(self._dir.path, shows)

    @property
    def feeds(self) -> FeedStore:
        """The feeds this index remembers (``feeds.add(url)``, ``remove``, ``list``)."""
        from searchpod.ingest.feeds.parse import FeedStore
        from searchpod.ingest.feeds.source import FEEDS_FILE

        return FeedStore(self.path / FEEDS_FILE)

    def sync_feeds(
        self,
        *,
        progress: Progress | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        allow_private_hosts: bool = False,
        speaker_labels: bool = True,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        """Index new and changed episodes of every remembered feed; drop ones they no longer
        list. Options (``progress`` and ``cancel`` too) as for ``add_paths``. Raises SearchpodError when no feed is remembered."""
        feeds = self.feeds.list()
        if not feeds:
            raise SearchpodError("no feeds yet: add one with 'searchpod feed add URL'")
        return self.add_paths(
            feeds,
            prune=True,
            progress=progress,
            lock_timeout=lock_timeout,
            allow_private_hosts=allow_private_hosts,
            speaker_labels=speaker_labels,
            cancel=cancel,
        )

    def optimize(
        self,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        on_wait: Callable[[], None] | None = None,
    ) -> tuple[int, int]:
        """Merge the small segments that additions leave into one; returns the number of
        segments before and after.

        Additions merge only a few small segments at a time, so that none pays for a big
        merge; segments of a few episodes pile up (to a ceiling), and each one costs every
        search a little. This merges all segments holding under a tenth of the episodes (and
        drops deleted ones) at a time of your choosing: about as long as indexing those
        episodes again. Searches go on meanwhile; killed, the last commit stays.
        """
        self._dir.refuse_links(self._dir.current())
        with disk_errors(self._dir.path), self._dir.write_lock(lock_timeout, on_wait):
            gen = self._dir.current()
            check_meta(gen, self._dir.path)
            return optimize_generation(gen)

    def _indexing_analyser(self, gen: Path) -> analysis.Analyser:
        """The stem memo of this index's indexing runs (kept between runs in one process;
        separate from the searches', so query words never reach the saved table)."""
        if self._indexer is None or self._indexer_gen != gen:
            self._indexer = analysis.Analyser(StemShards(gen))
            self._indexer_gen = gen
        return self._indexer

    # -- reading -------------------------------------------------------------------------

    def search(
        self,
        query: str,
        options: SearchOptions | None = None,
        **keywords: Unpack[SearchKeywords],
    ) -> SearchResults:
        """Rank episodes for a query in the Whoosh query language (AND by default).

        Options come as a ``SearchOptions`` or as keywords (``limit``, ``page``, ``sort``,
        ``host``, ``show``, ``speaker``, ``since``, ``until``, ``episodes``, ``facets``,
        ``fuzzy``, ``all``, ``any``, ``mode``: typed values or the CLI's text forms; keywords
        given beside ``options`` replace those fields). Every word is required first; when
        that finds fewer than 10 episodes, those holding most of the words follow
        (``SearchResults.relaxed``). ``all=True`` never relaxes, ``any=True`` ranks episodes
        holding any of the words (``mode=`` says the same as ``Mode.ALL``/``Mode.ANY``).
        ``since``/``until`` take dates (or "2023", "2023-04", "2023-04-30"), ``episodes`` a
        range of episode numbers (or "10..20"; ``episode`` is its older name). Raises
        QueryError (OptionError for an option) for a malformed query or option.

        >>> ix = Index("index")                                        # doctest: +SKIP
        >>> ix.search("lighthouse keepers", limit=3, since="2023").total  # doctest: +SKIP
        2
        """
        if not isinstance(query, str):
            raise QueryError(repr(query), "a query must be text")
        checked = _options(options, keywords)
        return self._read(lambda searcher: run_search(searcher, query, checked), query)

    def moments(
        self,
        query: str,
        options: SearchOptions | None = None,
        **keywords: Unpack[SearchKeywords],
    ) -> MomentResults:
        """The best moments (timed passages) across episodes, for the same query and options
        as ``search`` (``facets`` aside). Raises QueryError (OptionError for an option) like
        ``search``.

        >>> Index("index").moments("fog horn", limit=3).moments[0].start  # doctest: +SKIP
        754.0
        """
        from searchpod.query.moments import find_moments

        if not isinstance(query, str):
            raise QueryError(repr(query), "a query must be text")
        checked = _options(options, keywords)
        return self._read(lambda searcher: find_moments(searcher, query, checked), query)

    def get(self, episode_id: str) -> Episode:
        """The episode with this id, with its cues. Raises EpisodeNotFoundError."""

        if not isinstance(episode_id, str) or not _is_text(episode_id):
            # Ids are valid Unicode text: one that is not is in no index (and the engine
            # could not even encode it to look).
            raise EpisodeNotFoundError(
                repr(episode_id) if not isinstance(episode_id, str) else episode_id
            )

        def read(searcher: Reader) -> Episode:
            docnum = searcher.docnum_of(episode_id)
            if docnum is None:
                raise EpisodeNotFoundError(episode_id)
            return episode_from_stored(searcher.stored(docnum), searcher.body_text(docnum))

        return self._read(read, f"episode {episode_id!r}")

    def stats(self) -> IndexStats:
        # Counting shows and hosts reads every stored document (~1 s at 3,000 episodes): keep
        # the answer until the next commit. It is kept under the commit read before computing
        # it, so a commit landing meanwhile costs one more computation, never a stale answer.
        commit = self.commit
        cached = self._stats
        if cached is not None and cached[0] == commit:
            return cached[1]
        stats = self._read(self._count, "stats")
        self._stats = (commit, stats)
        return stats

    def catalogue(self) -> Catalogue:
        """Every episode's title, show, number, date, length and words, newest first.

        Reads every stored transcript (~0.7 s for 180 two-hour episodes), so the answer is
        kept until the next commit, like ``stats``.
        """
        from searchpod.query.catalogue import read_catalogue

        commit = self.commit
        cached = self._catalogue
        if cached is not None and cached[0] == commit:
            return cached[1]

        def read(searcher: Reader) -> Catalogue:
            return read_catalogue(searcher.documents(), searcher.bodies())

        catalogue = self._read(read, "catalogue")
        self._catalogue = (commit, catalogue)
        return catalogue

    def _count(self, searcher: Reader) -> IndexStats:
        shows: dict[str, int] = {}
        hosts: dict[str, int] = {}
        timed = 0
        for fields in searcher.all_stored():
            if fields.get("show"):
                shows[fields["show"]] = shows.get(fields["show"], 0) + 1
            if fields.get("host"):
                hosts[fields["host"]] = hosts.get(fields["host"], 0) + 1
            # Untimed transcripts (plain text) have cues too, with no start.
            timed += bool(fields.get("timing")) and Timing(fields["timing"]).timed
        gen = self._pool_for(None).gen
        size = _folder_bytes(gen)
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
        pool = self._pool_for(None)
        return pool.gen.name, pool.latest_generation()

    def __len__(self) -> int:
        return self._read(lambda searcher: searcher.doc_count(), "count")

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the files this index has open (it reopens them if used again)."""
        with self._lock:
            self._pool = None
            _close_pool(self._pools)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, work: Callable[[Reader], T], what: str) -> T:
        """``work(searcher)`` on the last committed state, whatever other processes do.

        The searcher pins its commit (``engine.commits``): no writer deletes a file of it
        until the searcher is closed, so ``work`` sees that one commit from start to end and
        is never run twice. Only when a rebuild replaced the generation between reading
        CURRENT and pinning a commit in it (nothing read yet) is CURRENT read again. The
        engine turns its own failures into an ``EngineError`` naming ``what``.
        """
        for _ in range(GENERATION_SWITCHES):
            try:
                pool = self._pool_for(None)
                with analysis.using(self._analyser), pool.searcher(what) as searcher:
                    return work(searcher)
            except GenerationGone:
                continue
        raise SearchpodError(f"{what}: the index was rebuilt too often to read it; try again")

    def _pool_for(self, gen: Path | None) -> SearcherPool:
        """The searcher pool of the live generation (switching when CURRENT moved)."""
        pool = self._pool
        if gen is None:
            try:
                gen = self._dir.current()
            except SearchpodError:
                if pool is not None:
                    return pool  # keep serving the generation we have
                raise
        if pool is not None and pool.gen == gen:
            return pool
        with self._lock:
            if self._pool is None or self._pool.gen != gen:
                check_meta(gen, self._dir.path)
                fresh = SearcherPool(gen)
                _close_pool(self._pools)
                self._pools.append(fresh)
                self._pool = fresh
                self._analyser = analysis.Analyser(StemShards(gen))
            return self._pool


def _is_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogates, which UTF-8 cannot encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _folder_bytes(folder: Path) -> int:
    """The bytes of the files directly in ``folder``; one a writer deletes meanwhile (a
    commit that nobody pins any more) counts as gone."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except FileNotFoundError:
                continue
    return total


def _close_pool(pools: list[SearcherPool]) -> None:
    for pool in pools:
        pool.close()
    pools.clear()


def _options(options: SearchOptions | None, keywords: SearchKeywords) -> SearchOptions:
    if options is None:
        return SearchOptions.parse(**keywords)
    if not isinstance(options, SearchOptions):
        raise OptionError("options", options, "must be a SearchOptions (or pass keywords)")
    return options.with_keywords(**keywords)
