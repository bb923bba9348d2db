"""Index documents: the conversion between episodes and the fields an index stores.

The Whoosh schema itself is ``searchpod.engine.fields``.
"""

from __future__ import annotations

import datetime as dt
import marshal
import math
import sys
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain, repeat
from operator import mul, sub, truediv
from typing import Any, overload

from searchpod.indexing.passages import cut_passages, encode_passages
from searchpod.model import Cue, Episode
from searchpod.text.safe import safe_url


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
        "url": safe_url(episode.url),
        "media_url": safe_url(episode.media_url),
        "metadata": dict(episode.metadata),
    }
    if episode.episode is not None:
        doc["episode"] = episode.episode
    doc["day"] = episode.published.toordinal() if episode.published else 0
    if episode.published is not None:
        doc["published"] = dt.datetime.combine(episode.published, dt.time())
    speakers = sorted({c.speaker for c in episode.cues if c.speaker})
    if speakers:
        # Which episodes a name is heard in; what each said is in the passages' table.
        doc["speaker"] = " ".join(speakers)
    from searchpod.ingest.sources import cue_offsets  # indexing only: not a search's import

    offsets = cue_offsets(episode.body, episode.cues)
    if episode.cues:
        doc["timing"] = encode_timing(episode.body, episode.cues, offsets)
    # Every episode has passages (a page's text too): they are what moments rank.
    doc["passages"] = encode_passages(cut_passages(episode.body, episode.cues, offsets))
    return doc


class Timing:
    """Where each source cue starts in the body, when it was said, and by whom.

    One entry per source cue (a caption, a segment), even where cues were joined for
    display: a word's time is its own cue's. ``heads`` marks the entries that begin a
    displayed cue (absent in indexes written before it: then every entry does).
    """

    __slots__ = ("ends", "heads", "offsets", "speaker_ids", "speakers", "starts")

    def __init__(self, blob: bytes) -> None:
        data = marshal.loads(blob)
        if data[0] == _COMPACT:
            _, offsets, starts, ends, speaker_ids, self.speakers, heads = data
            self.offsets = _unpack_ints(offsets, deltas=True)
            self.starts = _unpack_times(starts)
            self.ends = _unpack_times(ends)
            self.speaker_ids = _unpack_ints(speaker_ids)
            self.heads = _unpack_ints(heads, deltas=True)
            return
        # The first form: marshalled lists, as indexes written before the compact one hold.
        self.offsets, self.starts, self.ends, self.speaker_ids, self.speakers = data[:5]
        self.heads = data[5] if len(data) > 5 else list(range(len(self.offsets)))

    def speaker(self, i: int) -> str | None:
        sid = self.speaker_ids[i]
        return self.speakers[sid] if sid >= 0 else None

    @property
    def timed(self) -> bool:
        return any(start is not None for start in self.starts)


def encode_timing(
    body: str, cues: tuple[Cue, ...], cue_starts: Sequence[int] | None = None
) -> bytes:
    """The stored timing of ``body``'s ``cues`` (``cue_starts``: ``cue_offsets``' when
    known)."""
    # marshal: an order of magnitude faster to load than pickled tuples, for every hit.
    speakers = sorted({c.speaker for c in cues if c.speaker})
    ids = {s: i for i, s in enumerate(speakers)}
    offsets: list[int] = []
    starts: list[float | None] = []
    ends: list[float | None] = []
    speaker_ids: list[int] = []
    heads: list[int] = []
    if cue_starts is None:
        from searchpod.ingest.sources import cue_offsets

        cue_starts = cue_offsets(body, cues)
    for cue, at in zip(cues, cue_starts, strict=True):
        heads.append(len(offsets))
        speaker_id = ids[cue.speaker] if cue.speaker else -1
        if not cue.parts:  # most cues: one source cue (what pieces() would give)
            offsets.append(at)
            starts.append(cue.start)
            ends.append(cue.end)
            speaker_ids.append(speaker_id)
            continue
        for offset, start, end in cue.parts:
            offsets.append(at + offset)
            starts.append(start)
            ends.append(end)
            speaker_ids.append(speaker_id)
    try:
        packed = (
            _COMPACT,
            _pack_ints(offsets, deltas=True),
            _pack_times(starts),
            _pack_times(ends),
            _pack_ints(speaker_ids),
            speakers,
            _pack_ints(heads, deltas=True),
        )
    except (OverflowError, ValueError):  # past 32 bits (or not a number): the first form
        return marshal.dumps((offsets, starts, ends, speaker_ids, speakers, heads))
    return marshal.dumps(packed)


# Timing's compact form: int arrays, offsets and millisecond times as deltas. Whoosh
# compresses stored fields, and deltas compress to about half of what marshalled lists of
# ints and floats did (~24 -> ~11 MB at 3,000 episodes). Marked by a leading int: the first
# form's tuple begins with a list.
_COMPACT = 2
_SWAP = sys.byteorder == "big"  # stored little-endian


