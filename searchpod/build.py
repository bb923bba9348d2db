"""Turning source groups into ready-to-write index documents, on every core when it pays.

Parsing and analysing a transcript is pure CPU and independent per episode, while Whoosh
has one writer. So worker processes parse, analyse and encode postings; the parent only
writes. Small runs stay in-process: starting workers costs more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from searchpod import analysis
from searchpod.errors import IngestError
from searchpod.ingest.sources import SourceGroup, load_episode
from searchpod.model import IngestFailure
from searchpod.schema import SAID_PREFIX, encode_postings, episode_document

# Below this much source text a pool's start-up (~0.5 s) outweighs the parallel gain.
PARALLEL_MIN_BYTES = 4 * 2**20


@dataclass
class Prepared:
    """One group's document, or why it failed, plus what the worker learnt about stems."""

    group_id: str
    doc: dict[str, Any] | None = None
    postings: dict[str, list[tuple[str, int, float, bytes]]] = field(default_factory=dict)
    failure: IngestFailure | None = None
    stems: list[tuple[str, str]] = field(default_factory=list)


def prepare(group: SourceGroup, fingerprint: str) -> Prepared:
    """Parse one group and pre-encode the postings of its long text fields."""
    try:
        episode = load_episode(group)
    except IngestError as exc:
        return Prepared(group.id, failure=IngestFailure(exc.source, exc.reason))
    except Exception as exc:  # one file must never abort a whole run
        reason = f"could not be parsed ({type(exc).__name__}: {exc}); please report this"
        return Prepared(group.id, failure=IngestFailure(str(group.main), reason))
    doc = episode_document(episode, fingerprint=fingerprint, path=str(group.main.resolve()))
    postings = {
        name: encode_postings(value)
        for name, value in doc.items()
        if name == "body" or name.startswith(SAID_PREFIX)
    }
    return Prepared(group.id, doc=doc, postings=postings, stems=analysis.take_new_stems())


def worker_count(todo: Sequence[tuple[SourceGroup, str]]) -> int:
    """How many worker processes to use (0: in-process). SEARCHPOD_WORKERS overrides."""
    if "SEARCHPOD_WORKERS" in os.environ:
        return max(0, int(os.environ["SEARCHPOD_WORKERS"]))
    size = 0
    for group, _ in todo:
        size += sum(f.stat().st_size for f in group.files if f.exists())
        if size >= PARALLEL_MIN_BYTES:
            return max(1, os.cpu_count() or 1)
    return 0


def prepared_documents(todo: Sequence[tuple[SourceGroup, str]]) -> Iterator[Prepared]:
    """``prepare`` for each item, in order, in worker processes when the run is large."""
    workers = worker_count(todo)
    if workers == 0 or len(todo) < 2:
        for group, fingerprint in todo:
            yield prepare(group, fingerprint)
        return
    # forkserver: safe when the parent has threads (a fork would copy held locks).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        groups = [g for g, _ in todo]
        fingerprints = [fp for _, fp in todo]
        for prepared in pool.map(prepare, groups, fingerprints, chunksize=2):
            analysis.remember_stems(prepared.stems)
            yield prepared
