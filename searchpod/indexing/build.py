"""Turning source groups into index documents and segments, on every core when it pays.

Parsing, analysing and writing postings for a transcript is pure CPU and independent per
episode. Small runs stay in-process (``prepared_documents``): starting workers costs more
than it saves. Large runs (``write_segments``) split the episodes between worker processes,
each writing a complete Whoosh segment of its own; the parent adds those segments to the
index in its one commit, so the index still changes all at once or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Loaded with the module, before any file is read: bodies' postings are encoded with it
# (engine.fields), and numpy's start reserves ~100 MB of address space for its BLAS
# threads; under a memory limit that must fail at start-up, never inside one file's
# indexing (OpenBLAS ends the process rather than raising).
import numpy  # noqa: F401

from searchpod.arrays import one_blas_thread
from searchpod.cycles import fewer_collections
from searchpod.engine.writing import (
    MERGE_FACTOR,
    EncodedPostings,
    Segment,
    SegmentBuilder,
    discard_uncommitted,
    encode_postings,
    tiered_merge,
)
from searchpod.errors import IngestError, SearchpodError
from searchpod.indexing.documents import episode_document
from searchpod.indexing.progress import check_cancel
from searchpod.indexing.store import INDEXING_WORKER, StemShards
from searchpod.indexing.worker import boot_code, interrupts_held, receive, send, serve
from searchpod.ingest.sources import SourceGroup, load_group, with_failures
from searchpod.model import Episode, IngestFailure, IngestWarning
from searchpod.text import analysis

# Below this much source text starting workers (~0.5 s) outweighs the parallel gain.
PARALLEL_MIN_BYTES = 4 * 2**20


@dataclass
class Prepared:
    """One group's document, or why it failed, plus what the worker learnt about stems."""

    group_id: str
    doc: dict[str, Any] | None = None
    postings: dict[str, EncodedPostings] = field(default_factory=dict)
    failure: IngestFailure | None = None
    stems: list[tuple[str, str]] = field(default_factory=list)
    # Files of the group that failed while the episode was built from the others.
    partial: list[IngestFailure] = field(default_factory=list)
    # Files indexed despite a problem (cues at impossible times).
    warnings: list[IngestWarning] = field(default_factory=list)


def prepare(group: SourceGroup, fingerprint: str) -> Prepared:
    """Parse one group and pre-encode the postings of its long text fields."""
    warnings: list[IngestWarning] = []
    try:
        episode, partial = load_group(group, warnings=warnings)
    except IngestError as exc:
        return Prepared(group.id, failure=IngestFailure(exc.source, exc.reason))
    except MemoryError:
        # Refused up front when the size says so (ingest.files.check_memory); this is a
        # machine with less memory than that: one line, and the run goes on.
        reason = "not enough memory to index it: split it, or free memory"
        return Prepared(group.id, failure=IngestFailure(str(group.main), reason))
    except Exception as exc:  # one file must never abort a whole run
        reason = f"could not be parsed ({type(exc).__name__}: {exc}); please report this"
        return Prepared(group.id, failure=IngestFailure(str(group.main), reason))
    try:
        prepared = prepare_episode(
            episode,
            with_failures(fingerprint, partial),
            path=str(group.main.resolve()),
            label=str(group.main),
        )
    except MemoryError:
        reason = "not enough memory to index it: split it, or free memory"
        return Prepared(group.id, failure=IngestFailure(str(group.main), reason))
    prepared.group_id = group.id
    prepared.partial = partial
    prepared.warnings = warnings
    return prepared


def prepare_episode(episode: Episode, fingerprint: str, *, path: str, label: str) -> Prepared:
    """An episode's document and pre-encoded postings, or a failure naming ``label``."""
    try:
        doc = episode_document(episode, fingerprint=fingerprint, path=path)
        for value in doc.values():
            if isinstance(value, str):
                value.encode("utf-8")  # else Whoosh fails on it mid-commit, aborting the run
        postings = {name: encode_postings(value) for name, value in doc.items() if name == "body"}
    except UnicodeEncodeError as exc:
        # A lone surrogate ("\ud800" in a JSON string) cannot be written to the index.
        reason = f"text is not valid Unicode ({exc.reason}: {exc.object[exc.start : exc.end]!a})"
        return Prepared(episode.id, failure=IngestFailure(label, reason))
    return Prepared(
        episode.id, doc=doc, postings=postings, stems=analysis.current().take_new_stems()
    )


def worker_environment() -> dict[str, str]:
    """The host's environment for a worker, with numpy's BLAS held to one thread unless
    the host says otherwise (``arrays.one_blas_thread``)."""
    return one_blas_thread(os.environ)


