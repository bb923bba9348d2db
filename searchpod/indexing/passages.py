"""Passages: the runs of an episode's text that moments are ranked by.

A passage is a run of consecutive source cues (a caption, a segment) said by one speaker
within ``PASSAGE_SECONDS`` of its first cue; text without times (a page, an untimed
transcript) is cut every ``PASSAGE_CHARS`` or so at a word boundary. Passages cover the
whole body without overlapping, so each word of an episode is in exactly one passage.

An episode's passages are stored with it as one small table (``encode_passages``): where
each begins in the body and who said it. Queries score them from the body's own postings
(which hold every word's character offset), so a passage costs a few bytes, not a second
copy of its words' postings.
"""

from __future__ import annotations

import functools
import marshal
import re
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from searchpod.arrays import sums_within
from searchpod.model import Cue

# A passage runs this long from its first cue's start at most (measured: 20 / 30 / 40 s).
PASSAGE_SECONDS = 30.0
# Untimed text: about as much as is said in PASSAGE_SECONDS (Whisper and caption
# transcripts run at 14-16 characters a second).
PASSAGE_CHARS = 450
# A timed passage is cut here too, so a speech without pauses is not one passage.
MAX_PASSAGE_CHARS = 2 * PASSAGE_CHARS
_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+")
_SWAP = sys.byteorder == "big"  # stored little-endian
_FORM = 1
# Decoded tables kept: ~4 KB each, so at most ~16 MB; a few thousand episodes' worth.
PASSAGE_TABLES_KEPT = 4096


@dataclass(frozen=True)
class Passages:
    """One episode's passages: ``starts[i]`` is where passage i begins in the body (of
    ``length`` characters); ``speakers[speaker_ids[i]]`` said it (``-1``: not known)."""

    starts: tuple[int, ...]
    length: int
    speaker_ids: tuple[int, ...] = ()
    speakers: tuple[str, ...] = ()

    def bounds(self, i: int) -> tuple[int, int]:
        """Where passage ``i`` begins and ends in the body."""
        end = self.starts[i + 1] if i + 1 < len(self.starts) else self.length
        return self.starts[i], end

    def speaker(self, i: int) -> str | None:
        if not self.speaker_ids:
            return None
        sid = self.speaker_ids[i]
        return self.speakers[sid] if sid >= 0 else None


def cut_passages(body: str, cues: Sequence[Cue], offsets: Sequence[int] | None = None) -> Passages:
    """The passages of ``body``, made by ``compose_body`` from ``cues`` (its text before
    them, a page's own, is untimed); ``offsets``: ``cue_offsets``' when known."""
    if offsets is None:
        from searchpod.ingest.sources import cue_offsets  # indexing only, not searches

        offsets = cue_offsets(body, tuple(cues))
    starts: list[int] = []
    who: list[str | None] = []
    head = offsets[0] if cues else len(body)
    for at in _untimed_cuts(body, 0, head):
        starts.append(at)
        who.append(None)
    first_time: float | None = None
    first_char = -1
    speaker: str | None = None
    # This runs for every cue indexed: cue.pieces() and the long-cue check are inlined.
    for cue, at in zip(cues, offsets, strict=True):
        for offset, start, _ in cue.parts or ((0, cue.start, cue.end),):
            char = at + offset
            timed = start is not None and first_time is not None
            if (
                first_char < 0
                or cue.speaker != speaker
                or (timed and start - first_time > PASSAGE_SECONDS)  # type: ignore[operator]
                or (not timed and char - first_char >= PASSAGE_CHARS)
                or char - first_char >= MAX_PASSAGE_CHARS
            ):
                starts.append(char)
                who.append(cue.speaker)
                first_time, first_char, speaker = start, char, cue.speaker
        # A long cue (a whole untimed speaker turn) is cut inside too.
        end = at + len(cue.text)
        if end - (first_char if first_char > at else at) > _LONG:
            for char in _untimed_cuts(body, max(first_char, at), end)[1:]:
                starts.append(char)
                who.append(cue.speaker)
                first_char = char
    names = tuple(sorted({s for s in who if s}))
    ids = {s: i for i, s in enumerate(names)}
    speaker_ids = tuple(ids[s] if s else -1 for s in who) if names else ()
    return Passages(tuple(starts), len(body), speaker_ids, names)


# Text longer than this is cut into pieces of about PASSAGE_CHARS.
_LONG = PASSAGE_CHARS * 3 // 2


def _untimed_cuts(body: str, start: int, end: int) -> list[int]:
    """Where to cut ``body[start:end]`` into pieces of about ``PASSAGE_CHARS``: at a
    sentence's end or a line break when one is near, else at a space."""
    cuts = [start] if end > start else []
    at = start
    while end - at > _LONG:
        lo, hi = at + PASSAGE_CHARS * 2 // 3, at + PASSAGE_CHARS * 4 // 3
        found = [m.end() for m in _BREAK.finditer(body, lo, hi)]
        if not found:
            space = body.rfind(" ", lo, hi)
            found = [space + 1] if space > 0 else [at + PASSAGE_CHARS]
        at = min(found, key=lambda c: abs(c - (cuts[-1] + PASSAGE_CHARS)))
        cuts.append(at)
    return cuts


def encode_passages(passages: Passages) -> bytes:
    """The table as stored: start deltas as 32-bit ints, then speaker ids and names (the
    form's number first, so a later form can be told apart)."""
    deltas = array(
        "i", (b - a for a, b in zip([0, *passages.starts], passages.starts, strict=False))
    )
    ids = array("i", passages.speaker_ids)
    if _SWAP:
        deltas.byteswap()
        ids.byteswap()
    table = (_FORM, passages.length, deltas.tobytes(), ids.tobytes(), passages.speakers)
    return marshal.dumps(table)


def all_starts(tables: Sequence[bytes]) -> tuple[Any, Any, Any]:
    """Every table's passage starts at once, for numpy: (how many passages each table has,
    all their starts one table after another, each body's length), int64 arrays; a
    missing table (``b""``) has no passages and length -1."""
    import numpy as np  # only moments need it: not a cost of starting the CLI

    n = len(tables)
    counts = np.zeros(n, np.int64)
    lengths = np.full(n, -1, np.int64)
    parts: list[bytes] = []
    for i, blob in enumerate(tables):
        if blob:
            _, length, deltas, _, _ = marshal.loads(blob)
            counts[i] = len(deltas) // 4
            lengths[i] = length
            parts.append(deltas)
    deltas = np.frombuffer(b"".join(parts), "<i4").astype(np.int64)
    return counts, sums_within(deltas, counts), lengths


@functools.lru_cache(maxsize=PASSAGE_TABLES_KEPT)
def decode_passages(blob: bytes) -> Passages:
    """A stored table, decoded (the last ``PASSAGE_TABLES_KEPT`` kept: a common word's
    moments read most episodes' tables, query after query; a segment keeps its column's
    bytes objects while open, so a table's bytes hash once)."""
    _, length, deltas, ids, speakers = marshal.loads(blob)
    d = array("i")
    d.frombytes(deltas)
    s = array("i")
    s.frombytes(ids)
    if _SWAP:
        d.byteswap()
        s.byteswap()
    return Passages(tuple(accumulate(d)), length, tuple(s), tuple(speakers))
