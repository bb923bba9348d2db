"""Writing an index: generations, one commit's writer, workers' segments, merging.

Whoosh's writer API is used here and only here, including the private parts that adding
segments written by worker processes needs (as Whoosh's own ``MpWriter`` does).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, NewType

from whoosh.filedb.filestore import FileStorage

from searchpod.engine import fields
from searchpod.engine.codec import PodcastCodec
from searchpod.engine.commits import INDEX_NAME, sweep
from searchpod.engine.commits import remove_generation as remove_generation  # for the store
from searchpod.engine.fields import EncodedPostings as EncodedPostings  # for the build
from searchpod.engine.fields import build_schema, use_precomputed
from searchpod.engine.pool import ChunkedPool, use_chunked_pool

#: A segment a worker wrote (``SegmentBuilder.finish``), for ``Commit.commit``: opaque above
#: the engine, and picklable, so it can travel back from a worker process.
Segment = NewType("Segment", object)


def encode_postings(text: str) -> fields.EncodedPostings:
    """A body's postings, encoded for the index ahead of writing (in a worker process)."""
    return fields.encode_columns(text)


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


class _WriterStorage(FileStorage):
    """The index folder as a writer sees it, remembering every file the writer opens (its
    temporary folder's too), so that a failed run can close them all: a full disk fails
    Whoosh's own cleanup midway, and a deleted file still open keeps its space in use."""

    def __init__(self, path: str, opened: list[Any] | None = None) -> None:
        super().__init__(path)
        self.opened: list[Any] = [] if opened is None else opened

    def create_file(self, name: str, **kwargs: Any) -> Any:
        f = super().create_file(name, **kwargs)
        f.file = _KnowsPosition(f.file)
        self.opened.append(f)
        return f

    def open_file(self, name: str, **kwargs: Any) -> Any:
        f = super().open_file(name, **kwargs)
        self.opened.append(f)
        return f

    def temp_storage(self, name: str | None = None) -> Any:
        folder = os.path.join(self.folder, name or f"{INDEX_NAME}.tmp")
        return _WriterStorage(folder, self.opened).create()

    def close_all(self) -> None:
        for f in self.opened:
            with suppress(Exception):  # closing flushes: on a full disk that fails again
                if not f.is_closed:
                    f.close()
        self.opened.clear()


class _KnowsPosition:
    """A file being written that keeps its own position: a buffered file's ``tell()`` asks
    the kernel every time (an ``lseek``), and a segment writer asks ~3 times per term
    (150,000 system calls for 1,000 episodes). Everything but writing, seeking and telling
    is the file's own."""

    __slots__ = ("_file", "_position")

    def __init__(self, file: Any) -> None:
        self._file = file
        self._position: int = file.tell()

    def write(self, data: Any) -> int:
        written: int = self._file.write(data)
        self._position += written
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._file.seek(offset, whence)
        return self._position

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __iter__(self) -> Any:
        return iter(self._file)


def _writer(gen: Path) -> Any:
    """Whoosh's writer for one commit to ``gen``, which deletes nothing a reader pins."""
    from whoosh.index import FileIndex

    # _lk=False: our write lock is held for the whole run. Whoosh's own lock would also
    # stay held for good if creating the writer failed (a full disk), as nothing could
    # release it, and every later run in this process would fail with LockError.
    ix = FileIndex(_WriterStorage(str(gen)))
    writer = ix.writer(_lk=False, codec=PodcastCodec(), **_WRITER_OPTIONS)
    use_chunked_pool(writer, _WRITER_OPTIONS["limitmb"])
    # Whoosh's _commit_toc deletes every older table and unnamed segment file right after
    # writing the new table, whether or not a searcher still reads them: write the table
    # only, and let ``sweep`` delete what no reader pins.
    writer._commit_toc = functools.partial(_write_table, writer)
    return writer


def _abandon(writer: Any, gen: Path) -> None:
    """Drop what ``writer`` wrote since it was opened, files included, whatever fails."""
    try:
        with suppress(Exception):  # the disk that failed the run can fail Whoosh's cleanup
            writer.cancel()
    finally:
        writer.storage.close_all()
        discard_uncommitted(gen)


def _write_table(writer: Any, segments: Sequence[Any]) -> None:
    from whoosh.index import TOC

    TOC(writer.schema, list(segments), writer.generation).write(writer.storage, writer.indexname)


def discard_uncommitted(gen: Path) -> None:
    """After a failed or killed run (under the write lock): delete what it wrote that no
    commit names — segment files, half-written tables, Whoosh's spill runs and column
    scratch in ``MAIN.tmp`` — so that it costs no disk space and cannot trip the next run."""
    sweep(gen)


def uncommitted_files(gen: Path) -> list[Path]:
    """Files of ``gen`` that its last commit does not name: segments being written, or left
    by a run that was killed, and writers' temporary folders (``MAIN.tmp``)."""
    from whoosh.index import TOC, open_dir

    ix = open_dir(str(gen))
    toc = ix._read_toc()
    named = {segment.segment_id() for segment in toc.segments}
    pattern = TOC._segment_pattern(ix.indexname)
    found = []
    for path in gen.iterdir():
        match = pattern.match(path.name)
        if (match and match.group(1) not in named) or path.name == f"{ix.indexname}.tmp":
            found.append(path)
    return found


