"""Progress events and the cancel token, in-process and with worker processes; and the
in-process fallback when worker processes cannot start."""

from __future__ import annotations

import os
import random
import sys
import threading
from pathlib import Path

import pytest

from searchpod import (
    Committed,
    EpisodeFailed,
    EpisodeParsed,
    FilesFound,
    Index,
    IndexingCancelled,
    IndexNotFoundError,
)

MODES = pytest.mark.parametrize("workers", ["0", "2"], ids=["in-process", "worker-processes"])


def files_of(index: Path) -> set[str]:
    """Every file of the index, relative: a cancelled run must leave exactly these."""
    return {str(f.relative_to(index)) for f in index.rglob("*") if f.is_file()}


@MODES
def test_events_follow_the_run(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    ix = Index.create(tmp_path / "ix")
    events: list[object] = []
    report = ix.add_paths([corpus], progress=events.append)
    assert events[0] == FilesFound(to_index=16, unchanged=0, failed=0)
    steps = events[1:-1]
    assert all(isinstance(e, EpisodeParsed | EpisodeFailed) for e in steps)
    assert [(e.done, e.total) for e in steps] == [(n, 16) for n in range(1, 17)]  # type: ignore[attr-defined]
    assert sorted(e.episode_id for e in steps if isinstance(e, EpisodeParsed)) == sorted(
        report.added
    )
    failed = [e for e in steps if isinstance(e, EpisodeFailed)]
    assert [Path(e.failure.source).name for e in failed] == ["broken.vtt"]
    assert events[-1] == Committed(added=15, updated=0, removed=0)

    events.clear()
    ix.add_paths([corpus], progress=events.append)
    # Unchanged episodes are counted, not parsed; the broken file is tried again.
    assert events[0] == FilesFound(to_index=1, unchanged=15, failed=0)


@MODES
def test_cancel_at_random_points_keeps_the_last_commit_and_leaves_nothing(
    tmp_path: Path, corpus: Path, built_index: Index, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    ix = built_index
    before = (ix.commit, len(ix), files_of(ix.path))
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    # After the n-th event (FilesFound is the first, then one per item): any safe point.
    for at in [1, 17, *rng.sample(range(2, 17), 3)]:
        cancel = threading.Event()
        seen: list[object] = []

        def progress(
            event: object,
            at: int = at,
            seen: list[object] = seen,
            cancel: threading.Event = cancel,
        ) -> None:
            seen.append(event)
            if len(seen) == at:
                cancel.set()

        report = ix.add_paths([corpus], progress=progress, cancel=cancel)
        where = f"cancelled after event {at} (seed {seed})"
        assert report.cancelled, where
        assert not report.added and not report.updated, where
        assert not any(isinstance(e, Committed) for e in seen), where
        assert (ix.commit, len(ix), files_of(ix.path)) == before, where
        assert ix.search("xylo7phone").total == 0
    # Nothing in the way of the next run.
    assert len(ix.add_paths([corpus]).added) == 15


@MODES
def test_cancel_from_another_thread_at_a_random_moment(
    tmp_path: Path, corpus: Path, built_index: Index, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    ix = built_index
    before = (ix.commit, len(ix), files_of(ix.path))
    cancel = threading.Event()
    delay = random.uniform(0, 1.0)
    timer = threading.Timer(delay, cancel.set)
    timer.start()
    try:
        report = ix.add_paths([corpus], cancel=cancel)
    finally:
        timer.cancel()
    # Either it finished before the token was set, or it changed nothing at all.
    if report.cancelled:
        assert (ix.commit, len(ix), files_of(ix.path)) == before, f"cancelled after {delay} s"
    else:
        assert len(report.added) == 15 and len(ix) == 18
        assert not list(ix.path.glob("g*/.scratch-*"))


def test_a_token_set_before_the_run_changes_nothing(built_index: Index, corpus: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    events: list[object] = []
    before = (built_index.commit, files_of(built_index.path))
    report = built_index.add_paths([corpus], cancel=cancel, progress=events.append)
    assert report.cancelled and report.to_dict()["cancelled"] is True
    assert (built_index.commit, files_of(built_index.path)) == before
    assert events == []


@MODES
def test_a_cancelled_rebuild_keeps_the_old_index(
    built_index: Index, corpus: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    before = (built_index.commit, files_of(built_index.path))
    cancel = threading.Event()

    def progress(event: object) -> None:
        if isinstance(event, EpisodeParsed):
            cancel.set()

    report = built_index.add_paths([corpus], rebuild=True, progress=progress, cancel=cancel)
    assert report.cancelled
    assert (built_index.commit, files_of(built_index.path)) == before


def test_a_cancelled_build_publishes_no_index(tmp_path: Path, corpus: Path) -> None:
    cancel = threading.Event()

    def progress(event: object) -> None:
        if isinstance(event, EpisodeParsed) and event.done == 3:
            cancel.set()

    with pytest.raises(IndexingCancelled) as caught:
        Index.build(tmp_path / "ix", [corpus], progress=progress, cancel=cancel)
    assert caught.value.report.cancelled
    with pytest.raises(IndexNotFoundError):
        Index(tmp_path / "ix")
    assert not list((tmp_path / "ix").glob("g*"))


def test_old_style_progress_callables_still_work(tmp_path: Path, corpus: Path) -> None:
    calls: list[tuple[int, int]] = []
    Index.create(tmp_path / "ix").add_paths(
        [corpus], progress=lambda done, total, _: calls.append((done, total))
    )
    assert calls == [(n, 16) for n in range(1, 17)]


def fake_interpreter(folder: Path, exit_code: int) -> str:
    """A 'python3' that exits at once: a worker that cannot start."""
    folder.mkdir()
    path = folder / "python3"
    path.write_text(f"#!/bin/sh\nexit {exit_code}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("where", ["embedded", "frozen", "broken-python"])
def test_where_workers_cannot_start_the_run_indexes_in_process_and_says_so(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", "2")
    if where == "embedded":  # Python inside another program: sys.executable is that program
        monkeypatch.setattr(sys, "executable", "/usr/bin/env")
        reason = "'env' is not a Python interpreter"
    elif where == "frozen":  # e.g. PyInstaller: running sys.executable starts the app again
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        reason = "frozen application"
    else:
        if os.name != "posix":
            pytest.skip("a shell script as the interpreter")
        monkeypatch.setattr(sys, "executable", fake_interpreter(tmp_path / "bin", 3))
        reason = "exited on starting (exit code 3"
    events: list[object] = []
    report = Index.create(tmp_path / "ix").add_paths([corpus], progress=events.append)
    assert len(report.added) == 15
    assert len(report.notes) == 1 and report.notes[0].startswith("indexed in this process")
    assert reason in report.notes[0]
    assert report.to_dict()["notes"] == list(report.notes)
    # Each episode is reported once, though the workers were tried first.
    assert [e.done for e in events if isinstance(e, EpisodeParsed | EpisodeFailed)] == list(  # type: ignore[attr-defined]
        range(1, 17)
    )
