"""Index documents: the conversion between episodes and the fields an index stores.

The Whoosh schema itself is ``searchpod.engine.fields``.
"""

from __future__ import annotations

import datetime as dt
import marshal
import re
from typing import Any

from searchpod.analysis import normalise
from searchpod.model import Cue, Episode
from searchpod.safe import safe_url

# Fields a bare query word searches, with their weight in ranking.
SEARCH_FIELDS = {"title": 1.0, "host": 3.0, "summary": 2.0, "body": 1.0}
# What one speaker said: "said_felix_grant" holds the body with everyone else blanked out.
SAID_PREFIX = "said_"


def said_field(speaker: str) -> str:
    """The field holding what ``speaker`` said."""
    return SAID_PREFIX + (re.sub(r"\W+", "_", normalise(speaker)).strip("_") or "unknown")


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
    """Where each source cue starts in the body, when it was said, and by whom.

    One entry per source cue (a caption, a segment), even where cues were joined for
    display: a word's time is its own cue's. ``heads`` marks the entries that begin a
    displayed cue (absent in indexes written before it: then every entry does).
    """

    __slots__ = ("ends", "heads", "offsets", "speaker_ids", "speakers", "starts")

    def __init__(self, blob: bytes) -> None:
        data = marshal.loads(blob)
        self.offsets, self.starts, self.ends, self.speaker_ids, self.speakers = data[:5]
        self.heads: list[int] = data[5] if len(data) > 5 else list(range(len(self.offsets)))

    def speaker(self, i: int) -> str | None:
        sid = self.speaker_ids[i]
        return self.speakers[sid] if sid >= 0 else None

    @property
    def timed(self) -> bool:
        return any(start is not None for start in self.starts)


def encode_timing(body: str, cues: tuple[Cue, ...]) -> bytes:
    from searchpod.ingest.sources import cue_offsets

    # marshal: an order of magnitude faster to load than pickled tuples, for every hit.
    speakers = sorted({c.speaker for c in cues if c.speaker})
    ids = {s: i for i, s in enumerate(speakers)}
    offsets: list[int] = []
    starts: list[float | None] = []
    ends: list[float | None] = []
    speaker_ids: list[int] = []
    heads: list[int] = []
    for cue, at in zip(cues, cue_offsets(body, cues), strict=True):
        heads.append(len(offsets))
        for offset, start, end in cue.pieces():
            offsets.append(at + offset)
            starts.append(start)
            ends.append(end)
            speaker_ids.append(ids[cue.speaker] if cue.speaker else -1)
    return marshal.dumps((offsets, starts, ends, speaker_ids, speakers, heads))


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


# Pickled into every index by this module's path: resolved from the engine on demand
# (not imported up front, which would make the engine a dependency of plain documents).
_ENGINE_ALIASES = {
    "TranscriptCharacters": "searchpod.engine.fields",
    "build_schema": "searchpod.engine.fields",
    "encode_postings": "searchpod.engine.fields",
    "use_precomputed": "searchpod.engine.fields",
}


def __getattr__(name: str) -> Any:
    if name in _ENGINE_ALIASES:
        import importlib

        return getattr(importlib.import_module(_ENGINE_ALIASES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