def _add_document(writer: Any, doc: dict[str, Any]) -> None:
    """Whoosh 2.7.4's ``SegmentWriter.add_document(**doc)``, with a field's postings encoded
    ahead of time (``use_precomputed``) put into the pool at once (``ChunkedPool.
    add_encoded``) rather than through Whoosh's loop and a method call per posting. The
    pool receives the same items, the per-document writer the same values and lengths.
    """
    pool = writer.pool
    schema = writer.schema
    if not isinstance(pool, ChunkedPool) or any(
        field.vector or field.separate_spelling() for _, field in schema.items()
    ):
        writer.add_document(**doc)  # what this copy leaves out: Whoosh does it all
        return
    writer._check_state()
    perdocwriter = writer.perdocwriter
    docnum = writer.docnum
    add_post = pool.add
    docboost = writer._doc_boost(doc)
    fieldnames = sorted([name for name in doc if not name.startswith("_")])
    writer._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    for fieldname in fieldnames:
        value = doc.get(fieldname)
        if value is None:
            continue
        field = schema[fieldname]
        length = 0
        if field.indexed:
            fieldboost = writer._field_boost(doc, fieldname, docboost)
            ready = getattr(value, "postings", None)
            if ready is not None and fieldboost == 1.0 and field.scorable:
                length = pool.add_encoded(fieldname, docnum, ready)
            else:
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in field.index(value):
                    weight *= fieldboost
                    if scorable:
                        length += freq
                    add_post((fieldname, tbytes, docnum, weight, vbytes))
        customval = doc.get(f"_stored_{fieldname}", value)
        perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
        column = field.column_type
        if column and customval is not None:
            perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1


class Commit:
    """One all-or-nothing change to a generation: deletions, documents, workers' segments."""

    def __init__(self, gen: Path, live: Live | None = None) -> None:
        """``live``: the generation's live documents (``live_documents``) before this commit,
        kept up to date with it, so that the next run need not read them from the index."""
        self._gen = gen
        self._live = dict(live) if live is not None else None
        self._writer = _writer(gen)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)
        if self._live is not None:
            self._live.pop(doc_id, None)

    def add(self, doc: dict[str, Any], postings: dict[str, Any]) -> None:
        """Add ``doc``, reusing ``postings`` encoded ahead of time (e.g. by a worker)."""
        _add_document(self._writer, use_precomputed(doc, postings))
        self._note(doc)

    def replace(self, doc: dict[str, Any], postings: dict[str, Any]) -> None:
        """Add ``doc`` in place of the document with the same id."""
        self._writer.update_document(**use_precomputed(doc, postings))
        self._note(doc)

    def _note(self, doc: dict[str, Any]) -> None:
        if self._live is not None:
            self._live[doc["id"]] = (doc["fingerprint"], doc["path"])

    def commit(self, segments: Sequence[Segment] = ()) -> None:
        """Make everything visible at once, with ``segments`` written by workers added."""
        commit_with_segments(self._writer, segments)
        if segments:
            self._live = None  # workers' documents were not seen here
        sweep(self._gen)

    @property
    def live(self) -> Live | None:
        """After the commit: the live documents (as ``live_documents`` would read them),
        when the ones before it were given; else None."""
        return self._live

    def cancel(self) -> None:
        """Drop everything since the writer was opened, files included (see
        ``discard_uncommitted``): also when closing them fails, as on a full disk."""
        _abandon(self._writer, self._gen)


class SegmentBuilder:
    """A worker's writer: one new segment of ``gen``, handed to the parent's ``Commit``."""

    def __init__(self, gen: Path) -> None:
        from whoosh.index import FileIndex
        from whoosh.writing import SegmentWriter

        # _lk=False: the parent holds the index's write lock for the whole run.
        self._writer = SegmentWriter(
            FileIndex(_WriterStorage(str(gen))), _lk=False, codec=PodcastCodec(), **_WRITER_OPTIONS
        )
        use_chunked_pool(self._writer, _WRITER_OPTIONS["limitmb"])
        self._added = False

    def add(self, doc: dict[str, Any], postings: dict[str, Any]) -> None:
        _add_document(self._writer, use_precomputed(doc, postings))
        self._added = True

    def finish(self) -> Segment | None:
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
    added = writer.docnum - writer.docbase + sum(s.doc_count_all() for s in segments)
    final = writer._merge_segments(functools.partial(bounded_merge, added=added), None, None)
    final.extend(segments)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


# Segments this big, and holding a tenth of the index, are left alone by ``merge_small``:
# rewriting a document costs about what indexing it did (a 3,000-episode build's two
# segments would take minutes), and a few big segments cost searches little.
OPTIMIZE_KEEP_DOCS = 200


