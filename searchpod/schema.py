"""The Whoosh schema, and the conversion between episodes and index documents."""

from __future__ import annotations

import datetime as dt
import functools
import marshal
import re
import struct
import sys
from array import array
from itertools import accumulate
from operator import add
from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Characters
from whoosh.system import pack_uint, unpack_uint

from searchpod.analysis import PodcastAnalyzer, normalise, term_postings
from searchpod.model import Cue, Episode

# Fields a bare query word searches, with their weight in ranking.
SEARCH_FIELDS = {"title": 1.0, "host": 3.0, "summary": 2.0, "body": 1.0}
# What one speaker said: "said_felix_grant" holds the body with everyone else blanked out.
SAID_PREFIX = "said_"


def said_field(speaker: str) -> str:
    """The field holding what ``speaker`` said."""
    return SAID_PREFIX + (re.sub(r"\W+", "_", normalise(speaker)).strip("_") or "unknown")


# Postings encoded ahead of time (by a worker process), keyed by the id of the text they
# belong to; consumed when Whoosh indexes that very string object.
_precomputed: dict[int, list[tuple[str, int, float, bytes]]] = {}


class TranscriptCharacters(Characters):
    """Positions + character offsets, built by ``term_postings`` in one pass, stored compactly.

    Whoosh's own path pushes every token through a chain of generators; for two-hour
    transcripts that dominated build time. Terms are identical to ``PodcastAnalyzer``'s
    (a test checks it), which still serves queries and highlighting of short fields.

    Whoosh's ``Characters`` pickles a list of delta tuples and rebuilds positions in a Python
    loop, which phrase checks and snippets did for every occurrence of common words. Here a
    word said often is stored as three little-endian arrays (position deltas, start deltas,
    lengths) in the narrowest integer type that fits, decoded by ``array`` and
    ``itertools.accumulate`` in C — and about half the pickle's size.
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Any:
        ready = _precomputed.pop(id(value), None)
        return iter(ready) if ready is not None else iter(encode_postings(value))

    def encode(self, poslist: Any) -> bytes:
        if len(poslist) < _ARRAYS_FROM:
            return super().encode(poslist)  # Whoosh's pickle: quicker for a handful
        pos_deltas, start_deltas, lengths = [], [], []
        last_pos = last_start = 0
        for pos, start, end in poslist:
            pos_deltas.append(pos - last_pos)
            start_deltas.append(start - last_start)
            lengths.append(end - start)
            last_pos, last_start = pos, start
        codes = _narrowest(pos_deltas) + _narrowest(start_deltas) + _narrowest(lengths)
        body = _packer(len(lengths), codes).pack(
            codes.encode("ascii"), *pos_deltas, *start_deltas, *lengths
        )
        return pack_uint(len(lengths)) + body

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
        positions, starts, lengths = self._arrays(value)
        absolute = list(accumulate(starts))
        return list(zip(accumulate(positions), absolute, map(add, absolute, lengths), strict=True))


# A value: occurrence count (Whoosh's own 4-byte big-endian header, which Whoosh reads for
# frequencies), three type codes, then the three arrays, little-endian.
_INT = 4
_HEADER = _INT + 3
# Terms said fewer times than this keep Whoosh's pickled form (its first byte is pickle's
# PROTO opcode, never a type code), so the two forms can share one field.
_ARRAYS_FROM = 8
_PICKLE = 0x80
_BIG_ENDIAN = sys.byteorder == "big"


def _narrowest(numbers: list[int]) -> str:
    top = max(numbers, default=0)
    return "B" if top < 2**8 else "H" if top < 2**16 else "I"


@functools.lru_cache(maxsize=4096)
def _packer(count: int, codes: str) -> struct.Struct:
    """Packs the type codes and the arrays ("<": little-endian, standard sizes)."""
    return struct.Struct("<3s" + "".join(f"{count}{code}" for code in codes))


# struct's standard sizes must equal array's native ones for decoding with array.
assert [array(c).itemsize for c in "BHI"] == [1, 2, 4], "unsupported platform"

_ENCODER = TranscriptCharacters()


def encode_postings(text: str) -> list[tuple[str, int, float, bytes]]:
    """(term, frequency, weight, encoded positions+chars) for each term of ``text``."""
    encode = _ENCODER.encode
    return [
        (term, len(occurrences), float(len(occurrences)), encode(occurrences))
        for term, occurrences in term_postings(text).items()
    ]


def use_precomputed(doc: dict[str, Any], postings: dict[str, list[Any]]) -> None:
    """Let the next indexing of ``doc`` reuse postings encoded elsewhere."""
    _precomputed.clear()
    for name, ready in postings.items():
        _precomputed[id(doc[name])] = ready


def _transcript_text(analyzer: Any, stored: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=stored, chars=True)
    field.format = TranscriptCharacters(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    analyzer = PodcastAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=analyzer, stored=True),
        host=TEXT(analyzer=analyzer, stored=True),
        summary=TEXT(analyzer=analyzer, stored=True),
        show=TEXT(analyzer=analyzer, stored=True),
        # Character offsets let snippets be cut without re-analysing a 2-hour transcript.
        body=_transcript_text(analyzer),
        # The body's text in a plain column rather than a stored field: stored fields are
        # zlib-compressed per document, and inflating 120 KB transcripts for every hit cost
        # more than the search itself.
        body_text=COLUMN(VarBytesColumn()),
        speaker=TEXT(analyzer=analyzer, stored=False),
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
    # Same offsets as the body, so snippets for a speaker come straight from these postings.
    schema.add(SAID_PREFIX + "*", _transcript_text(analyzer), glob=True)
    return schema


def episode_document(episode: Episode, *, fingerprint: str, path: str) -> dict[str, Any]:
    """The fields Whoosh stores and indexes for one episode."""
    doc: dict[str, Any] = {
        "id": episode.id,
        "title": episode.title,
        "host": episode.host or "",
        "summary": episode.summary,
        "show": episode.show or "",
        "body": episode.body,
        "body_text": episode.body.encode("utf-8"),
        "host_key": episode.host or "",
        "show_key": episode.show or "",
        "fingerprint": fingerprint,
        "path": path,
        "source": episode.source,
        "url": episode.url,
        "media_url": episode.media_url,
        "metadata": dict(episode.metadata),
    }
    if episode.episode is not None:
        doc["episode"] = episode.episode
    doc["day"] = episode.published.toordinal() if episode.published else 0
    if episode.published is not None:
        doc["published"] = dt.datetime.combine(episode.published, dt.time())
    speakers = sorted({c.speaker for c in episode.cues if c.speaker})
    if speakers:
        doc["speaker"] = " ".join(speakers)
        doc.update(said_texts(episode.body, episode.cues))
    if episode.cues:
        doc["timing"] = encode_timing(episode.body, episode.cues)
    return doc


def said_texts(body: str, cues: tuple[Cue, ...]) -> dict[str, str]:
    """Per speaker, the body with every character not said by them replaced by a space."""
    from searchpod.ingest.sources import cue_offsets  # indexing only: searches never need it

    offsets = cue_offsets(body, cues)
    parts: dict[str, list[str]] = {said_field(c.speaker): [] for c in cues if c.speaker}
    blank_head = " " * (offsets[0] if offsets else 0)
    for field in parts:
        parts[field].append(blank_head)
    for cue in cues:
        own = said_field(cue.speaker) if cue.speaker else None
        blank = " " * len(cue.text)
        for field, chunks in parts.items():
            chunks.append(cue.text if field == own else blank)
            chunks.append(" ")
    return {field: "".join(chunks) for field, chunks in parts.items()}


class Timing:
    """Where each cue starts in the body, when it was said, and by whom (decoded lazily)."""

    __slots__ = ("ends", "offsets", "speaker_ids", "speakers", "starts")

    def __init__(self, blob: bytes) -> None:
        self.offsets, self.starts, self.ends, self.speaker_ids, self.speakers = marshal.loads(blob)

    def speaker(self, i: int) -> str | None:
        sid = self.speaker_ids[i]
        return self.speakers[sid] if sid >= 0 else None


def encode_timing(body: str, cues: tuple[Cue, ...]) -> bytes:
    from searchpod.ingest.sources import cue_offsets

    # marshal: an order of magnitude faster to load than pickled tuples, for every hit.
    speakers = sorted({c.speaker for c in cues if c.speaker})
    ids = {s: i for i, s in enumerate(speakers)}
    return marshal.dumps(
        (
            cue_offsets(body, cues),
            [c.start for c in cues],
            [c.end for c in cues],
            [ids[c.speaker] if c.speaker else -1 for c in cues],
            speakers,
        )
    )


def episode_from_stored(fields: dict[str, Any], body: str) -> Episode:
    """Rebuild an episode (with its cues) from a document's stored fields and body text."""
    cues: tuple[Cue, ...] = ()
    if fields.get("timing"):
        t = Timing(fields["timing"])
        bounds = [*t.offsets[1:], len(body) + 1]
        cues = tuple(
            Cue(
                text=body[off : bounds[i] - 1],
                start=t.starts[i],
                end=t.ends[i],
                speaker=t.speaker(i),
            )
            for i, off in enumerate(t.offsets)
        )
    published = fields.get("published")
    return Episode(
        id=fields["id"],
        title=fields.get("title", ""),
        source=fields.get("source", ""),
        body=body,
        show=fields.get("show") or None,
        episode=fields.get("episode"),
        host=fields.get("host") or None,
        summary=fields.get("summary", ""),
        metadata=fields.get("metadata") or {},
        published=published.date() if published else None,
        url=fields.get("url"),
        media_url=fields.get("media_url"),
        cues=cues,
    )
