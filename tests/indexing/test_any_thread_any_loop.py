"""Indexing from a worker thread while other threads search, and from an asyncio program
through ``asyncio.to_thread`` (the README's way), cancellation included."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from searchpod import EpisodeFailed, EpisodeParsed, Index, IndexReport, ProgressEvent
from tests.indexing.test_progress_and_cancel import MODES, files_of


@MODES
def test_a_thread_indexes_while_others_search(
    built_index: Index, corpus: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    ix = built_index
    query = "episode OR lighthouse"
    old = ix.search(query).total
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def search() -> None:
        try:
            while not done.is_set():
                # Each search sees the last commit: the old three episodes, or all of them.
                seen.append(ix.search(query, limit=1).total)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for reader in readers:
        reader.start()
    reports: list[IndexReport] = []
    writer = threading.Thread(target=lambda: reports.append(ix.add_paths([corpus])))
    writer.start()
    writer.join()
    done.set()
    for reader in readers:
        reader.join()
    assert errors == []
    assert len(reports[0].added) == 15
    new = ix.search(query).total
    assert new > old
    assert set(seen) <= {old, new} and seen


def test_asyncio_indexes_in_a_thread_while_the_loop_runs(built_index: Index, corpus: Path) -> None:
    async def main() -> IndexReport:
        loop = asyncio.get_running_loop()
        ticked = asyncio.Event()
        loop_ran = threading.Event()

        def progress(event: ProgressEvent) -> None:
            # In the indexing thread: hold the run until the loop has done other work.
            if isinstance(event, EpisodeParsed | EpisodeFailed) and event.done == 1:
                loop.call_soon_threadsafe(ticked.set)
                assert loop_ran.wait(30), "the event loop was blocked while indexing"

        async def other_work() -> None:
            await ticked.wait()
            loop_ran.set()

        report, _ = await asyncio.gather(
            asyncio.to_thread(built_index.add_paths, [corpus], progress=progress), other_work()
        )
        return report

    report = asyncio.run(main())
    assert len(report.added) == 15


def test_cancelling_the_awaiting_task_stops_the_run(built_index: Index, corpus: Path) -> None:
    before = (built_index.commit, files_of(built_index.path))

    async def index_in_background(paths: list[Path], started: asyncio.Event) -> IndexReport:
        # As in the README: a task cancelled while the thread indexes sets the token.
        cancel = threading.Event()
        loop = asyncio.get_running_loop()

        def progress(event: ProgressEvent) -> None:
            if isinstance(event, EpisodeParsed):
                loop.call_soon_threadsafe(started.set)
                cancel.wait(30)  # hold here until the task is cancelled

        try:
            return await asyncio.to_thread(
                built_index.add_paths, paths, progress=progress, cancel=cancel
            )
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def main() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(index_in_background([corpus], started))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())  # asyncio.run waits for the indexing thread to end
    assert (built_index.commit, files_of(built_index.path)) == before
