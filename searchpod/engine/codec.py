"""Whoosh's own on-disk format (``W3Codec``), written with less work per term.

Writing a segment is mostly per-term work: a two-hour episode brings ~1,900 terms, nearly
all of them said in that one episode. Whoosh's writer gives every term a posting block of
its own, zlib-compresses every block however small (its "not under 20 bytes" check is dead
code), and looks up the document's field length again for every term. Here:

- a term with a single posting and a short value is kept inside its term record, which
  Whoosh's format provides for (``W3TermInfo`` "inlined" postings; Whoosh's own writer
  can't produce them: it calls a method the record lacks);
- only blocks large enough to gain are compressed (each block records its own level);
- a term's blocks and record are made in one step (``_FieldWriter._add_term``), without the
  postings writer's per-block objects (Whoosh's own writer is left for term vectors, which
  the schema has none of);
- field lengths are looked up once per document.

Every byte is what ``W3Codec`` reads; segments of both kinds mix in one index and merge.
A test compares every term's statistics and postings with Whoosh's own writer's.
"""

from __future__ import annotations

import struct
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter, sub
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import (
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PerDocWriter,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.columns import CompressedBytesColumn, PickleColumn, VarBytesColumn
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

# Blocks smaller than this are stored as they are: zlib saves little or nothing on them
# (its header alone is 6 bytes) and was the largest single cost of writing a rare term.
COMPRESS_FROM = 256
# Postings blocks are zlib streams (Whoosh reads them with zlib.decompress), written by
# ISA-L's deflate where it is installed: a build spent ~8 % of its CPU in zlib at Whoosh's
# level 3. Postings of 300 real episodes (32.7 MB of blocks): zlib level 3 0.66 s for
# 15.6 MB, zlib level 1 0.52 s for 15.9 MB, ISA-L level 1 0.22 s for 15.7 MB. A block's
# level is written beside it, and readers decompress any level and either writer alike.
ZLIB_LEVEL = 1
try:
    from isal.isal_zlib import compress as _compress
except ImportError:  # a platform without its wheel: zlib's own deflate, the same format
    from zlib import compress as _compress  # type: ignore[assignment]

# A single posting whose value is at most this many bytes is inlined in its term record.
INLINE_MAX = 64

# Whoosh pickles posting values with protocol 2, where each ``bytes`` value becomes a call
# ``_codecs.encode(text, "latin1")`` over its UTF-8-encoded text: ~30 bytes more per inlined
# posting, and unpickling a block of a common word's values (each decoded from UTF-8 and
# encoded again) cost more than decompressing it. Protocol 3 writes bytes as bytes (no
# frames, which protocol 4 adds to every small record); Whoosh's ``loads`` reads any
# protocol, so segments written either way mix in one index.
PICKLE_PROTOCOL = 3

_TERMINFO = W3TermInfo._struct
PAST_LAST_DOCUMENT = 2**62
_FLOAT32 = struct.Struct("f")


class PodcastCodec(W3Codec):
    """``W3Codec`` with a leaner writer; the format is unchanged.

    Each segment records its codec by import path (``searchpod.codec.PodcastCodec``):
    moving or renaming this class would make existing indexes unreadable.
    """

    def __init__(self, blocklimit: int = 128, compression: int = ZLIB_LEVEL) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression)

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _FieldWriter(self, storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> W3PerDocWriter:
        return _PerDocWriter(self, storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> W3TermsReader:
        tiname = segment.make_filename(self.TERMS_EXT)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        tifile = storage.open_file(tiname)
        return _TermsReader(self, tifile, storage.file_length(tiname), postfile)

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return _InlinedMatcher(
                ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo
            )
        return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)


# Term records a segment's terms reader keeps (a record is ~30-90 bytes); past this many it
# starts again, so a long-lived server's searchers stay small.
REMEMBERED_TERMS = 50_000


class _TermsReader(W3TermsReader):
    """Whoosh's terms reader, remembering the records it read.

    One query asks for the same few terms' records over and over: Whoosh sorts a compound
    query's parts by their estimated sizes at every level of the tree, for each segment,
    then the scorer asks each term's document frequency and the matcher its record. Each
    ask was a hash-table probe reading the terms file (~450 per typed question, ~10% of
    its time). A segment never changes, so what was read once stays true; a searcher is
    used by one thread at a time.
    """

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        super().__init__(codec, dbfile, length, postfile)
        self._records: dict[bytes, bytes | None] = {}

    def _record(self, fieldname: str, tbytes: bytes) -> bytes | None:
        key = self._keycoder(fieldname, tbytes)
        records = self._records
        try:
            return records[key]
        except KeyError:
            pass
        if len(records) >= REMEMBERED_TERMS:
            records.clear()
        record = self._tindex.get(key)
        records[key] = record
        return record

    def __contains__(self, term: Any) -> bool:
        return self._record(*term) is not None

    def term_info(self, fieldname: str, tbytes: bytes) -> W3TermInfo:
        record = self._record(fieldname, tbytes)
        if record is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return W3TermInfo.from_bytes(record)

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return float(self._statistics(fieldname, tbytes)[1])

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return int(self._statistics(fieldname, tbytes)[2])

    def _statistics(self, fieldname: str, tbytes: bytes) -> tuple[Any, ...]:
        record = self._record(fieldname, tbytes)
        if record is None:
            raise KeyError(tbytes)  # as Whoosh's reader raises: its caller answers 0
        return _TERMINFO.unpack(record[: _TERMINFO.size])


class _InlinedMatcher(ListMatcher):
    """Whoosh's matcher for inlined postings, made to behave like its block matcher.

    ``ListMatcher.copy`` drops the term and term record (block-quality scoring then fails
    on the copy). ``ListMatcher.replace`` turns a finished matcher into a NullMatcher, whose
    quality of 0 under a NOT (Whoosh's InverseMatcher passes its child's quality on) let
    a limited search for "x AND NOT y" skip the best documents; W3LeafMatcher never does.
    Kept when finished, it must answer ``id()`` without failing.
    """

    def replace(self, minquality: float = 0) -> _InlinedMatcher:
        return self

    def id(self) -> int:
        try:
            return int(self._ids[self._i])
        except IndexError:
            # Finished. Whoosh's AndNotMatcher asks a finished union for its id (a union
            # that replace() would have dropped): answer "past every document".
            return PAST_LAST_DOCUMENT

    def copy(self) -> _InlinedMatcher:
        return _InlinedMatcher(
            self._ids,
            self._weights,
            self._values,
            self._format,
            scorer=self._scorer,
            position=self._i,
            all_weights=self._all_weights,
            term=self._term,
            terminfo=self._terminfo,
        )


def _inlined_record(docnum: int, weight: float, value: bytes, length: int) -> bytes:
    """The bytes ``W3TermInfo`` has for one inlined posting (as its ``to_bytes`` makes them)."""
    weight = _FLOAT32.unpack(_FLOAT32.pack(weight))[0]  # Whoosh keeps weights as float32
    lengthbyte = length_to_byte(length) if length else 0
    head = _TERMINFO.pack(True, weight, 1, lengthbyte, lengthbyte, max(0.0, weight), docnum, docnum)
    return head + dumps(((docnum,), (weight,), (value,)), PICKLE_PROTOCOL)


class _StoredColumn(PickleColumn):
    """Whoosh's column of stored fields, pickled with ``PICKLE_PROTOCOL`` (an episode's cue
    timing is ~50 KB of bytes: unpickling its protocol-2 form took a third of reading a hit's
    stored fields). Read by Whoosh's own reader, as any pickle is."""

    class Writer(PickleColumn.Writer):
        def add(self, docnum: int, v: Any) -> None:
            self._child.add(docnum, dumps(v, PICKLE_PROTOCOL) if v is not None else b"")


class _DeflatedColumn(CompressedBytesColumn):
    """Whoosh's column of deflated values, deflated by ``_compress`` at ``ZLIB_LEVEL`` (as
    postings blocks are): zlib streams still, which Whoosh's reader inflates."""

    class Writer(CompressedBytesColumn.Writer):
        def add(self, docnum: int, v: bytes) -> None:
            VarBytesColumn.Writer.add(self, docnum, _compress(v, ZLIB_LEVEL))


class _PerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname: str, column: Any) -> None:
        if column is STORED_COLUMN:
            column = _StoredColumn(_DeflatedColumn())
        super()._create_column(fieldname, column)