def merge_small(gen: Path) -> tuple[int, int]:
    """Merge the segments of ``gen`` but the big ones (``optimize_plan``: what additions
    leave) into one, in one commit, with deleted documents dropped. The segment counts
    before and after."""
    from whoosh.reading import SegmentReader

    writer = _writer(gen)  # with its chunked pool: a merge re-pools every posting
    try:
        segments = list(writer.segments)
        chosen = optimize_plan([(s.doc_count_all(), s.deleted_count()) for s in segments])
        if not chosen:
            writer.cancel()
            return len(segments), len(segments)

        def policy(writer: Any, segments: Sequence[Any]) -> list[Any]:
            for i in chosen:
                reader = SegmentReader(writer.storage, writer.schema, segments[i])
                writer.add_reader(reader)
                reader.close()
            return [s for i, s in enumerate(segments) if i not in chosen]

        writer.commit(mergetype=policy)
    except BaseException:
        _abandon(writer, gen)
        raise
    sweep(gen)
    return len(segments), len(segments) - len(chosen) + 1


def optimize_plan(sizes: Sequence[tuple[int, int]]) -> list[int]:
    """Which segments (by position, given each one's documents and deleted documents)
    ``merge_small`` merges: all but the big ones (at least OPTIMIZE_KEEP_DOCS documents and
    a tenth of the index), and a big one too once more than MAX_DELETED_FRACTION of it is
    deleted (rewriting a big segment takes minutes: not for one replaced episode); none when
    that would leave the same number of segments with nothing dropped."""
    live = sum(total - deleted for total, deleted in sizes)

    def small(total: int) -> bool:
        return total < OPTIMIZE_KEEP_DOCS or total * 10 < live

    chosen = [
        i
        for i, (total, deleted) in enumerate(sizes)
        if small(total) or deleted > total * MAX_DELETED_FRACTION
    ]
    if len(chosen) == 1 and not sizes[chosen[0]][1]:
        return []
    return chosen


# A commit merges older documents only within a budget: INLINE_MERGE_DOCS, or MERGE_MULTIPLE
# times the documents it adds when that is more, so that no addition pays for a merge many
# times its own size (rewriting a document costs about what adding it does).
INLINE_MERGE_DOCS = 3
MERGE_MULTIPLE = 4
# The smallest segments are merged once this many of them fit in the budget together.
MERGE_FACTOR = 3
# Segments too big to merge within a budget pile up until there are this many; then the
# smallest MERGE_FACTOR_AT_CEILING are merged whatever it costs (``Index.optimize`` merges
# all of them at a time of the user's choosing). Each segment costs a search ~0.3 ms (rare
# words at 3,000 episodes: 12 ms with 2 segments, 18 ms with 28); four-document segments
# reach 32 after ~120 single additions.
SEGMENT_CEILING = 32
MERGE_FACTOR_AT_CEILING = 8
# A segment with more of its documents deleted (replaced or pruned) than this is rewritten
# without them at the next commit, so the index stays within ~1.25x of its live size.
MAX_DELETED_FRACTION = 0.2


def merge_plan(sizes: Sequence[tuple[int, int]], added: int) -> list[int]:
    """Which segments (by position) a commit adding ``added`` documents merges, given each
    segment's (documents, deleted documents).

    The smallest segments are merged together once MERGE_FACTOR of them fit in the commit's
    budget (see INLINE_MERGE_DOCS): each document is rewritten about once on its way into a
    budget-sized segment, and no commit rewrites more than a few times what it adds. Whoosh's
    own default folded all recent small segments into every new one (commits grew past 1 s
    within a few additions); tiers by powers of ten (as Lucene merges) made one addition in
    ten pay a ten-document merge and one in a hundred a hundred-document one (0.6-2.5 s
    against a 0.1 s median at 3,000 episodes).
    """
    budget = max(INLINE_MERGE_DOCS, MERGE_MULTIPLE * added)
    merge = [
        i for i, (total, deleted) in enumerate(sizes) if deleted > total * MAX_DELETED_FRACTION
    ]
    rest = sorted((i for i in range(len(sizes)) if i not in merge), key=lambda i: sizes[i][0])
    fits: list[int] = []
    docs = 0
    for i in rest:
        docs += sizes[i][0]
        if docs > budget:
            break
        fits.append(i)
    if len(fits) >= MERGE_FACTOR:
        return merge + fits
    if len(rest) + 1 > SEGMENT_CEILING:  # + the new segment
        return merge + rest[:MERGE_FACTOR_AT_CEILING]
    return merge


def bounded_merge(writer: Any, segments: Sequence[Any], *, added: int = 1) -> list[Any]:
    """Whoosh merge policy: ``merge_plan``'s merges into ``writer``'s new segment."""
    from whoosh.reading import SegmentReader

    chosen = set(merge_plan([(s.doc_count_all(), s.deleted_count()) for s in segments], added))
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        writer.add_reader(reader)
        reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]


# The name build.py (and code written against it) imports.
tiered_merge = bounded_merge