def worker_count(todo: Sequence[tuple[SourceGroup, str]]) -> int:
    """How many worker processes to use (0: in-process). SEARCHPOD_WORKERS overrides."""
    if "SEARCHPOD_WORKERS" in os.environ:
        value = os.environ["SEARCHPOD_WORKERS"]
        if not value.strip().isdigit() or len(value.strip()) > 4:
            raise SearchpodError(
                f"SEARCHPOD_WORKERS must be a number of worker processes (0 for none), "
                f"not {value[:20]!r}"
            )
        return int(value)
    size = 0
    for group, _ in todo:
        size += sum(f.stat().st_size for f in group.files if f.exists())
        if size >= PARALLEL_MIN_BYTES:
            # On one usable CPU a worker only adds its start-up and its memory.
            cpus = usable_cpus()
            return cpus if cpus > 1 else 0
    return 0


def usable_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may run on: its affinity mask, capped by any cgroup CPU quota.

    ``os.cpu_count()`` counts the machine's CPUs, which overstates a container limited to
    fewer (``docker --cpus``, ``taskset``); a worker per counted CPU then only competes.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpu_quota(cgroup_root)
    if quota is not None:
        cpus = min(cpus, max(1, int(quota)))
    return max(1, cpus)


def _cgroup_cpu_quota(root: Path) -> float | None:
    """The cgroup's CPU quota in CPUs (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), or None."""
    try:
        v2 = (root / "cpu.max").read_text().split()
        if v2 and v2[0] != "max":
            return int(v2[0]) / int(v2[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def prepared_documents(todo: Sequence[tuple[SourceGroup, str]]) -> Iterator[Prepared]:
    """``prepare`` for each item, in order, in this process (for small runs)."""
    for group, fingerprint in todo:
        yield prepare(group, fingerprint)


@dataclass
class SegmentResult:
    """What one worker wrote: its segment (None if nothing was added) and each episode's fate."""

    segment: Segment | None
    added: list[str] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    stems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[IngestWarning] = field(default_factory=list)


# A worker's exit code for "the disk is full" (ENOSPC or EDQUOT while writing its segment).
WORKER_NO_SPACE = 28
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
# How long workers may take to start (import searchpod) before the run does without them.
WORKER_START_S = 120.0


class WorkersUnavailable(Exception):
    """Worker processes cannot be started here; the run indexes in-process instead."""


def run_job(job: tuple[str, list[tuple[SourceGroup, str]]], send: Callable[[Any], None]) -> None:
    """In a worker process (``worker.serve``): write the job's episodes as one segment."""
    gen, items = job
    try:
        with fewer_collections(), analysis.using(analysis.Analyser(StemShards(Path(gen)))):
            result = _write_segment(gen, items, send)
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            sys.exit(WORKER_NO_SPACE)  # the parent says so in one line, not a traceback
        raise
    send(("result", result))


def _write_segment(
    gen: str, items: list[tuple[SourceGroup, str]], send: Callable[[Any], None]
) -> SegmentResult:
    """In a worker: write ``items`` into a new segment of the index at ``gen``, uncommitted."""
    writer = SegmentBuilder(Path(gen))
    result = SegmentResult(segment=None)
    try:
        for group, fingerprint in items:
            prepared = prepare(group, fingerprint)
            result.stems.extend(prepared.stems)
            result.failed.extend(prepared.partial)
            result.warnings.extend(prepared.warnings)
            failure = None
            if prepared.doc is None:
                failure = prepared.failure or IngestFailure(group.id, "failed")
                result.failed.append(failure)
            else:
                writer.add(prepared.doc, prepared.postings)
                result.added.append(group.id)
            send(("done", group.id, failure))
        result.segment = writer.finish()
    except BaseException:
        writer.abandon()
        raise
    return result


def _balanced(todo: Sequence[tuple[SourceGroup, str]], parts: int) -> list[list[Any]]:
    """Split ``todo`` into ``parts`` lists of about equal bytes (largest episodes first)."""

    def size(item: tuple[SourceGroup, str]) -> int:
        return sum(f.stat().st_size for f in item[0].files if f.exists())

    sized = sorted(((size(item), item) for item in todo), key=lambda pair: -pair[0])
    bins: list[list[Any]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for nbytes, item in sized:
        lightest = loads.index(min(loads))
        bins[lightest].append(item)
        loads[lightest] += nbytes
    return [b for b in bins if b]


def worker_command(parent: int) -> list[str]:
    """The command starting a worker: this interpreter running searchpod's worker, only that.

    Not ``multiprocessing``: its workers import the host program's ``__main__`` again (a
    script without a main guard ran once more in each; one on stdin could not start any).
    Raises WorkersUnavailable where no such interpreter can be run.
    """
    if getattr(sys, "frozen", False):
        # sys.executable is the application itself: running it would start the host again.
        raise WorkersUnavailable("this program is a frozen application")
    executable = sys.executable
    if not executable or not os.path.isfile(executable):
        raise WorkersUnavailable("Python does not know the path of its own interpreter")
    name = os.path.basename(executable).lower()
    if not name.startswith(("python", "pypy")):
        # Python embedded in another program (sys.executable names that program).
        raise WorkersUnavailable(f"{name!r} is not a Python interpreter")
    code = boot_code(str(Path(__file__).resolve().parents[2]), parent)
    return [executable, *_interpreter_flags(), "-c", code]


def _interpreter_flags() -> list[str]:
    """This interpreter's command-line flags (-E, -I, -X ...), as multiprocessing passes on."""
    flags = getattr(subprocess, "_args_from_interpreter_flags", None)
    return list(flags()) if flags else []


Done = Callable[[str, IngestFailure | None], None]


def write_segments(
    gen: str,
    todo: Sequence[tuple[SourceGroup, str]],
    workers: int,
    done: Done | None = None,
    cancel: threading.Event | None = None,
) -> list[SegmentResult]:
    """Write ``todo`` as one new segment per worker process; the caller commits them.

    ``done(episode_id, failure)`` is called in this thread as each episode is written.
    Raises WorkersUnavailable, before any episode is written, when a worker cannot start;
    ``progress.Cancelled`` once ``cancel`` is set (the workers are stopped).
    One process per part rather than a pool: a pool's idle workers wait for more work from
    the parent, and if the parent is killed they wait for ever.
    """
    parts = _balanced(todo, workers)
    command = worker_command(os.getpid())
    inbox: queue.Queue[tuple[int, Any]] = queue.Queue()
    procs: list[subprocess.Popen[bytes]] = []
    results: list[SegmentResult | None] = []
    complete = False
    env = worker_environment()
    try:
        for n in range(len(parts)):
            try:
                with interrupts_held():
                    proc = subprocess.Popen(
                        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
                    )
            except OSError as exc:
                raise WorkersUnavailable(
                    f"{command[0]} could not be started ({exc.strerror or exc})"
                ) from exc
            procs.append(proc)
            threading.Thread(
                target=_read_frames, args=(n, proc, inbox), name=f"{INDEXING_WORKER}-{n + 1}",
                daemon=True,
            ).start()  # fmt: skip
        # Every worker says hello before any is given work: if one cannot start, none is
        # used, and the caller indexes in-process with nothing half-done.
        starting = set(range(len(procs)))
        deadline = time.monotonic() + WORKER_START_S
        while starting:
            n, message = _next_message(inbox, cancel, deadline)
            if message is None:
                raise WorkersUnavailable(
                    f"an indexing worker process exited on starting (exit code "
                    f"{procs[n].wait()}; its error is above)"
                )
            starting.discard(n)
        for proc, part in zip(procs, parts, strict=True):
            assert proc.stdin is not None
            try:
                send(proc.stdin, sys.path)
                send(proc.stdin, (gen, part))
            except BrokenPipeError:
                pass  # it died: its stdout ends, and that is reported below
        results = [None] * len(procs)
        running = len(procs)
        while running:
            n, message = _next_message(inbox, cancel)
            if message is None:
                running -= 1
            elif message[0] == "done" and done is not None:
                done(message[1], message[2])
            elif message[0] == "result":
                results[n] = message[1]
        complete = True
    finally:
        for proc in procs:
            if not complete and proc.poll() is None:
                proc.kill()  # the run failed, was cancelled or interrupted: stop them too
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            proc.wait()
    failed = [
        proc.returncode for proc, result in zip(procs, results, strict=True) if result is None
    ]
    if WORKER_NO_SPACE in failed:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if failed:
        raise SearchpodError(
            f"an indexing worker process failed (exit code {failed[0]}; its error is above)"
        )
    finished = [result for result in results if result is not None]
    for result in finished:
        analysis.current().remember_stems(result.stems)
    return finished


def _read_frames(
    n: int, proc: subprocess.Popen[bytes], inbox: queue.Queue[tuple[int, Any]]
) -> None:
    """Pass worker ``n``'s messages to ``inbox``, then ``(n, None)`` when its output ends."""
    assert proc.stdout is not None
    try:
        while True:
            inbox.put((n, receive(proc.stdout)))
    except (EOFError, OSError, ValueError, pickle.UnpicklingError):
        inbox.put((n, None))


def _next_message(
    inbox: queue.Queue[tuple[int, Any]],
    cancel: threading.Event | None,
    deadline: float | None = None,
) -> tuple[int, Any]:
    """The next worker message; a safe point for ``cancel`` every tenth of a second."""
    while True:
        check_cancel(cancel)
        if deadline is not None and time.monotonic() > deadline:
            raise WorkersUnavailable(
                f"indexing worker processes did not start within {WORKER_START_S:g} s"
            )
        try:
            return inbox.get(timeout=0.1)
        except queue.Empty:
            continue


SCRATCH_PREFIX = ".scratch-"


def reclaim_scratch(gen: Path) -> None:
    """Remove what runs that were killed left in ``gen``: their workers' and their own
    unfinished segments, and the scratch folders of earlier versions (``.scratch-*``).

    Only called by the run holding the index's write lock: no other run is using them.
    """
    for folder in gen.glob(SCRATCH_PREFIX + "*"):
        shutil.rmtree(folder, ignore_errors=True)
    discard_uncommitted(gen)


__all__ = ["MERGE_FACTOR", "Prepared", "prepare", "tiered_merge", "worker_count", "write_segments"]


def worker_main(parent: int) -> None:
    """An indexing worker process's entry point (``indexing.worker.boot_code`` runs it)."""
    serve(parent, run_job)
