"""What an indexing run tells its caller as it goes, and where it may be stopped.

``Index.add_paths``, ``Index.build`` and ``Index.sync_feeds`` take ``progress=`` (a callable
given each event below, in the calling thread) and ``cancel=`` (a ``threading.Event``; set
it from anywhere and the run stops at its next safe point, its last commit intact).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from searchpod.model import IngestFailure


@dataclass(frozen=True)
class ProgressEvent:
    """What an indexing run tells its ``progress`` callable: one of the events below.

    They come in order, in the thread that called ``add_paths``/``build``/``sync_feeds``:
    ``FilesFound``, then an ``EpisodeParsed`` or ``EpisodeFailed`` per episode, and
    ``Committed`` last (unless nothing needed writing, or the run was cancelled).

    >>> from searchpod import Index, ProgressEvent, EpisodeParsed
    >>> def show(event: ProgressEvent) -> None:
    ...     if isinstance(event, EpisodeParsed):
    ...         print(f"{event.done}/{event.total}")
    >>> report = Index.create("my-index").add_paths(["episodes/"], progress=show)
    1/3
    2/3
    3/3
    """


@dataclass(frozen=True)
class FilesFound(ProgressEvent):
    """The sources were read and compared with the index: what this run will do.

    ``to_index`` episodes are new or changed (each will be parsed or fail), ``unchanged``
    are skipped, ``failed`` files could not even be read.

    >>> from searchpod import FilesFound
    >>> FilesFound(to_index=12, unchanged=3, failed=0).to_index
    12
    """

    to_index: int
    unchanged: int
    failed: int


@dataclass(frozen=True)
class EpisodeParsed(ProgressEvent):
    """One more episode parsed and written (``done`` of ``total``), not yet committed.

    >>> from searchpod import EpisodeParsed
    >>> event = EpisodeParsed(done=3, total=12, episode_id="show/ep-3.vtt")
    >>> f"{event.done}/{event.total} {event.episode_id}"
    '3/12 show/ep-3.vtt'
    """

    done: int
    total: int
    episode_id: str


@dataclass(frozen=True)
class EpisodeFailed(ProgressEvent):
    """One more episode (``done`` of ``total``) could not be indexed; ``failure`` says why.

    >>> from searchpod import EpisodeFailed, IngestFailure
    >>> event = EpisodeFailed(1, 2, "bad.vtt", IngestFailure("bad.vtt", "no cues"))
    >>> print(event.failure.source, event.failure.reason)
    bad.vtt no cues
    """

    done: int
    total: int
    episode_id: str
    failure: IngestFailure


@dataclass(frozen=True)
class Committed(ProgressEvent):
    """The run's one commit landed: searches now see it. The last event of a run that wrote.

    >>> from searchpod import Committed
    >>> Committed(added=12, updated=0, removed=1).added
    12
    """

    added: int
    updated: int
    removed: int


ProgressCallback = Callable[[ProgressEvent], None]
# Before events: ``progress(done, total, episode_id)`` per episode (still accepted).
LegacyProgress = Callable[[int, int, str], None]
Progress = ProgressCallback | LegacyProgress


class Cancelled(Exception):
    """Raised inside a run at a safe point once its cancel token is set (never escapes)."""


def check_cancel(cancel: threading.Event | None) -> None:
    """A safe point: stop here if the run was cancelled."""
    if cancel is not None and cancel.is_set():
        raise Cancelled


def event_sink(callback: Progress | None) -> ProgressCallback | None:
    """``callback`` as a receiver of events.

    Before events, ``progress`` was called as ``progress(done, total, episode_id)`` for
    each episode; such a callable (one that cannot take a single argument) still gets that.
    """
    if callback is None:
        return None
    try:
        inspect.signature(callback).bind(None)
    except TypeError:
        legacy = cast(LegacyProgress, callback)

        def old_style(event: ProgressEvent) -> None:
            if isinstance(event, (EpisodeParsed, EpisodeFailed)):
                legacy(event.done, event.total, event.episode_id)

        return old_style
    except ValueError:  # no signature to read (some builtins): the current form, then
        pass
    return cast(ProgressCallback, callback)