class _FieldWriter(W3FieldWriter):
    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        # Whoosh's FieldWriter.add_postings, with single short postings written straight
        # into the term index, and a term's postings taken as one group with each
        # document's field length looked up once. ``items`` come sorted by field, term and
        # document: our pool gives them a term at a time (``term_groups``), anything else
        # one posting at a time, grouped here.
        groups = items.term_groups() if hasattr(items, "term_groups") else term_groups(items)
        add_record = self._tindex.add
        fieldname: str | None = None  # the field being written
        fieldkey = b""
        length_of: dict[int, int] = {}
        for name, btext, docnums, weights, values in groups:
            if name != fieldname:
                if fieldname is not None:
                    self.finish_field()
                self.start_field(name, schema[name])
                fieldname = name
                fieldkey = pack_ushort(self._fieldid)
                length_of = _FieldLengths(lengths, name) if lengths else defaultdict(int)
            if len(docnums) == 1 and 0 < len(values[0]) <= INLINE_MAX:
                # Only postings with a value: a matcher over inlined postings gives ''
                # (not b'') for a missing one, which a later merge could not write.
                docnum = docnums[0]
                record = _inlined_record(docnum, weights[0], values[0], length_of[docnum])
                add_record(fieldkey + btext, record)
                continue
            in_doc = list(map(length_of.__getitem__, docnums))  # the field's length
            self._add_term(fieldkey + btext, docnums, weights, values, in_doc)
        if fieldname is not None:
            self.finish_field()

    def _add_term(
        self,
        key: bytes,
        ids: list[int],
        weights: list[float],
        values: list[bytes],
        lengths: list[int],
    ) -> None:
        """Whoosh's ``start_term``, then ``add`` for each posting (columns: document numbers,
        weights, values, the field's length in each document), then ``finish_term``: the
        same blocks and term record, byte for byte, without the postings writer's and the
        term record's per-block objects and calls (a build writes ~40 blocks per episode)."""
        postwriter = self._postwriter
        postfile = self._postfile
        start = postfile.tell()
        limit = postwriter._blocklimit
        level = postwriter._compression
        fixed = self._format.fixed_value_size()
        info = W3TermInfo()
        out = [WHOOSH3_HEADER_MAGIC]
        n = len(ids)
        for at in range(0, n, limit):
            end = at + limit
            block_ids = ids[at:end]
            block_weights = weights[at:end]
            stored = array("f", block_weights)  # Whoosh keeps weights as float32
            maxweight = max(0, *block_weights)
            known = [length for length in lengths[at:end] if length]
            minlength = min(known) if known else None
            maxlength = max(known) if known else 0
            # W3TermInfo.add_block
            info._weight += sum(stored)
            info._df += len(block_ids)
            info._minlength = (
                minlength if info._minlength is None else min(info._minlength, minlength)
            )
            info._maxlength = max(info._maxlength, maxlength)
            info._maxweight = max(info._maxweight, maxweight)
            if info._minid is None:
                info._minid = block_ids[0]
            info._maxid = block_ids[-1]
            # W3PostingsWriter._write_block: the minified block, then its header.
            present = [value for value in values[at:end] if value]
            data = (
                tuple(block_ids)
                if postwriter._byteids
                else tuple(map(sub, block_ids, chain((0,), block_ids))),
                None
                if stored.count(1.0) == len(stored)
                else stored[0]
                if stored.count(stored[0]) == len(stored)
                else tuple(stored),
                tuple(present)
                if fixed is None or fixed < 0
                else None
                if fixed == 0
                else b"".join(present),
            )
            databytes = dumps(data, PICKLE_PROTOCOL)
            comp = level if len(databytes) >= COMPRESS_FROM else 0
            if comp:
                databytes = _compress(databytes, comp)
            head = (
                len(block_ids),
                block_ids[-1],
                maxweight,
                comp,
                length_to_byte(minlength),
                length_to_byte(maxlength),
            )
            infobytes = dumps(head, 2)
            size = len(infobytes) + len(databytes)
            out += (pack_int(-size if end >= n else size), infobytes, databytes)
        postfile.write(b"".join(out))
        info.set_extent(start, postfile.tell() - start)
        self._tindex.add(key, info.to_bytes())


