"""Reindex when files change: watchdog events, debounced into one incremental run."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from searchpod.errors import SearchpodError
from searchpod.index import Index
from searchpod.ingest.sources import KNOWN_SUFFIXES
from searchpod.model import IndexReport


def watch(
    index: Index,
    paths: Sequence[str | os.PathLike[str]],
    *,
    on_report: Callable[[IndexReport], None],
    on_error: Callable[[SearchpodError], None],
    stop: threading.Event,
    debounce: float = 1.0,
    allow_private_hosts: bool = False,
    speaker_labels: bool = True,
    optimize_after: float | None = 60.0,
    on_optimize: Callable[[tuple[int, int]], None] | None = None,
) -> None:
    """Run ``index.add_paths(paths, prune=True)`` after changes settle, until ``stop`` is set.

    Editors and copy tools write a file in several steps; waiting ``debounce`` seconds of
    quiet turns a burst of events into one run. ``allow_private_hosts`` and
    ``speaker_labels`` are passed on to every run, as ``searchpod index`` takes them.

    Each addition merges only a few small segments, so that none waits for a big merge;
    once nothing has changed for ``optimize_after`` seconds after a run that changed the
    index, the small segments are merged (``Index.optimize``) while nobody is waiting, and
    ``on_optimize`` gets the segment counts before and after. ``None`` never merges.
    """
    try:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SearchpodError("watching needs watchdog: pip install 'searchpod[watch]'") from exc

    changed = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            names = [event.src_path, getattr(event, "dest_path", "")]
            if any(Path(str(n)).suffix.lower() in KNOWN_SUFFIXES for n in names if n):
                changed.set()

    observer = Observer()
    handler = Handler()
    for path in paths:
        target = Path(path)
        observer.schedule(
            handler, str(target if target.is_dir() else target.parent), recursive=target.is_dir()
        )
    observer.start()
    unmerged_since: float | None = None  # when a run last changed the index
    try:
        while not stop.is_set():
            if not changed.wait(timeout=0.2):
                if (
                    unmerged_since is not None
                    and optimize_after is not None
                    and time.monotonic() - unmerged_since >= optimize_after
                ):
                    unmerged_since = None
                    try:
                        merged = index.optimize()
                    except SearchpodError as exc:
                        on_error(exc)
                    else:
                        if on_optimize is not None:
                            on_optimize(merged)
                continue
            # Keep waiting while events keep coming.
            while True:
                changed.clear()
                if stop.wait(timeout=debounce) or not changed.is_set():
                    break
            if stop.is_set():
                break
            try:
                report = index.add_paths(
                    paths,
                    prune=True,
                    allow_private_hosts=allow_private_hosts,
                    speaker_labels=speaker_labels,
                )
            except SearchpodError as exc:
                on_error(exc)
                continue
            if report.added or report.updated or report.removed:
                unmerged_since = time.monotonic()
            on_report(report)
    finally:
        observer.stop()
        observer.join()
