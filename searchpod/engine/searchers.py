"""Searchers for one index generation, shared by threads without one per thread.

A Whoosh searcher holds open files and must not be used by two threads at once (its
readers seek and read shared file objects). A thread borrows one for a single call and
gives it back; a few idle ones are kept for the next call (opening costs about as much as
a warm query), the rest are closed. So many short-lived threads (a thread-per-request
server) never pile up open files.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from searchpod.engine.reader import Reader
from searchpod.engine.scoring import WEIGHTING

# Idle searchers kept per generation; a burst of more concurrent calls opens more, closed after.
KEEP_IDLE = 4


def _tracked_index(gen: Path) -> tuple[Any, Any]:
    """The Whoosh index in ``gen`` read through a storage that knows what each thread opened.

    Whoosh opens a searcher's files one by one and, when one is missing (another process's
    commit removed it), leaves the ones already opened to the garbage collector. Knowing
    them, a failed open or search closes them at once.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import FileIndex

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

    storage = TrackedStorage(str(gen))
    return FileIndex(storage), storage


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


class SearcherPool:
    """Searchers of one generation folder, lent out one call at a time."""

    def __init__(self, gen: Path, keep_idle: int = KEEP_IDLE) -> None:
        self.gen = gen
        self._keep = keep_idle
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._closed = False
        self._ix, self._storage = _tracked_index(gen)

    @contextmanager
    def searcher(self) -> Iterator[Reader]:
        """The generation's latest commit, readable for this block only."""
        healthy = False
        searcher = None
        # Outermost: what a failed searcher's close() leaves open is closed after it.
        with _closing_on_failure(self._storage):
            try:
                searcher = self._take()
                yield Reader(searcher)
                healthy = True
            finally:
                if searcher is not None:
                    self._give_back(searcher, healthy)

    def _take(self) -> Any:
        while True:
            with self._lock:
                searcher = self._idle.pop() if self._idle else None
            if searcher is None:
                # A new searcher rather than refresh(): refresh shares segment readers with
                # the old one and leaks the files of those it drops.
                return self._ix.searcher(weighting=WEIGHTING)
            if searcher.up_to_date():
                return searcher
            searcher.close()

    def _give_back(self, searcher: Any, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed and len(self._idle) < self._keep:
                self._idle.append(searcher)
                return
        searcher.close()

    def latest_generation(self) -> int:
        """The number of the generation's last commit (read from its files, no searcher)."""
        return int(self._ix.latest_generation())

    def idle_count(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        """Close the idle searchers; ones lent out are closed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()