#: One term's postings, as the segment writer takes them: (field name, term bytes,
#: document numbers, weights, values), the documents in order.
TermGroup = tuple[str, bytes, list[int], list[float], list[Any]]

_FIELD_AND_TERM = itemgetter(0, 1)
_DOCNUM = itemgetter(2)
_WEIGHT = itemgetter(3)
_VALUE = itemgetter(4)


def term_groups(items: Iterable[Any]) -> Iterator[TermGroup]:
    """Whoosh's pool items (sorted by field, term and document) a term at a time, as
    columns made by C-level passes. Whoosh's marker items for spelling-only words
    (document -1) are left out, and a missing value is b''."""
    for (name, btext), group in groupby(items, key=_FIELD_AND_TERM):
        postings = list(group)
        if postings[0][2] == -1:  # sorted first
            postings = [p for p in postings if p[2] != -1]
            if not postings:
                continue
        values = list(map(_VALUE, postings))
        if None in values:
            values = [b"" if value is None else value for value in values]
        yield name, btext, list(map(_DOCNUM, postings)), list(map(_WEIGHT, postings)), values


class _FieldLengths(dict[int, int]):
    """One field's length in each document, looked up once each (then a C-level dict hit)."""

    def __init__(self, lengths: Any, fieldname: str) -> None:
        super().__init__()
        self._lookup = lengths.doc_field_length
        self._fieldname = fieldname

    def __missing__(self, docnum: int) -> int:
        value = self[docnum] = self._lookup(docnum, self._fieldname)
        return value


# Segments pickle their codec by this path (see searchpod/codec.py, which re-exports it).
PodcastCodec.__module__ = "searchpod.codec"