def _pack_ints(values: list[int], *, deltas: bool = False) -> bytes:
    if deltas:
        values = list(map(sub, values, chain((0,), values)))
    numbers = array("i", values)
    if _SWAP:
        numbers.byteswap()
    return numbers.tobytes()


def _unpack_ints(raw: bytes, *, deltas: bool = False) -> list[int]:
    numbers = array("i")
    numbers.frombytes(raw)
    if _SWAP:
        numbers.byteswap()
    return list(accumulate(numbers)) if deltas else numbers.tolist()


# Transcripts with this many cues have their times packed by numpy passes; a page's few
# cues cost less by the loop than numpy's set-up.
_ARRAY_TIMES_FROM = 200


def _pack_times(times: list[float | None]) -> tuple[str, bytes]:
    """Whole milliseconds as deltas where that is exact (what caption formats hold), else
    the floats themselves with NaN for unknown."""
    if None not in times:  # the usual case, every time known: the same test as below
        if len(times) >= _ARRAY_TIMES_FROM:
            packed = _whole_ms_by_arrays(times)
            if packed is not None:
                return "ms", packed
        else:
            whole = list(map(round, map(mul, times, repeat(1000))))
            if list(map(truediv, whole, repeat(1000))) == times:
                return "ms", _pack_ints(whole, deltas=True)
    ms = [None if t is None else round(t * 1000) for t in times]
    if all(m is not None and m / 1000 == t for m, t in zip(ms, times, strict=True)):
        return "ms", _pack_ints(ms, deltas=True)  # type: ignore[arg-type]
    floats = array("d", (math.nan if t is None else t for t in times))
    if _SWAP:
        floats.byteswap()
    return "f", floats.tobytes()


def _whole_ms_by_arrays(times: Sequence[float | None]) -> bytes | None:
    """``_pack_ints(whole milliseconds, deltas=True)`` of ``times`` (every one known) in
    numpy passes, or None when a time is not a whole millisecond: numpy rounds half to even as ``round()`` does, and an int
    below 2**53 divides by 1000 to the same float, so the same test and the same bytes."""
    import numpy as np  # indexing only

    seconds = np.array(times, np.float64)
    rounded = np.round(seconds * 1000)
    # (The bound also leaves infinities and NaN to the loop, which refuses them.)
    if not ((np.abs(rounded) < 2**53).all() and (rounded / 1000 == seconds).all()):
        return None
    deltas = np.diff(rounded.astype(np.int64), prepend=0)
    if not (deltas.min() >= -(2**31) and deltas.max() < 2**31):
        raise OverflowError("a time step past 32 bits")  # as array("i") does
    packed: bytes = deltas.astype("<i4").tobytes()
    return packed


class _Seconds(Sequence[float]):
    """Whole milliseconds, read as seconds when asked: a hit reads a few of its thousands."""

    __slots__ = ("_ms",)

    def __init__(self, ms: list[int]) -> None:
        self._ms = ms

    def __len__(self) -> int:
        return len(self._ms)

    @overload
    def __getitem__(self, i: int) -> float: ...
    @overload
    def __getitem__(self, i: slice) -> list[float]: ...
    def __getitem__(self, i: int | slice) -> float | list[float]:
        if isinstance(i, slice):
            return [m / 1000 for m in self._ms[i]]
        return self._ms[i] / 1000

    def __iter__(self) -> Iterator[float]:
        return (m / 1000 for m in self._ms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _unpack_times(packed: tuple[str, bytes]) -> Sequence[float | None]:
    kind, raw = packed
    if kind == "ms":
        return _Seconds(_unpack_ints(raw, deltas=True))
    floats = array("d")
    floats.frombytes(raw)
    if _SWAP:
        floats.byteswap()
    return [None if math.isnan(t) else t for t in floats]


def episode_from_stored(fields: dict[str, Any], body: str) -> Episode:
    """Rebuild an episode (with its cues) from a document's stored fields and body text."""
    cues: tuple[Cue, ...] = ()
    if fields.get("timing"):
        cues = _stored_cues(Timing(fields["timing"]), body)
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
        # Checked again on the way out: an index written before this check may hold any URL.
        url=safe_url(fields.get("url")),
        media_url=safe_url(fields.get("media_url")),
        cues=cues,
    )


def _stored_cues(t: Timing, body: str) -> tuple[Cue, ...]:
    """The displayed cues again, each with the source cues it was joined from."""
    cues = []
    limits = [*t.heads[1:], len(t.offsets)]
    for head, limit in zip(t.heads, limits, strict=True):
        at = t.offsets[head]
        until = t.offsets[limit] - 1 if limit < len(t.offsets) else len(body)
        parts = tuple((t.offsets[i] - at, t.starts[i], t.ends[i]) for i in range(head, limit))
        known_ends = [e for e in t.ends[head:limit] if e is not None]
        cues.append(
            Cue(
                text=body[at:until],
                start=t.starts[head],
                end=max(known_ends) if known_ends else None,
                speaker=t.speaker(head),
                parts=parts if len(parts) > 1 else (),
            )
        )
    return tuple(cues)
