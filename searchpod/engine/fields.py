"""Whoosh fields for searchpod's documents: the schema, and transcript postings.

``build_schema`` defines what an episode document holds; ``TranscriptCharacters`` is the
postings format of long text fields. Both are pickled into every index by the paths
``searchpod.schema.TranscriptCharacters`` and ``searchpod.analysis.PodcastAnalyzer``
(aliases of the classes here), so those paths are part of the on-disk format, as is
``searchpod.engine.fields.WordPositions`` (short text fields' postings).
"""

from __future__ import annotations

import functools
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain
from operator import add, itemgetter, sub
from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Characters, Positions
from whoosh.system import pack_uint, unpack_uint

from searchpod.arrays import run_starts, sums_within
from searchpod.engine.analyzer import PodcastAnalyzer
from searchpod.text.analysis import (
    STOP_TERM_PREFIX,
    index_terms,
    is_stop_term,
    tokens,
    word_spans,
)


class EncodedText(str):
    """A field's text carrying its postings, encoded ahead of time (e.g. by a worker process).

    Whoosh hands a field's value to ``TranscriptCharacters.word_values`` as given, so the
    postings travel with the text itself: no table keyed by object ids, no global state.
    """

    __slots__ = ("postings",)
    postings: EncodedPostings | list[tuple[str, int, float, bytes]]


