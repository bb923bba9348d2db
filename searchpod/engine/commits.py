"""Commit points that readers pin, and the deletions writers make only when nobody pins them.

Whoosh records each commit in a table of contents, ``_MAIN_<n>.toc``, naming the segments
it is made of; a segment's files (``MAIN_<id>.*``) are written once under a fresh name and
never changed. What moved under readers was deletion: after each commit Whoosh deleted every
older table and every segment file the new table no longer names (merged away, or emptied by
deletions), and publishing a rebuild deleted the old generation folder whole. A searcher
opens some of its files only when it first needs them (a column, at the first snippet), so a
search that overlapped a commit in another process found files gone (FileNotFoundError), or
a generation with no table left (EmptyIndexError), or a segment half opened (IndexError).
Retrying the search hid most of it and let the rest through.

Now a reader pins the one commit it reads, for as long as its searcher is open: a shared
``flock`` on that commit's table. A writer deletes an older table only under an exclusive
lock it takes without waiting, which it gets only when no searcher in any process pins that
commit; it keeps the table and every segment file it names otherwise, and a later commit or
run (``sweep``) deletes them once they are free. A generation folder is removed the same
way, only when none of its commits is pinned. So a searcher sees exactly the segments of the
commit it pinned, whatever writers do beside it, and files are never deleted under it.

``flock`` rather than ``fcntl``'s record locks: a flock belongs to one open file, so two
searchers, or a searcher and a writer, in one process exclude each other as they would in
two, and closing one file never drops a lock held through another. The kernel drops the
locks of a process that dies, even by SIGKILL. (On a system without ``flock``, pins are not
taken and deletions happen as Whoosh made them.)
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

INDEX_NAME = "MAIN"
# Whoosh's writer's temporary folder inside the index (spill runs, column scratch).
WRITER_SCRATCH = f"{INDEX_NAME}.tmp"
_TABLE = re.compile(rf"_{INDEX_NAME}_([0-9]+)\.toc")
# A table being written: Whoosh writes it under a temporary name, then renames it.
_TABLE_BEING_WRITTEN = re.compile(rf"_{INDEX_NAME}_[0-9]+\.toc\..+")
_SEGMENT_FILE = re.compile(rf"({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+")
# A reader that finds the commit it chose already deleted chooses the newer one; each miss
# means another commit landed meanwhile, so this many in a row means something is wrong.
PIN_ATTEMPTS = 1000


class GenerationGone(Exception):
    """The generation folder has no commit left: it was replaced (read CURRENT again)."""


def table_name(number: int) -> str:
    return f"_{INDEX_NAME}_{number}.toc"


def commit_numbers(gen: Path) -> list[int]:
    """The numbers of the commits whose tables are in ``gen``, oldest first ([] if none)."""
    try:
        names = os.listdir(gen)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(int(m[1]) for name in names if (m := _TABLE.fullmatch(name)))


def latest_commit(gen: Path) -> int:
    """The number of ``gen``'s last commit, or -1 when it has none (or is gone)."""
    numbers = commit_numbers(gen)
    return numbers[-1] if numbers else -1


class Pin:
    """A shared lock on one commit's table: while held, no file of that commit is deleted."""

    def __init__(self, fd: int | None, number: int) -> None:
        self._fd = fd
        self.number = number

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the file drops its lock


def pin_latest(gen: Path) -> Pin:
    """Pin the last commit of ``gen``. Raises GenerationGone when ``gen`` has no commit left."""
    for _ in range(PIN_ATTEMPTS):
        number = latest_commit(gen)
        if number < 0:
            raise GenerationGone(str(gen))
        if fcntl is None:
            return Pin(None, number)
        path = gen / table_name(number)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            continue  # deleted since listed: a newer commit exists (or the folder went)
        try:
            # Blocks only while a writer deletes this very table (a few system calls).
            fcntl.flock(fd, fcntl.LOCK_SH)
            if _still_named(fd, path):
                return Pin(fd, number)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # a writer deleted it between our open and our lock
    raise GenerationGone(f"{gen}: commits kept disappearing before one could be pinned")


def _still_named(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not deleted or replaced)."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _lock_unpinned(path: Path) -> int | None:
    """An open file of ``path`` locked exclusively, or None when a reader pins it (or it is
    gone). The caller deletes it before closing the file."""
    if fcntl is None:
        return -1
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)  # EWOULDBLOCK: pinned
        return None
    return fd


def _unlock(fd: int) -> None:
    if fd >= 0:
        os.close(fd)


def segments_named(gen: Path, number: int) -> set[str]:
    """The segment names (``MAIN_<id>``) commit ``number`` of ``gen`` is made of."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    toc = TOC.read(FileStorage(str(gen), readonly=True), INDEX_NAME, gen=number)
    return {segment.segment_id() for segment in toc.segments}


def sweep(gen: Path) -> None:
    """Delete what no commit a reader may open needs: older tables nobody pins, segment
    files no kept table names (merged away, or written by a run that failed or was killed),
    tables and scratch left half written. Only under the index's write lock, and never while
    a run of this process writes segments (they are not in any table yet)."""
    numbers = commit_numbers(gen)
    if not numbers:
        return
    keep = segments_named(gen, numbers[-1])
    for number in numbers[:-1]:
        path = gen / table_name(number)
        fd = _lock_unpinned(path)
        if fd is None:
            keep |= segments_named(gen, number)  # pinned: all of it stays
            continue
        try:
            path.unlink(missing_ok=True)
        finally:
            _unlock(fd)
    for name in _names(gen):
        segment = _SEGMENT_FILE.fullmatch(name)
        if (segment and segment[1] not in keep) or _TABLE_BEING_WRITTEN.fullmatch(name):
            with suppress(FileNotFoundError):
                (gen / name).unlink()
    shutil.rmtree(gen / WRITER_SCRATCH, ignore_errors=True)


def remove_generation(gen: Path) -> bool:
    """Remove the generation folder ``gen`` unless a reader pins one of its commits (then it
    stays, for a later run to remove). Only under the write lock, for a folder that is not
    the live one: no new commit can appear in it."""
    locked: list[tuple[int, Path]] = []
    try:
        for number in commit_numbers(gen):
            path = gen / table_name(number)
            fd = _lock_unpinned(path)
            if fd is None:
                if path.exists():
                    return False  # pinned
                continue
            locked.append((fd, path))
        # Tables first, under their locks: from then on no reader can pin anything here.
        for _, path in locked:
            path.unlink(missing_ok=True)
    finally:
        for fd, _ in locked:
            _unlock(fd)
    shutil.rmtree(gen, ignore_errors=True)
    return True


def _names(gen: Path) -> Iterator[str]:
    try:
        yield from os.listdir(gen)
    except FileNotFoundError:
        return


def read_table(storage: Any, number: int, schema: Any = None) -> Any:
    """Whoosh's table of contents of commit ``number`` (pinned by the caller)."""
    from whoosh.index import TOC

    return TOC.read(storage, INDEX_NAME, gen=number, schema=schema)
