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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Idle searchers kept per generation; a burst of more concurrent calls opens more, closed after.
KEEP_IDLE = 4


def open_engine_index(gen: Path) -> Any:
    """The Whoosh index in a generation folder."""
    from whoosh.index import open_dir

    return open_dir(str(gen))


class SearcherPool:
    """Searchers of one generation folder, lent out one call at a time."""

    def __init__(self, gen: Path, keep_idle: int = KEEP_IDLE) -> None:
        self.gen = gen
        self._keep = keep_idle
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._closed = False
        self._ix = open_engine_index(gen)

    @contextmanager
    def searcher(self) -> Iterator[Any]:
        """A searcher showing the generation's latest commit, for this block only."""
        searcher = self._take()
        healthy = False
        try:
            yield searcher
            healthy = True
        finally:
            self._give_back(searcher, healthy)

    def _take(self) -> Any:
        while True:
            with self._lock:
                searcher = self._idle.pop() if self._idle else None
            if searcher is None:
                # A new searcher rather than refresh(): refresh shares segment readers with
                # the old one and leaks the files of those it drops.
                return self._ix.searcher()
            if searcher.up_to_date():
                return searcher
            searcher.close()

    def _give_back(self, searcher: Any, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed and len(self._idle) < self._keep:
                self._idle.append(searcher)
                return
        searcher.close()

    def idle_count(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        """Close the idle searchers; ones lent out are closed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()
