"""The postings pool of a segment writer: Whoosh's external sort, with cheaper runs.

A segment writer gets its postings document by document and writes them sorted by field,
term and document, so it collects them in a pool: sorted in memory up to a limit, then
spilled to disk as a sorted run, and the runs merged at the end. Whoosh's ``PostingPool``
pickles and unpickles each posting on its own (one call each way, ~30 % of writing a
segment) and sizes every posting as it comes. Here:

- postings encoded ahead of time (a transcript's body: ``EncodedPostings``, nearly all of a
  build's postings) never become a tuple each. They are kept as columns (term numbers,
  counts, value sizes, the values' bytes), sorted by numpy into runs, and merged a window
  of terms at a time (``_ColumnStore``): a Python step per term, none per posting;
- other postings are runs of tuples written and read in chunks by ``marshal`` (one call
  per chunk), merged a batch at a time by ``list.sort`` rather than one posting at a time
  by ``heapq.merge``.

The segment writer is given each term's postings as one group (``PooledTerms``). Their
order, and so every byte of the segment, is Whoosh's.
"""

from __future__ import annotations

import functools
import heapq
import io
import marshal
import struct
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import chain, groupby, islice, repeat
from operator import itemgetter
from typing import Any

from whoosh.writing import PostingPool

from searchpod.engine.codec import TermGroup, term_groups
from searchpod.engine.fields import EncodedPostings

# Postings per marshalled chunk: a merge holds one chunk of each run in memory at a time
# (at 2048, ~40 runs per worker at 3,000 episodes added ~11 MB to the peak).
CHUNK = 512
# What a posting costs in memory besides its value's bytes: the tuple, the term's bytes,
# the weight and the document number (Whoosh's own estimate, for a typical short term).
POSTING_BYTES = 170
_LENGTH = struct.Struct("<Q")
# What a pre-encoded posting costs in memory besides its value's bytes (its term number,
# count and size in numpy arrays), and a document's arrays besides.
COLUMN_POSTING_BYTES = 20
COLUMN_DOCUMENT_BYTES = 400
# Postings merged from the column runs at a time, and their values' bytes: the window's
# columns and values (held twice for a moment, and ~150 bytes a posting as Python lists)
# are what the merge holds in memory.
WINDOW = 16_384
WINDOW_BYTES = 2**20
# Values cut out of a run's buffer at a time when it is sorted (~70 bytes a posting).
_SLICES = 8_192


