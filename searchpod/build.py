"""Turning source groups into index documents and segments, on every core when it pays.

Parsing, analysing and writing postings for a transcript is pure CPU and independent per
episode. Small runs stay in-process (``prepared_documents``): starting workers costs more
than it saves. Large runs (``write_segments``) split the episodes between worker processes,
each writing a complete Whoosh segment of its own; the parent adds those segments to the
index in its one commit, so the index still changes all at once or not at all.
"""

from __future__ import annotations

import errno
import os
import pickle
import queue
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context, parent_process
from pathlib import Path
from typing import Any

from searchpod import analysis
from searchpod.codec import PodcastCodec
from searchpod.errors import IngestError, SearchpodError
from searchpod.ingest.sources import SourceGroup, load_group, with_failures
from searchpod.model import Episode, IngestFailure
from searchpod.schema import SAID_PREFIX, encode_postings, episode_document, use_precomputed
from searchpod.store import INDEXING_WORKER

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


def prepare(group: SourceGroup, fingerprint: str) -> Prepared:
    """Parse one group and pre-encode the postings of its long text fields."""
    try:
        episode, partial = load_group(group)
    except IngestError as exc:
        return Prepared(group.id, failure=IngestFailure(exc.source, exc.reason))
    except Exception as exc:  # one file must never abort a whole run
        reason = f"could not be parsed ({type(exc).__name__}: {exc}); please report this"
        return Prepared(group.id, failure=IngestFailure(str(group.main), reason))
    prepared = prepare_episode(
        episode,
        with_failures(fingerprint, partial),
        path=str(group.main.resolve()),
        label=str(group.main),
    )
    prepared.group_id = group.id
    prepared.partial = partial
    return prepared


def prepare_episode(episode: Episode, fingerprint: str, *, path: str, label: str) -> Prepared:
    """An episode's document and pre-encoded postings, or a failure naming ``label``."""
    try:
        doc = episode_document(episode, fingerprint=fingerprint, path=path)
        for value in doc.values():
            if isinstance(value, str):
                value.encode("utf-8")  # else Whoosh fails on it mid-commit, aborting the run
        postings = {
            name: encode_postings(value)
            for name, value in doc.items()
            if name == "body" or name.startswith(SAID_PREFIX)
        }
    except UnicodeEncodeError as exc:
        # A lone surrogate ("\ud800" in a JSON string) cannot be written to the index.
        reason = f"text is not valid Unicode ({exc.reason}: {exc.object[exc.start : exc.end]!a})"
        return Prepared(episode.id, failure=IngestFailure(label, reason))
    return Prepared(episode.id, doc=doc, postings=postings, stems=analysis.take_new_stems())


def worker_count(todo: Sequence[tuple[SourceGroup, str]]) -> int:
    """How many worker processes to use (0: in-process). SEARCHPOD_WORKERS overrides."""
    if "SEARCHPOD_WORKERS" in os.environ:
        return max(0, int(os.environ["SEARCHPOD_WORKERS"]))
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

    segment: Any
    added: list[str] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    stems: list[tuple[str, str]] = field(default_factory=list)


# A worker's exit code for "the disk is full" (ENOSPC or EDQUOT while writing its segment).
WORKER_NO_SPACE = 28
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})

# Set in each worker process: where to report "one more episode done".
_progress_queue: Any = None


def _segment_worker(gen: str, items: list[Any], done_queue: Any, out: str) -> None:
    """A worker process: write one segment, leave the result in ``out``, exit."""
    global _progress_queue
    # Ctrl-C reaches the whole process group: the parent handles it (and stops us), so
    # workers don't each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress_queue = done_queue
    try:
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
    from whoosh.index import open_dir
    from whoosh.writing import SegmentWriter

    # _lk=False: the parent holds the index's write lock for the whole run.
    writer = SegmentWriter(
        open_dir(gen), _lk=False, limitmb=256, compound=False, codec=PodcastCodec()
    )
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
            if prepared.doc is None:
                result.failed.append(prepared.failure or IngestFailure(group.id, "failed"))
            else:
                use_precomputed(prepared.doc, prepared.postings)
                writer.add_document(**prepared.doc)
                result.added.append(group.id)
            if _progress_queue is not None:
                _progress_queue.put(group.id)
        # Not writer.commit() or cancel(): both would also delete the temporary folder
        # that this writer shares with the parent's and the other workers' writers.
        if result.added:
            result.segment = writer._finalize_segment()
        else:
            writer._close_segment()
    except BaseException:
        writer._close_segment()
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
    with tempfile.TemporaryDirectory(prefix="searchpod-") as tmp:
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
        analysis.remember_stems(result.stems)
    return results


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


def commit_with_segments(writer: Any, segments: Sequence[Any]) -> None:
    """Commit ``writer`` with ``segments`` written by workers added to the index.

    This is what Whoosh's own multiprocess writer does (``MpWriter`` with
    ``multisegment=True``), for segments written by our workers.
    """
    final = writer._merge_segments(tiered_merge, None, None)
    final.extend(segments)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


# Segments of one size tier (1-9 documents, 10-99, ...) allowed before they are merged.
MERGE_FACTOR = 10
# A segment with more of its documents deleted (replaced or pruned) than this is rewritten
# without them at the next commit, so the index stays within ~1.25x of its live size.
MAX_DELETED_FRACTION = 0.2


def tiered_merge(writer: Any, segments: Sequence[Any]) -> list[Any]:
    """Whoosh merge policy: merge a size tier only once MERGE_FACTOR segments pile up.

    Whoosh's default (MERGE_SMALL) folded the recent small segments into every new one, so
    each weekly episode re-wrote all the recent ones: commits grew from 0.1 s to over 1 s
    within a few additions. Merging by tiers (as Lucene does) keeps most commits to writing
    the new episode, rewrites each document about log10(N) times in the index's life, and
    keeps searches to a few segments per tier. A segment whose deleted documents pass
    MAX_DELETED_FRACTION is merged at once to reclaim their space: with tiers alone, the
    big old segment would only ever grow as episodes in it are updated.
    """
    from whoosh.reading import SegmentReader

    tiers: dict[int, list[Any]] = {}
    keep: list[Any] = []
    merge: list[Any] = []
    for segment in segments:
        total = segment.doc_count_all()
        if total and segment.deleted_count() > total * MAX_DELETED_FRACTION:
            merge.append(segment)
        else:
            tiers.setdefault(len(str(max(1, total))), []).append(segment)
    for members in tiers.values():
        (merge if len(members) >= MERGE_FACTOR else keep).extend(members)
    for segment in merge:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return keep
