"""Searchers for one index generation, shared by threads without one per thread.

A Whoosh searcher holds open files and must not be used by two threads at once (its
readers seek and read shared file objects). A thread borrows one for a single call and
gives it back; a few idle ones are kept for the next call (opening costs about as much as
a warm query), the rest are closed. So many short-lived threads (a thread-per-request
server) never pile up open files.

Each searcher pins the commit it reads (``commits.pin_latest``) until it is closed: no
writer, in this process or another, deletes a file of that commit meanwhile, so a search
sees exactly one commit's segments from start to end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from searchpod.engine.commits import GenerationGone as GenerationGone  # raised by searcher()
from searchpod.engine.commits import Pin, latest_commit, pin_latest, read_table
from searchpod.engine.reader import Reader
from searchpod.engine.scoring import WEIGHTING
from searchpod.errors import EngineError, SearchpodError

# Idle searchers kept per generation; a burst of more concurrent calls opens more, closed after.
KEEP_IDLE = 4


def _tracked_storage(gen: Path) -> Any:
    """The folder ``gen`` read through a storage that knows what each thread opened.

    Whoosh opens a searcher's files one by one and, when one fails to open, leaves the ones
    already opened to the garbage collector. Knowing them, a failed open or search closes
    them at once.
    """
    from whoosh.filedb.filestore import FileStorage

    class TrackedStorage(FileStorage):
        def __init__(self, path: str) -> None:
            super().__init__(path, readonly=True)
            self.local = threading.local()

        def open_file(self, name: str, **kwargs: Any) -> Any:
            f = super().open_file(name, **kwargs)
            opened = getattr(self.local, "opened", None)
            if opened is not None:
                opened.append(f)
            return f

    return TrackedStorage(str(gen))


@contextmanager
def _closing_on_failure(storage: Any) -> Iterator[None]:
    """Files this thread opens in the block are closed if it fails (else they're kept)."""
    outer = getattr(storage.local, "opened", None)
    opened: list[Any] = []
    storage.local.opened = opened
    try:
        yield
    except BaseException:
        for f in opened:
            if not f.is_closed:
                with suppress(Exception):  # a half-opened file: nothing more to release
                    f.close()
        raise
    finally:
        storage.local.opened = outer


class _LatestCommit:
    def __init__(self, gen: Path) -> None:
        self.gen = gen

    def latest_generation(self) -> int:
        return latest_commit(self.gen)


class _Pinned:
    """A Whoosh searcher and the pin on the commit it reads, closed together."""

    def __init__(self, searcher: Any, pin: Pin) -> None:
        self.searcher = searcher
        self.pin = pin

    def close(self) -> None:
        try:
            self.searcher.close()
        finally:
            self.pin.release()


class SearcherPool:
    """Searchers of one generation folder, lent out one call at a time.

    Raises ``commits.GenerationGone`` when asked for a searcher after the folder was
    replaced by a rebuild and removed (before anything was read from it).
    """

    def __init__(self, gen: Path, keep_idle: int = KEEP_IDLE) -> None:
        self.gen = gen
        self._keep = keep_idle
        self._lock = threading.Lock()
        self._idle: list[_Pinned] = []
        self._closed = False
        self._storage = _tracked_storage(gen)
        self._schema: Any = None  # one schema per generation: unpickled once
        # What a searcher's up_to_date() asks (the only use Whoosh makes of its index).
        self._latest = _LatestCommit(gen)

    @contextmanager
    def searcher(self, what: str = "search") -> Iterator[Reader]:
        """The generation's latest commit, readable for this block only.

        The one place where the engine's failures become searchpod's: anything but a
        SearchpodError (or ``GenerationGone``) raised in the block, by Whoosh or by code
        reading through the ``Reader``, comes out as an ``EngineError`` naming ``what``.
        """
        healthy = False
        lent = None
        # Outermost: what a failed searcher's close() leaves open is closed after it.
        with _closing_on_failure(self._storage):
            try:
                lent = self._take()
                yield Reader(lent.searcher)
                healthy = True
            except (SearchpodError, GenerationGone):
                raise
            except Exception as exc:
                raise EngineError(what, exc) from exc
            finally:
                if lent is not None:
                    self._give_back(lent, healthy)

    def _take(self) -> _Pinned:
        while True:
            with self._lock:
                lent = self._idle.pop() if self._idle else None
            if lent is None:
                return self._open()
            if lent.pin.number == latest_commit(self.gen):
                return lent
            lent.close()

    def _open(self) -> _Pinned:
        from whoosh.index import FileIndex
        from whoosh.searching import Searcher

        pin = pin_latest(self.gen)
        try:
            toc = read_table(self._storage, pin.number, self._schema)
            self._schema = toc.schema
            # Whoosh's own reader() would read whichever table is newest at that moment;
            # this opens the segments of the pinned one.
            reader = FileIndex._reader(self._storage, toc.schema, toc.segments, toc.generation)
            return _Pinned(Searcher(reader, weighting=WEIGHTING, fromindex=self._latest), pin)
        except BaseException:
            pin.release()
            raise

    def _give_back(self, lent: _Pinned, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed and len(self._idle) < self._keep:
                self._idle.append(lent)
                return
        lent.close()

    def latest_generation(self) -> int:
        """The number of the generation's last commit (read from its files, no searcher)."""
        return latest_commit(self.gen)

    def idle_count(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        """Close the idle searchers; ones lent out are closed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for lent in idle:
            lent.close()