class TranscriptCharacters(Characters):
    """Positions + character offsets, built by ``term_postings`` in one pass, stored compactly.

    Whoosh's own path pushes every token through a chain of generators; for two-hour
    transcripts that dominated build time. Terms are identical to ``PodcastAnalyzer``'s
    (a test checks it), which still serves queries and highlighting of short fields.

    Whoosh's ``Characters`` pickles a list of delta tuples and rebuilds positions in a Python
    loop, which phrase checks and snippets did for every occurrence of common words. Here a
    word's occurrences in a document are stored as three little-endian arrays (position
    deltas, start deltas, lengths) in the narrowest integer type that fits, decoded by
    ``array`` and ``itertools.accumulate`` in C — about half the pickle's size, for a word
    said once (most values) as for one said often. Values written by older versions hold
    Whoosh's pickle for words said fewer than 8 times; both forms are read.
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Any:
        ready = getattr(value, "postings", None)
        return iter(ready) if ready is not None else iter(encode_postings(value))

    def encode(self, poslist: Any) -> bytes:
        count = len(poslist)
        if count == 1:
            # Most of an index's values: a word said once in an episode (~16 bytes).
            ((pos, start, end),) = poslist
            length = end - start
            codes = _code(pos) + _code(start) + _code(length)
            packer, packed_codes = _ONE_OCCURRENCE[codes]
            return _ONE + packer.pack(packed_codes, pos, start, length)
        pos_deltas, start_deltas, lengths = [], [], []
        last_pos = last_start = 0
        for pos, start, end in poslist:
            pos_deltas.append(pos - last_pos)
            start_deltas.append(start - last_start)
            lengths.append(end - start)
            last_pos, last_start = pos, start
        if not count:
            codes = "BBB"
        else:
            codes = _code(max(pos_deltas)) + _code(max(start_deltas)) + _code(max(lengths))
        packer, packed_codes = _packer(count, codes)
        return pack_uint(count) + packer.pack(packed_codes, *pos_deltas, *start_deltas, *lengths)

    def encode_positions(self, poslist: Any) -> bytes:
        """A stop term's occurrences: positions only (a quarter of the bytes of a full
        value), marked by ``-`` in place of the other two type codes."""
        pos_deltas = []
        last_pos = 0
        for pos, _, _ in poslist:
            pos_deltas.append(pos - last_pos)
            last_pos = pos
        code = _code(max(pos_deltas, default=0))
        packer = _positions_packer(len(pos_deltas), code)
        return pack_uint(len(pos_deltas)) + packer.pack(code.encode("ascii") + b"--", *pos_deltas)

    def _arrays(self, value: bytes, how_many: int = 3) -> list[array[int]]:
        count = unpack_uint(value[:_INT])[0]
        out = []
        at = _HEADER
        for code in value[_INT:_HEADER].decode("ascii")[:how_many]:
            numbers = array(code)
            size = numbers.itemsize * count
            numbers.frombytes(value[at : at + size])
            if _BIG_ENDIAN:
                numbers.byteswap()
            out.append(numbers)
            at += size
        return out

    def decode_positions(self, value: bytes) -> list[int]:
        if value[_INT] == _PICKLE:
            return super().decode_positions(value)
        return list(accumulate(self._arrays(value, 1)[0]))

    def decode_characters(self, value: bytes) -> list[tuple[int, int, int]]:
        if value[_INT] == _PICKLE:
            return super().decode_characters(value)
        if value[_INT + 1] == _NO_CHARS:
            # A stop term: its characters are its word's; callers find them in the text.
            return [(p, -1, -1) for p in accumulate(self._arrays(value, 1)[0])]
        positions, starts, lengths = self._arrays(value)
        absolute = list(accumulate(starts))
        return list(zip(accumulate(positions), absolute, map(add, absolute, lengths), strict=True))

    def decode_starts(self, value: bytes) -> list[int]:
        """Where each occurrence starts (-1 for a stop term's), without the tuples of
        ``decode_characters``: moments map every occurrence of common words to passages."""
        if value[_INT] == _PICKLE:
            return [start for _, start, _ in self.decode_characters(value)]
        count = unpack_uint(value[:_INT])[0]
        positions, starts = value[_INT], value[_INT + 1]
        if starts == _NO_CHARS:
            return [-1] * count
        # Straight to the second array (the first, positions, is not needed).
        at = _HEADER + _ITEMSIZE[positions] * count
        numbers = array(chr(starts), value[at : at + _ITEMSIZE[starts] * count])
        if _BIG_ENDIAN:
            numbers.byteswap()
        return list(accumulate(numbers))

    def occurrences(self, value: bytes) -> int:
        """How many times the word occurs (Whoosh's header; the value is not decoded)."""
        if value[_INT] == _PICKLE:
            return len(self.decode_characters(value))
        return int(unpack_uint(value[:_INT])[0])

    def all_occurrences(self, values: list[bytes]) -> list[int]:
        """``occurrences`` of each of ``values``, in C-level passes: moments read the counts
        of every episode holding a word (thousands, for a common one)."""
        if _PICKLE in map(itemgetter(_INT), values):
            return [self.occurrences(v) for v in values]
        return list(map(itemgetter(0), map(_UINT.unpack_from, values)))

    def bulk_starts(self, values: Sequence[bytes]) -> tuple[Any, Any] | None:
        """``decode_starts`` of every one of ``values``, one after another, as one numpy
        int64 array, with how many occurrences each value holds (an int64 array); None
        when one is in the older pickled form. In numpy passes over all of them at once:
        moments of common words map every occurrence in thousands of episodes to its
        passage, and decoding a value at a time was most of that work."""
        import numpy as np  # only moments need it: not a cost of starting the CLI

        n = len(values)
        if not n:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # Three zero bytes after the last value: a 4-byte read of its last number is
        # gathered as 4 single bytes, the missing ones masked out.
        buf = np.frombuffer(b"".join(values) + b"\0\0\0", np.uint8)
        base = run_starts(np.fromiter(map(len, values), np.int64, n))
        if (buf[base + _INT] == _PICKLE).any():
            return None
        head = buf[base[:, None] + np.arange(_HEADER)].astype(np.int64)
        counts = (head[:, 0] << 24) | (head[:, 1] << 16) | (head[:, 2] << 8) | head[:, 3]
        sizes = _numpy_sizes()
        start_size = sizes[head[:, _INT + 1]]  # 0 for a stop term: no starts stored
        # Where each value's start deltas begin: after the header and its position deltas.
        at = base + _HEADER + sizes[head[:, _INT]] * counts
        # Each occurrence's place in its value, and where its start delta's bytes are.
        nth = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(run_starts(counts), counts)
        size = np.repeat(start_size, counts)
        offset = np.repeat(at, counts) + size * nth
        deltas = buf[offset].astype(np.int64)
        for byte in range(1, 4):
            wide = size > byte
            if wide.any():
                deltas[wide] |= buf[offset[wide] + byte].astype(np.int64) << (8 * byte)
        starts = sums_within(deltas, counts)
        starts[size == 0] = -1
        return counts, starts


@functools.cache
def _numpy_sizes() -> Any:
    """Bytes per number of each array type code, by the code's byte value (0 for ``-``)."""
    import numpy as np

    sizes = np.zeros(256, np.int64)
    for code, size in _ITEMSIZE.items():
        sizes[code] = size
    return sizes


# A value: occurrence count (Whoosh's own 4-byte big-endian header, which Whoosh reads for
# frequencies), three type codes, then the three arrays, little-endian.
_INT = 4
_UINT = struct.Struct(">I")  # Whoosh's header (``pack_uint``)
_HEADER = _INT + 3
# Older values in Whoosh's pickled form start with pickle's PROTO opcode, never a type code,
# so the two forms can share one field.
_PICKLE = 0x80
_NO_CHARS = ord("-")
_BIG_ENDIAN = sys.byteorder == "big"
# Bytes per number of each array type code, by the code's byte value.
_ITEMSIZE = {ord(code): array(code).itemsize for code in "BHI"}


def _code(top: int) -> str:
    """The narrowest array type code for numbers up to ``top``."""
    return "B" if top < 2**8 else "H" if top < 2**16 else "I"


@functools.lru_cache(maxsize=4096)
def _packer(count: int, codes: str) -> tuple[struct.Struct, bytes]:
    """Packs the type codes and the arrays ("<": little-endian, standard sizes); the codes."""
    packer = struct.Struct("<3s" + "".join(f"{count}{code}" for code in codes))
    return packer, codes.encode("ascii")


@functools.lru_cache(maxsize=4096)
def _positions_packer(count: int, code: str) -> struct.Struct:
    return struct.Struct(f"<3s{count}{code}")


_ONE = pack_uint(1)
_ONE_OCCURRENCE = {a + b + c: _packer(1, a + b + c) for a in "BHI" for b in "BHI" for c in "BHI"}

# struct's standard sizes must equal array's native ones for decoding with array.
assert [array(c).itemsize for c in "BHI"] == [1, 2, 4], "unsupported platform"

_ENCODER = TranscriptCharacters()


def encode_postings(text: str) -> list[tuple[str, int, float, bytes]]:
    """(term, frequency, weight, encoded positions+chars) for each term of ``text``.

    A stop term has its positions only and a frequency of 0: Whoosh sums frequencies into
    the field's length, which BM25 normalises by, and stop words must not change rankings.

    The values are ``TranscriptCharacters.encode``'s (``encode_positions``' for a stop
    term), byte for byte (a test holds them to it), made with as little Python per token
    as measured best: the analyser's ``tokens`` (C-level passes), one loop gathering each
    term's positions as plain numbers (no tuple per token), then per term ``map``/``max``/
    ``array`` over those positions.

    The postings come in term order, as a segment writes them (code point order is the
    order of the terms' UTF-8 bytes): a writer's pool then sorts runs of documents that
    are each in order already, about a third of the comparisons of sorting them from
    scratch.
    """
    if len(text) >= ARRAY_ENCODING_FROM:
        return list(_encode_arrays(*word_spans(text)))
    terms, starts, lengths = tokens(text)
    by_term: dict[str, list[int]] = {}
    known = by_term.get
    for pos, term in enumerate(terms):
        positions = known(term)
        if positions is None:
            by_term[term] = [pos]
        else:
            positions.append(pos)
    start_of = starts.__getitem__
    length_of = lengths.__getitem__
    out: list[tuple[str, int, float, bytes]] = []
    append = out.append
    for term, positions in by_term.items():
        count = len(positions)
        if count == 1:
            # Most terms of an episode: inline, without the lists below.
            pos = positions[0]
            if term[0] == STOP_TERM_PREFIX:
                head, pack = _ONE_STOP[_CODES[pos >= 256] if pos < 2**16 else "I"]
                append((term, 0, 1.0, head + pack(pos)))
            else:
                start, length = starts[pos], lengths[pos]
                head, pack = _ONE_OCCURRENCE_PACK[
                    (_CODES[pos >= 256] if pos < 2**16 else "I")
                    + (_CODES[start >= 256] if start < 2**16 else "I")
                    + (_CODES[length >= 256] if length < 2**16 else "I")
                ]
                append((term, 1, 1.0, head + pack(pos, start, length)))
            continue
        # Deltas from the previous occurrence (the first one's from 0).
        pos_deltas = list(map(sub, positions, chain((0,), positions)))
        pos_code = _code(max(pos_deltas))
        if term[0] == STOP_TERM_PREFIX:
            value = [
                pack_uint(count),
                pos_code.encode("ascii"),
                b"--",
                _little(pos_code, pos_deltas),
            ]
            append((term, 0, float(count), b"".join(value)))
            continue
        term_starts = list(map(start_of, positions))
        start_deltas = list(map(sub, term_starts, chain((0,), term_starts)))
        widths = list(map(length_of, positions))
        start_code = _code(max(start_deltas))
        length_code = _code(max(widths))
        value = [
            pack_uint(count),
            (pos_code + start_code + length_code).encode("ascii"),
            _little(pos_code, pos_deltas),
            _little(start_code, start_deltas),
            _little(length_code, widths),
        ]
        append((term, count, float(count), b"".join(value)))
    out.sort()
    return out


_AFTER_STOP_TERMS = chr(ord(STOP_TERM_PREFIX) + 1)


def encode_columns(text: str) -> EncodedPostings:
    """``encode_postings`` as columns, for a segment writer's pool (``engine.pool``)."""
    if len(text) >= ARRAY_ENCODING_FROM:
        return _encode_arrays(*word_spans(text))
    return EncodedPostings.from_postings(encode_postings(text))


class EncodedPostings:
    """A text's postings encoded for the index, as columns: its terms in order, each one's
    count of occurrences (its weight) and frequency (the count, 0 for a stop term: see
    ``encode_postings``), and the values' bytes one after another (``blob``; each value
    ``sizes`` long); the numbers are int64 numpy arrays. A segment writer's pool keeps the
    columns as they are; iterating gives ``encode_postings``' tuples."""

    __slots__ = ("blob", "counts", "frequencies", "sizes", "terms")

    def __init__(self, terms: list[str], counts: Any, frequencies: Any, blob: bytes, sizes: Any):
        self.terms = terms
        self.counts = counts
        self.frequencies = frequencies
        self.blob = blob
        self.sizes = sizes

    @classmethod
    def from_postings(cls, postings: list[tuple[str, int, float, bytes]]) -> EncodedPostings:
        import numpy as np

        terms = [term for term, _, _, _ in postings]
        counts = np.array([weight for _, _, weight, _ in postings], np.int64)
        frequencies = np.array([frequency for _, frequency, _, _ in postings], np.int64)
        sizes = np.array([len(value) for _, _, _, value in postings], np.int64)
        return cls(terms, counts, frequencies, b"".join(value for *_, value in postings), sizes)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[tuple[str, int, float, bytes]]:
        ends = list(accumulate(self.sizes.tolist()))
        values = map(self.blob.__getitem__, map(slice, chain((0,), ends), ends))
        weights = map(float, self.counts.tolist())  # a count, as Whoosh keeps it
        return zip(self.terms, self.frequencies.tolist(), weights, values, strict=True)

    def length(self) -> int:
        """The field's length in its document: the sum of the frequencies."""
        return int(self.frequencies.sum())


# Bodies of this many characters and more are encoded in numpy passes (``_encode_arrays``);
# shorter ones by the loop above, which costs less than numpy's set-up for a few words.
ARRAY_ENCODING_FROM = 2000


def _encode_arrays(words: list[str], starts: Any, lengths: Any) -> EncodedPostings:
    """``encode_postings``' values, byte for byte, from whole-body numpy passes over the
    text's ``word_spans``: a term's occurrences grouped by a stable sort of term
    numbers, the deltas and the narrowest type of each of its arrays worked out for every
    term at once, and every value's bytes written into one buffer (a transcript has
    thousands of terms, most said once)."""
    import numpy as np  # a build's workers import it once; searches never come here

    n = len(words)
    if not n:
        return EncodedPostings.from_postings([])
    surface = list(dict.fromkeys(words))
    term_of = index_terms(surface)
    unique = sorted(set(term_of))  # in term order (see encode_postings)
    number = dict(zip(unique, range(len(unique)), strict=True))
    word_term = np.fromiter(map(number.__getitem__, term_of), np.int64, len(surface))
    word_number = dict(zip(surface, range(len(surface)), strict=True))
    ids = word_term[np.fromiter(map(word_number.__getitem__, words), np.int64, n)]
    # Each term's positions, in order. A stable sort of 16-bit numbers is a radix sort,
    # ~9x faster than of int64 ones (a body has a few thousand terms; more use int64).
    narrow = ids.astype(np.uint16) if len(unique) <= 2**16 else ids
    order = np.argsort(narrow, kind="stable")
    counts = np.bincount(ids, minlength=len(unique))
    first = run_starts(counts)
    group = np.repeat(np.arange(len(unique), dtype=np.int64), counts)
    # Stop terms sort together: they all begin with STOP_TERM_PREFIX.
    stop = np.zeros(len(unique), bool)
    stop[bisect_left(unique, STOP_TERM_PREFIX) : bisect_left(unique, _AFTER_STOP_TERMS)] = True

    def deltas(numbers: Any) -> Any:
        out = np.diff(numbers, prepend=0)
        out[first] = numbers[first]  # each term's first from 0
        return out

    def widths(numbers: Any) -> Any:
        top = np.maximum.reduceat(numbers, first)
        return np.where(top < 2**8, 1, np.where(top < 2**16, 2, 4))

    columns = [deltas(order), deltas(starts[order]), lengths[order]]
    width = np.stack([widths(c) for c in columns])  # (3, terms)
    width[1:, stop] = 0  # a stop term's value holds its positions only
    # Each value: count (4 bytes, big-endian: Whoosh's), three type codes, the arrays.
    size = _HEADER + counts * width.sum(axis=0)
    at = run_starts(size)
    buf = np.zeros(int(size.sum()), np.uint8)
    for byte in range(_INT):
        buf[at + byte] = (counts >> (8 * (_INT - 1 - byte))) & 0xFF
    code_of = np.array([ord("-"), ord("B"), ord("H"), 0, ord("I")], np.uint8)
    for i in range(3):
        buf[at + _INT + i] = code_of[width[i]]
    nth = np.arange(n, dtype=np.int64) - first[group]  # each occurrence's place in its term
    column_at = at + _HEADER
    for i, numbers in enumerate(columns):
        w = width[i][group]
        offset = column_at[group] + nth * w
        for byte in range(4):
            has = w > byte if byte else w > 0
            if has.any():
                buf[offset[has] + byte] = (numbers[has] >> (8 * byte)) & 0xFF
        column_at = column_at + counts * width[i]
    return EncodedPostings(unique, counts, np.where(stop, 0, counts), buf.tobytes(), size)


_CODES = ("B", "H")
# A single occurrence's value: its header (count, type codes) and a packer of its numbers.
_ONE_OCCURRENCE_PACK = {
    codes: (_ONE + codes.encode("ascii"), struct.Struct("<" + codes).pack)
    for codes in _ONE_OCCURRENCE
}
_ONE_STOP = {
    code: (_ONE + code.encode("ascii") + b"--", struct.Struct("<" + code).pack) for code in "BHI"
}


def _little(code: str, numbers: list[int]) -> bytes:
    """``numbers`` as a little-endian array of ``code``'s type (struct's standard sizes)."""
    packed = array(code, numbers)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def use_precomputed(doc: dict[str, Any], postings: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the texts that have ``postings`` wrapped to carry them to the writer."""
    if not postings:
        return doc
    ready = dict(doc)
    for name, encoded in postings.items():
        text = EncodedText(doc[name])
        text.postings = encoded
        ready[name] = text
    return ready


class WordPositions(Positions):
    """Whoosh's positions for short text fields, with stop terms adding nothing to a field's
    length (their frequency is 0, as in ``encode_postings``)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        for word, freq, weight, encoded in super().word_values(value, analyzer, **kwargs):
            yield word, 0 if is_stop_term(word) else freq, weight, encoded


def _short_text(analyzer: Any, stored: bool = True) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=stored)
    field.format = WordPositions(field_boost=field.format.field_boost)
    return field


def _transcript_text(analyzer: Any, stored: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=stored, chars=True)
    field.format = TranscriptCharacters(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    analyzer = PodcastAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=_short_text(analyzer),
        host=_short_text(analyzer),
        summary=_short_text(analyzer),
        show=_short_text(analyzer),
        # Character offsets let snippets be cut without re-analysing a 2-hour transcript.
        body=_transcript_text(analyzer),
        # The body's text in a plain column rather than a stored field: stored fields are
        # zlib-compressed per document, and inflating 120 KB transcripts for every hit cost
        # more than the search itself.
        body_text=COLUMN(VarBytesColumn()),
        # Where each passage of the body begins and who said it (indexing/passages.py):
        # a column, read for every episode a moments query matches.
        passages=COLUMN(VarBytesColumn()),
        speaker=_short_text(analyzer, stored=False),
        episode=NUMERIC(int, stored=True, sortable=True),
        published=DATETIME(stored=True),
        # Days since year 1, 0 when undated: a plain number sorts undated episodes last.
        day=NUMERIC(int, signed=False, sortable=True),
        host_key=ID(sortable=True),
        show_key=ID(sortable=True),
        fingerprint=ID(sortable=True),
        path=ID(sortable=True),
        source=STORED,
        url=STORED,
        media_url=STORED,
        metadata=STORED,
        timing=STORED,
    )
    return schema


# Indexes pickle it by this path (searchpod/schema.py resolves it).
TranscriptCharacters.__module__ = "searchpod.schema"