class ChunkedPool(PostingPool):
    """``PostingPool`` keeping pre-encoded postings as columns, and writing the runs of the
    others in marshalled chunks."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: float) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._columns: dict[str, _ColumnStore] = {}  # field name -> its encoded postings

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        # item = (fieldname, term bytes, document number, weight, value bytes or None)
        self.current.append(item)
        self.currentsize += POSTING_BYTES + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()

    def add_encoded(
        self,
        fieldname: str,
        docnum: int,
        postings: EncodedPostings | Iterable[tuple[str, int, float, bytes]],
    ) -> int:
        """``add`` for each of a document's pre-encoded postings of one field, as Whoosh's
        ``add_document`` would make them from ``(term, frequency, weight, value)`` with a
        boost of 1, kept as columns (``_ColumnStore``): no Python step per posting.
        Documents come in order of their numbers. Returns the field's length (the sum of
        the frequencies)."""
        if not isinstance(postings, EncodedPostings):  # (term, frequency, weight, value)s
            postings = EncodedPostings.from_postings(list(postings))
        if not len(postings):
            return 0
        store = self._columns.get(fieldname)
        if store is None:
            store = self._columns[fieldname] = _ColumnStore(self, fieldname)
        store.add(docnum, postings)
        return postings.length()

    def iter_postings(self) -> PooledTerms:
        """Everything in the pool, for the segment writer (``codec._FieldWriter.
        add_postings``, which takes it a term at a time)."""
        return PooledTerms(self)

    def cleanup(self) -> None:
        super().cleanup()
        for store in self._columns.values():
            store.close()

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        # Length-prefixed: marshal.load() on Whoosh's unbuffered run file would read it
        # a few bytes per system call.
        rest = iter(items)
        while chunk := list(islice(rest, CHUNK)):
            data = marshal.dumps(chunk)
            f.write(_LENGTH.pack(len(data)) + data)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        return chain.from_iterable(self._read_chunks(path))

    def _merge_runs(self, paths: list[str]) -> Iterator[Any]:
        # Whoosh merges runs with heapq.merge: Python steps for every posting.
        return chain.from_iterable(self._merged_batches(paths))

    def _merged_batches(self, paths: list[str]) -> Iterator[list[Any]]:
        """The runs' postings merged, as sorted lists that follow each other in order.

        Every run is read a chunk at a time. Whatever is at most the smallest of the chunks'
        last postings cannot be preceded by anything still unread (each run is sorted):
        those postings of every chunk are sorted together (timsort merges the sorted
        pieces in C) and handed on, and the chunks used up are replaced by their runs'
        next. Memory: one chunk per run, as before.
        """
        heads: list[list[Any]] = []  # [the chunk being merged, the rest of its run]
        for path in paths:
            chunks = self._read_chunks(path)
            first = next(chunks, None)
            if first:
                heads.append([first, chunks])
        while heads:
            bound = min(head[0][-1] for head in heads)
            batch: list[Any] = []
            for head in heads:
                chunk = head[0]
                cut = bisect_right(chunk, bound)
                batch += chunk[:cut]
                head[0] = chunk[cut:]
            batch.sort()
            yield batch
            live: list[list[Any]] = []
            for head in heads:
                if not head[0]:
                    refill = next(head[1], None)
                    if not refill:
                        continue
                    head[0] = refill
                live.append(head)
            heads = live

    def _read_chunks(self, path: str) -> Iterator[list[Any]]:
        f = io.BufferedReader(self._open_run(path))  # read(n): n bytes unless at the end
        try:
            while head := f.read(_LENGTH.size):
                yield marshal.loads(f.read(_LENGTH.unpack(head)[0]))
        finally:
            f.close()
            # A run abandoned mid-merge (a full disk) is closed when collected, after the
            # failed run's scratch folder was removed with it.
            with suppress(FileNotFoundError):
                self._remove_run(path)


class PooledTerms:
    """A pool's postings as the segment writer takes them: ``term_groups()`` gives each
    term's postings at once, sorted by field and term. Iterating gives Whoosh's items
    (field, term bytes, document number, weight, value), one per posting, in Whoosh's order,
    for any other reader of a pool."""

    def __init__(self, pool: ChunkedPool) -> None:
        self._pool = pool

    def term_groups(self) -> Iterator[TermGroup]:
        columns = self._pool._columns
        # The postings added one by one (``add``), Whoosh's way, then a field at a time.
        tuples = groupby(term_groups(self._pool.items()), key=_FIRST)
        pending = sorted(name for name, store in columns.items() if store)
        for name, groups in tuples:
            while pending and pending[0] < name:
                yield from columns[pending.pop(0)].term_groups()
            if pending and pending[0] == name:  # a field both ways (a merge, say): rare
                yield from _merged_terms(groups, columns[pending.pop(0)].term_groups())
            else:
                yield from groups
        for name in pending:
            yield from columns[name].term_groups()

    def __iter__(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        for name, btext, docnums, weights, values in self.term_groups():
            yield from zip(repeat(name), repeat(btext), docnums, weights, values)


_FIRST = itemgetter(0)  # a group's field; a row's document
_TERM = itemgetter(1)
_FIELD_AND_TERM = itemgetter(0, 1)


def _merged_terms(first: Iterable[TermGroup], second: Iterable[TermGroup]) -> Iterator[TermGroup]:
    """Two sorted streams of one field's term groups as one; a term in both gets the
    postings of both, in order of document."""
    for (name, btext), same in groupby(heapq.merge(first, second, key=_TERM), key=_FIELD_AND_TERM):
        groups = list(same)
        if len(groups) == 1:
            yield groups[0]
            continue
        rows = sorted(
            chain.from_iterable(zip(g[2], g[3], g[4], strict=True) for g in groups), key=_FIRST
        )
        yield name, btext, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


class _ColumnStore:
    """One field's pre-encoded postings (``EncodedPostings``), as columns.

    Each document's postings arrive in term order: its term numbers (made per writer, in
    the order terms are first seen), counts, value sizes and values' bytes are kept as they
    come. Past a quarter of the pool's memory limit they are sorted by term (stably:
    documents come in order) into a run, written to a scratch file, and only each run's
    terms (numbers, postings and value bytes per term) stay in memory. At the end the runs, and what is still in memory,
    are merged by term a window of postings at a time: every run holds a window's terms
    in one stretch, and a term's postings in an earlier run belong to earlier documents,
    so a stable sort by term of the window's stretches is the merge.
    """

    def __init__(self, pool: ChunkedPool, fieldname: str) -> None:
        self._pool = pool
        self.fieldname = fieldname
        self.terms: list[str] = []  # term number -> term
        self._numbers = _TermNumbers(self.terms)
        self._docs: list[tuple[int, Any, Any, Any, bytes]] = []  # unsorted documents
        self._size = 0
        self._runs: list[_ColumnRun] = []

    def __bool__(self) -> bool:
        return bool(self._docs or self._runs)

    def add(self, docnum: int, postings: EncodedPostings) -> None:
        import numpy as np

        n = len(postings)
        numbers = np.fromiter(map(self._numbers.__getitem__, postings.terms), np.int32, n)
        self._docs.append((docnum, numbers, postings.counts, postings.sizes, postings.blob))
        self._size += COLUMN_DOCUMENT_BYTES + COLUMN_POSTING_BYTES * n + len(postings.blob)
        # A quarter of the pool's limit: sorting a run takes ~3x its size for a moment,
        # and more, smaller runs cost the merge next to nothing (a few reads a window).
        if self._size > self._pool.limit // 4:
            self._spill()

    def _sorted(self) -> _ColumnRun:
        """The documents in memory as one run sorted by term and document (in memory);
        the documents are dropped as soon as their columns are gathered."""
        import numpy as np

        docs = self._docs
        self._docs = []
        self._size = 0
        numbers = np.concatenate([d[1] for d in docs])
        per_doc = np.fromiter(map(len, (d[1] for d in docs)), np.int64, len(docs))
        docnums = np.repeat(np.fromiter((d[0] for d in docs), np.int32, len(docs)), per_doc)
        counts = np.concatenate([d[2] for d in docs], dtype=np.int32)
        sizes = np.concatenate([d[3] for d in docs], dtype=np.int32)
        blob = b"".join([d[4] for d in docs])
        del docs
        in_order = sorted(np.unique(numbers).tolist(), key=self.terms.__getitem__)
        rank = np.zeros(len(self.terms), np.int32)
        rank[in_order] = np.arange(len(in_order), dtype=np.int32)
        local = rank[numbers]  # each posting's term, ranked among this run's
        del numbers, rank
        # Each document's postings are in term order: the stable sort merges sorted runs.
        order = np.argsort(local, kind="stable")
        ends = np.cumsum(sizes, dtype=np.int64)
        starts = (ends - sizes)[order]
        ends = ends[order]
        # The values in the new order, cut a slice of postings at a time.
        pieces = []
        for at in range(0, len(order), _SLICES):
            cut = slice(at, at + _SLICES)
            pieces.append(
                b"".join(
                    map(blob.__getitem__, map(slice, starts[cut].tolist(), ends[cut].tolist()))
                )
            )
        del blob, starts, ends
        postings_per_term = np.bincount(local, minlength=len(in_order))
        bytes_per_term = np.bincount(local, weights=sizes, minlength=len(in_order))
        return _ColumnRun(
            np.array(in_order, np.int32),
            postings_per_term,
            bytes_per_term.astype(np.int64),
            _InMemory(docnums[order], counts[order], sizes[order], pieces),
        )

    def _spill(self) -> None:
        run = self._sorted()
        run.write_to(self._pool)
        self._runs.append(run)

    def term_groups(self) -> Iterator[TermGroup]:
        """Every term's postings, in term order, each term's documents in order."""
        import numpy as np

        if self._docs:
            # Written out like the others when there are others: it would be held through
            # the whole merge.
            if self._runs:
                self._spill()
            else:
                self._runs.append(self._sorted())
        runs = list(self._runs)
        for run in runs:
            run.open(self._pool)
        terms = self.terms
        by_term = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), np.int32)
        rank[by_term] = np.arange(len(terms), dtype=np.int32)
        # Each run's terms as ranks in the field's term order (rising: runs are sorted).
        ranks = [rank[run.numbers] for run in runs]
        # Postings and value bytes before each term (by rank), over every run.
        postings_at = np.zeros(len(terms) + 1, np.int64)
        bytes_at = np.zeros(len(terms) + 1, np.int64)
        for run, run_ranks in zip(runs, ranks, strict=True):
            postings_at[run_ranks + 1] += np.diff(run.posting_at)  # a run has a term once
            bytes_at[run_ranks + 1] += np.diff(run.byte_at)
        postings_at = np.cumsum(postings_at)
        bytes_at = np.cumsum(bytes_at)
        encode = str.encode
        fieldname = self.fieldname
        try:
            low = 0
            while low < len(terms):
                # The window: whole terms, up to WINDOW postings and WINDOW_BYTES of values
                # (a term may hold more on its own).
                high = min(
                    np.searchsorted(postings_at, postings_at[low] + WINDOW, "right"),
                    np.searchsorted(bytes_at, bytes_at[low] + WINDOW_BYTES, "right"),
                )
                high = min(max(int(high) - 1, low + 1), len(terms))
                pieces = [
                    run.window(run_ranks, low, high)
                    for run, run_ranks in zip(runs, ranks, strict=True)
                ]
                window_ranks = np.concatenate([p[0] for p in pieces])
                order = np.argsort(window_ranks, kind="stable")
                docnums = np.concatenate([p[1] for p in pieces])[order].tolist()
                counts = np.concatenate([p[2] for p in pieces])[order]
                weights = counts.astype(np.float64).tolist()
                sizes = np.concatenate([p[3] for p in pieces])
                ends = np.cumsum(sizes, dtype=np.int64)
                blob = b"".join([p[4] for p in pieces])
                del pieces[:]  # the window's values are held twice at most
                values = list(
                    map(
                        blob.__getitem__,
                        map(slice, (ends - sizes)[order].tolist(), ends[order].tolist()),
                    )
                )
                sorted_ranks = window_ranks[order]
                cuts = np.flatnonzero(np.diff(sorted_ranks)) + 1
                firsts = np.concatenate(([0], cuts)).tolist()
                lasts = np.concatenate((cuts, [len(order)])).tolist()
                for term_rank, a, b in zip(
                    sorted_ranks[firsts].tolist(), firsts, lasts, strict=True
                ):
                    yield (
                        fieldname,
                        encode(terms[by_term[term_rank]]),
                        docnums[a:b],
                        weights[a:b],
                        values[a:b],
                    )
                low = high
        finally:
            self.close()

    def close(self) -> None:
        """Remove the runs' scratch files (after the merge, or when the writer is dropped)."""
        for run in self._runs:
            run.remove(self._pool)
        self._runs = []
        self._docs = []
        self._size = 0


