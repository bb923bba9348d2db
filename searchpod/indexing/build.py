"""Turning source groups into index documents and segments, on every core when it pays.

Parsing, analysing and writing postings for a transcript is pure CPU and independent per
episode. Small runs stay in-process (``prepared_documents``): starting workers costs more
than it saves. Large runs (``write_segments``) split the episodes between worker processes,
each writing a complete Whoosh segment of its own; the parent adds those segments to the
index in its one commit, so the index still changes all at once or not at all.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context, parent_process
from pathlib import Path
from typing import Any

from searchpod.engine.writing import (
    MERGE_FACTOR,
    Segment,
    SegmentBuilder,
    encode_postings,
    tiered_merge,
)
from searchpod.errors import IngestError, SearchpodError
from searchpod.indexing.documents import episode_document
from searchpod.indexing.store import INDEXING_WORKER, StemShards
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
    postings: dict[str, list[tuple[str, int, float, bytes]]] = field(default_factory=dict)
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

# Set in each worker process: where to report "one more episode done".
_progress_queue: Any = None


# How often a worker checks that the run that started it is still alive.
PARENT_POLL_S = 0.2


def _leave_with_parent() -> None:
    """End this worker soon after the indexing run dies, even by SIGKILL, mid-episode.

    On Linux the kernel kills us when the forkserver that forked us exits (which it does
    when the run dies); everywhere, a watchdog thread polls the run's liveness.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        while parent.is_alive():
            time.sleep(PARENT_POLL_S)
        os._exit(1)  # nobody will commit what we write

    threading.Thread(target=watch, name="searchpod-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1


def _segment_worker(gen: str, items: list[Any], done_queue: Any, out: str) -> None:
    """A worker process: write one segment, leave the result in ``out``, exit."""
    global _progress_queue
    _leave_with_parent()
    # Ctrl-C reaches the whole process group: the parent handles it (and stops us), so
    # workers don't each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress_queue = done_queue
    try:
        with analysis.using(analysis.Analyser(StemShards(Path(gen)))):
            result = _write_segment(gen, items)
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            sys.exit(WORKER_NO_SPACE)  # the parent says so in one line, not a traceback
        raise
    Path(out).write_bytes(pickle.dumps(result))
    parent = parent_process()
    if parent is not None and not parent.is_alive():
        done_queue.cancel_join_thread()  # nobody will read them: don't wait at exit


def _write_segment(gen: str, items: list[tuple[SourceGroup, str]]) -> SegmentResult:
    """In a worker: write ``items`` into a new segment of the index at ``gen``, uncommitted."""
    writer = SegmentBuilder(Path(gen))
    result = SegmentResult(segment=None)
    parent = parent_process()
    try:
        for group, fingerprint in items:
            if parent is not None and not parent.is_alive():
                # The run was killed (even with SIGKILL): stop rather than finish a segment
                # nobody will commit. Its files are swept away by the next commit.
                os._exit(1)
            prepared = prepare(group, fingerprint)
            result.stems.extend(prepared.stems)
            result.failed.extend(prepared.partial)
            result.warnings.extend(prepared.warnings)
            if prepared.doc is None:
                result.failed.append(prepared.failure or IngestFailure(group.id, "failed"))
            else:
                writer.add(prepared.doc, prepared.postings)
                result.added.append(group.id)
            if _progress_queue is not None:
                _progress_queue.put(group.id)
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


def write_segments(
    gen: str,
    todo: Sequence[tuple[SourceGroup, str]],
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> list[SegmentResult]:
    """Write ``todo`` as one new segment per worker process; the caller commits them.

    One process per part rather than a pool: a pool's idle workers wait for more work from
    the parent, and if the parent is killed they wait for ever.
    """
    context = get_context("forkserver")  # safe when the parent has threads
    done_queue = context.Queue()
    parts = _balanced(todo, workers)
    reclaim_scratch(Path(gen))
    # Scratch space inside the generation, not in /tmp: a run killed with SIGKILL can't
    # remove it, and the next run (holding the same write lock) knows where to look.
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=gen) as tmp:
        outs = [os.path.join(tmp, f"part-{n}.pickle") for n in range(len(parts))]
        procs: list[Any] = []
        try:
            for part, out in zip(parts, outs, strict=True):
                proc = context.Process(
                    target=_segment_worker,
                    args=(gen, part, done_queue, out),
                    name=f"{INDEXING_WORKER}-{len(procs) + 1}",
                )
                proc.start()
                procs.append(proc)
            while any(proc.is_alive() for proc in procs):
                _drain(done_queue, progress, timeout=0.1)
            _drain(done_queue, progress)
        finally:
            for proc in procs:
                if proc.is_alive():  # the parent is failing or interrupted: stop them too
                    proc.terminate()
                proc.join()
        failed = [proc.exitcode for proc in procs if proc.exitcode != 0]
        if WORKER_NO_SPACE in failed:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if failed:
            raise SearchpodError(
                f"an indexing worker process failed (exit code {failed[0]}; its error is above, "
                "e.g. a script indexing outside `if __name__ == '__main__':`)"
            )
        results = [pickle.loads(Path(out).read_bytes()) for out in outs]
    for result in results:
        analysis.current().remember_stems(result.stems)
    return results


SCRATCH_PREFIX = ".scratch-"


def reclaim_scratch(gen: Path) -> None:
    """Remove scratch folders left in ``gen`` by runs that were killed.

    Only called by the run holding the index's write lock: no other run is using them.
    """
    for folder in gen.glob(SCRATCH_PREFIX + "*"):
        shutil.rmtree(folder, ignore_errors=True)


def _drain(
    done_queue: Any, progress: Callable[[str], None] | None, timeout: float | None = None
) -> None:
    """Pass on the progress messages waiting (waiting up to ``timeout`` for a first one)."""
    while True:
        try:
            label = done_queue.get(timeout=timeout) if timeout else done_queue.get_nowait()
        except queue.Empty:
            return
        timeout = None
        if progress:
            progress(label)


__all__ = ["MERGE_FACTOR", "Prepared", "prepare", "tiered_merge", "worker_count", "write_segments"]
