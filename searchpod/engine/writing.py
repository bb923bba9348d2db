"""Writing an index: generations, one commit's writer, workers' segments, merging.

Whoosh's writer API is used here and only here, including the private parts that adding
segments written by worker processes needs (as Whoosh's own ``MpWriter`` does).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from searchpod.engine.codec import PodcastCodec
from searchpod.engine.fields import build_schema, use_precomputed
from searchpod.engine.pool import use_chunked_pool

# compound=False: Whoosh copies a compound segment into memory on every open, which cost a
# cold search ~30 ms on a 180-episode index; separate files are read in place.
# limitmb: what each writer (one per worker, plus the parent's) buffers before spilling a
# sorted run to disk, as Whoosh counts it (the Python objects take more). 256 took a
# two-worker build of 3,000 episodes to 866 MB; 16 keeps it at ~270 MB for the same CPU.
_WRITER_OPTIONS: dict[str, Any] = {"limitmb": 16, "compound": False}


def create_engine_index(gen: Path) -> None:
    """An empty index in the new generation folder ``gen``."""
    from whoosh.index import create_in

    create_in(str(gen), build_schema())


Live = dict[str, tuple[str, str]]

# The table of contents Whoosh writes (to a temporary name, then renamed) at each commit.
_TOC_NAME = re.compile(r"_MAIN_([0-9]+)\.toc")


def read_live(gen: Path) -> Live:
    """id -> (fingerprint, path) of every live document, read from columns, not stored bodies."""
    from whoosh.index import open_dir

    out: Live = {}
    with open_dir(str(gen)).reader() as reader:
        if reader.doc_count() == 0:
            return out
        ids = reader.column_reader("id")
        fps = reader.column_reader("fingerprint")
        paths = reader.column_reader("path")
        for docnum in reader.all_doc_ids():
            out[ids[docnum]] = (fps[docnum], paths[docnum])
    return out


def commit_stamp(gen: Path) -> list[Any] | None:
    """What identifies the live commit of ``gen`` (its table of contents file: name, size,
    mtime, inode), or None when it cannot be told. Each commit writes a new one."""
    try:
        tocs = [(int(m[1]), name) for name in os.listdir(gen) if (m := _TOC_NAME.fullmatch(name))]
        if not tocs:
            return None
        name = max(tocs)[1]
        st = os.stat(gen / name)
    except OSError:
        return None
    return [name, st.st_size, st.st_mtime_ns, st.st_ino]


class Commit:
    """One all-or-nothing change to a generation: deletions, documents, workers' segments."""

    def __init__(self, gen: Path, live: Live | None = None) -> None:
        """``live``: the generation's live documents (``live_documents``) before this commit,
        kept up to date with it, so that the next run need not read them from the index."""
        from whoosh.index import open_dir

        self._live = dict(live) if live is not None else None
        # _lk=False: our write lock is held for the whole run. Whoosh's own lock would also
        # stay held for good if creating the writer failed (a full disk), as nothing could
        # release it, and every later run in this process would fail with LockError.
        self._writer = open_dir(str(gen)).writer(_lk=False, codec=PodcastCodec(), **_WRITER_OPTIONS)
        use_chunked_pool(self._writer, _WRITER_OPTIONS["limitmb"])

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)
        if self._live is not None:
            self._live.pop(doc_id, None)

    def add(self, doc: dict[str, Any], postings: dict[str, list[Any]]) -> None:
        """Add ``doc``, reusing ``postings`` encoded ahead of time (e.g. by a worker)."""
        self._writer.add_document(**use_precomputed(doc, postings))
        self._note(doc)

    def replace(self, doc: dict[str, Any], postings: dict[str, list[Any]]) -> None:
        """Add ``doc`` in place of the document with the same id."""
        self._writer.update_document(**use_precomputed(doc, postings))
        self._note(doc)

    def _note(self, doc: dict[str, Any]) -> None:
        if self._live is not None:
            self._live[doc["id"]] = (doc["fingerprint"], doc["path"])

    def commit(self, segments: Sequence[Any] = ()) -> None:
        """Make everything visible at once, with ``segments`` written by workers added."""
        commit_with_segments(self._writer, segments)
        if segments:
            self._live = None  # workers' documents were not seen here

    @property
    def live(self) -> Live | None:
        """After the commit: the live documents (as ``live_documents`` would read them),
        when the ones before it were given; else None."""
        return self._live

    def cancel(self) -> None:
        self._writer.cancel()


class SegmentBuilder:
    """A worker's writer: one new segment of ``gen``, handed to the parent's ``Commit``."""

    def __init__(self, gen: Path) -> None:
        from whoosh.index import open_dir
        from whoosh.writing import SegmentWriter

        # _lk=False: the parent holds the index's write lock for the whole run.
        self._writer = SegmentWriter(
            open_dir(str(gen)), _lk=False, codec=PodcastCodec(), **_WRITER_OPTIONS
        )
        use_chunked_pool(self._writer, _WRITER_OPTIONS["limitmb"])
        self._added = False

    def add(self, doc: dict[str, Any], postings: dict[str, list[Any]]) -> None:
        self._writer.add_document(**use_precomputed(doc, postings))
        self._added = True

    def finish(self) -> Any:
        """The written segment (None if nothing was added), for ``Commit.commit``."""
        # Not writer.commit() or cancel(): both would also delete the temporary folder
        # that this writer shares with the parent's and the other workers' writers.
        if self._added:
            return self._writer._finalize_segment()
        self._writer._close_segment()
        return None

    def abandon(self) -> None:
        self._writer._close_segment()


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
