"""The postings pool of a segment writer: Whoosh's external sort, with cheaper runs.

A segment writer gets its postings document by document and writes them sorted by field,
term and document, so it collects them in a pool: sorted in memory up to a limit, then
spilled to disk as a sorted run, and the runs merged at the end. Whoosh's ``PostingPool``
pickles and unpickles each posting on its own (one call each way, ~30 % of writing a
segment) and sizes every posting as it comes. Here runs are written and read in chunks of
postings by ``marshal`` (one call per chunk), and a posting's size is a cheaper estimate;
runs are merged a batch of postings at a time by ``list.sort`` rather than one posting at a
time by ``heapq.merge``, and a document's pre-encoded postings are added at once. The order
of the postings, and so every byte of the segment, is unchanged.
"""

from __future__ import annotations

import io
import marshal
import struct
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import chain, islice, repeat
from typing import Any

from whoosh.writing import PostingPool

from searchpod.engine.fields import EncodedPostings

# Postings per marshalled chunk: a merge holds one chunk of each run in memory at a time
# (at 2048, ~40 runs per worker at 3,000 episodes added ~11 MB to the peak).
CHUNK = 512
# What a posting costs in memory besides its value's bytes: the tuple, the term's bytes,
# the weight and the document number (Whoosh's own estimate, for a typical short term).
POSTING_BYTES = 170
_LENGTH = struct.Struct("<Q")


class ChunkedPool(PostingPool):
    """``PostingPool`` writing its sorted runs in marshalled chunks."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: float) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        # Each term's bytes made once per writer, not once per posting: the pool then
        # holds one bytes object per term, and runs compare equal terms by identity.
        self._term_bytes = _TermBytes()

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
        """``add`` for each of a document's pre-encoded postings of one field (in C: no
        Python step per posting), as Whoosh's ``add_document`` would make them from
        ``(term, frequency, weight, value)`` with a boost of 1. Returns the field's length
        (the sum of the frequencies)."""
        if not isinstance(postings, EncodedPostings):  # (term, frequency, weight, value)s
            postings = EncodedPostings.from_postings(list(postings))
        if not len(postings):
            return 0
        # Straight from the columns: no tuple per posting but the pool's own.
        self.current.extend(
            zip(
                repeat(fieldname),
                map(self._term_bytes.__getitem__, postings.terms),
                repeat(docnum),
                postings.weights(),
                postings.values(),
            )
        )
        self.currentsize += POSTING_BYTES * len(postings) + len(postings.blob)
        if self.currentsize > self.limit:
            self.save()
        return postings.length()

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


class _TermBytes(dict[str, bytes]):
    """term -> its UTF-8 bytes, as Whoosh's ``utf8encode(term)[0]`` makes them (strict: a
    lone surrogate fails either way), made on first use."""

    def __missing__(self, term: str) -> bytes:
        encoded = self[term] = term.encode()
        return encoded


def use_chunked_pool(writer: Any, limitmb: float) -> None:
    """Give Whoosh's segment ``writer`` (before any document is added) a ``ChunkedPool``."""
    writer.pool = ChunkedPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