class _InMemory:
    """A sorted run's postings columns held in memory, its values in pieces one after
    another (joined when first read: a run written to disk is written a piece at a time)."""

    def __init__(self, docnums: Any, counts: Any, sizes: Any, pieces: list[bytes]) -> None:
        self.docnums = docnums
        self.counts = counts
        self.sizes = sizes
        self.pieces = pieces

    @functools.cached_property
    def blob(self) -> bytes:
        blob = b"".join(self.pieces)
        self.pieces = []
        return blob


class _ColumnRun:
    """A sorted run of one field's encoded postings: its terms (numbers, in term order),
    each one's postings and value bytes, and the postings' columns, in memory or in a
    scratch file (document numbers, counts, sizes as little-endian int32, then the
    values)."""

    def __init__(
        self, numbers: Any, postings_per_term: Any, bytes_per_term: Any, columns: _InMemory
    ) -> None:
        import numpy as np

        self.numbers = numbers
        # Kept for every run through the whole build: 16 bytes a term.
        self.posting_at = np.concatenate(([0], np.cumsum(postings_per_term))).astype(np.int32)
        self.byte_at = np.concatenate(([0], np.cumsum(bytes_per_term)))
        self._columns: _InMemory | None = columns
        self._path: str | None = None
        self._file: Any = None
        self._postings = int(self.posting_at[-1])

    def write_to(self, pool: ChunkedPool) -> None:
        columns = self._columns
        assert columns is not None
        path, f = pool._new_run()
        self._path = path
        try:
            for column in (columns.docnums, columns.counts, columns.sizes):
                f.write(column.astype("<i4").tobytes())
            while columns.pieces:
                f.write(columns.pieces.pop(0))
        finally:
            f.close()
        self._columns = None

    def window(self, ranks: Any, low: int, high: int) -> tuple[Any, Any, Any, Any, bytes]:
        """The postings of the terms ranked ``low`` to ``high`` (not included): each one's
        term rank, document number, count and size, and their values' bytes."""
        import numpy as np

        first, last = np.searchsorted(ranks, (low, high)).tolist()
        a, b = int(self.posting_at[first]), int(self.posting_at[last])
        term_ranks = np.repeat(ranks[first:last], np.diff(self.posting_at[first : last + 1]))
        if self._columns is not None:
            c = self._columns
            lo, hi = int(self.byte_at[first]), int(self.byte_at[last])
            return term_ranks, c.docnums[a:b], c.counts[a:b], c.sizes[a:b], c.blob[lo:hi]
        read = self._read
        n = self._postings
        docnums = np.frombuffer(read(4 * a, 4 * (b - a)), "<i4")
        counts = np.frombuffer(read(4 * (n + a), 4 * (b - a)), "<i4")
        sizes = np.frombuffer(read(4 * (2 * n + a), 4 * (b - a)), "<i4")
        blob = read(
            12 * n + int(self.byte_at[first]), int(self.byte_at[last] - self.byte_at[first])
        )
        return term_ranks, docnums, counts, sizes, blob

    def _read(self, offset: int, length: int) -> bytes:
        if self._file is None:
            raise RuntimeError("a column run was read after it was removed")
        self._file.seek(offset)
        data: bytes = self._file.read(length)
        if len(data) != length:
            raise OSError(f"column run {self._path} is cut short")
        return data

    def open(self, pool: ChunkedPool) -> None:
        if self._path is not None and self._file is None:
            self._file = io.BufferedReader(pool._open_run(self._path))

    def remove(self, pool: ChunkedPool) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            with suppress(FileNotFoundError):
                pool._remove_run(self._path)
            self._path = None


class _TermNumbers(dict[str, int]):
    """term -> its number in one writer's field, given in the order terms are first seen
    (``terms`` lists them)."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__()
        self._terms = terms

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self._terms)
        self._terms.append(term)
        return number


def use_chunked_pool(writer: Any, limitmb: float) -> None:
    """Give Whoosh's segment ``writer`` (before any document is added) a ``ChunkedPool``."""
    writer.pool = ChunkedPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
