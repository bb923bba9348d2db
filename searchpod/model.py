"""Plain data passed between the stages: what parsers produce and what searches return.

No I/O here. Every result type serialises itself with ``to_dict()``; ``--json`` prints
exactly that, so the JSON shape documented in the README is defined in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from searchpod.text.highlight import labelled
from searchpod.text.safe import safe_url


@dataclass(frozen=True)
class Cue:
    """One timed piece of a transcript. Times are seconds from the start of the episode.

    A cue joined from several source cues (a sentence split over captions) lists them in
    ``parts``: ``(offset in text, start, end)`` of each, so a word's time is its own source
    cue's, not the first one's. Empty for a cue that is a single source cue.

    >>> from searchpod import Cue
    >>> cue = Cue("Welcome back to the show.", start=62.5, end=65.0, speaker="Mara")
    >>> cue.start, cue.speaker
    (62.5, 'Mara')
    """

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    parts: tuple[tuple[int, float | None, float | None], ...] = ()

    def __init__(
        self,
        text: str,
        start: float | None = None,
        end: float | None = None,
        speaker: str | None = None,
        parts: tuple[tuple[int, float | None, float | None], ...] = (),
    ) -> None:
        # The generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__ (~0.6 us a cue, and indexing makes one per caption): the
        # fields go straight into the instance's dict instead. Still frozen, equal and
        # hashed by its fields as the generated one made it.
        fields = self.__dict__
        fields["text"] = text
        fields["start"] = start
        fields["end"] = end
        fields["speaker"] = speaker
        fields["parts"] = parts

    def pieces(self) -> tuple[tuple[int, float | None, float | None], ...]:
        """``parts``, or the whole cue as its one part."""
        return self.parts or ((0, self.start, self.end),)

    def from_time(self, at: float) -> Cue:
        """This cue from the source cue said at ``at`` on (itself if that is its first).

        ``show --at`` starts there, so the first line shown carries its own time.
        """
        later = [p for p in self.parts if p[1] is not None and p[1] <= at]
        if not later or later[-1][0] == 0:
            return self
        offset = later[-1][0]
        parts = tuple((o - offset, s, e) for o, s, e in self.parts if o >= offset)
        return Cue(
            self.text[offset:].lstrip(), later[-1][1], self.end, self.speaker,
            parts if len(parts) > 1 else (),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "speaker": self.speaker, "text": self.text}


@dataclass(frozen=True)
class Transcript:
    """What a transcript parser returns: cues in order, plus whatever metadata the file held."""

    cues: tuple[Cue, ...]
    title: str | None = None
    media_url: str | None = None
    # What was wrong with the file but did not stop it (impossible cue times), one line each.
    warnings: tuple[str, ...] = ()

    @property
    def timed(self) -> bool:
        return any(c.start is not None for c in self.cues)


@dataclass(frozen=True)
class EpisodeFacts:
    """What a row of an episode table or an item of a feed says about one episode: the
    metadata a bare transcript lacks (see ``ingest.matching``)."""

    title: str | None = None
    episode: int | None = None
    published: dt.date | None = None
    summary: str = ""
    media_url: str | None = None
    url: str | None = None
    guid: str | None = None
    # The transcript's file name, when the table names it.
    file: str | None = None
    show: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class Page:
    """What an episode-page parser (HTML or its plain-text rendering) returns."""

    title: str
    body: str
    show: str | None = None
    episode: int | None = None
    host: str | None = None
    summary: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    published: dt.date | None = None
    url: str | None = None
    media_url: str | None = None


@dataclass(frozen=True)
class Episode:
    """One searchable episode: a page, a transcript, or both paired by file name.

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> episode = ix.get("episodes/eps-1.txt")
    >>> episode.title, episode.host
    ('Eps 1: Lighthouse keepers of the north', 'Mara Okafor')
    """

    id: str
    title: str
    source: str
    body: str = ""
    show: str | None = None
    episode: int | None = None
    host: str | None = None
    summary: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    published: dt.date | None = None
    url: str | None = None
    media_url: str | None = None
    cues: tuple[Cue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "show": self.show,
            "episode": self.episode,
            "host": self.host,
            "summary": self.summary,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "url": safe_url(self.url),
            "media_url": safe_url(self.media_url),
            "metadata": dict(self.metadata),
            "cues": [c.to_dict() for c in self.cues],
        }


@dataclass(frozen=True)
class Snippet:
    """A short passage of an episode's body with the matched words marked.

    ``highlights`` are ``(start, end)`` character offsets into ``text``. ``start``/``end``
    are seconds into the episode where timing is known; ``link`` jumps there.

    >>> from searchpod import Snippet
    >>> Snippet("the keeper climbed", highlights=((4, 10),)).plain()
    'the **keeper** climbed'
    """

    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    link: str | None = None

    def plain(self, before: str = "**", after: str = "**") -> str:
        """Plain text with matches wrapped in markers, prefixed by time and speaker."""
        return labelled(
            self.text,
            self.highlights,
            start=self.start,
            speaker=self.speaker,
            html=False,
            before=before,
            after=after,
        )

    def html(self) -> str:
        """HTML with matches in ``<mark>`` and everything else escaped."""
        return labelled(
            self.text, self.highlights, start=self.start, speaker=self.speaker, html=True
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "highlights": [list(h) for h in self.highlights],
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "link": safe_url(self.link),
        }


@dataclass(frozen=True)
class Hit:
    """One ranked episode in a result set.

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> hit = ix.search("lighthouse").hits[0]
    >>> hit.id, hit.show
    ('episodes/eps-1.txt', 'Harbour Lights')
    """

    id: str
    title: str
    source: str
    score: float
    show: str | None = None
    episode: int | None = None
    host: str | None = None
    summary: str = ""
    published: dt.date | None = None
    url: str | None = None
    snippets: tuple[Snippet, ...] = ()
    title_highlights: tuple[tuple[int, int], ...] = ()
    summary_highlights: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "show": self.show,
            "episode": self.episode,
            "host": self.host,
            "summary": self.summary,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "url": safe_url(self.url),
            "score": round(self.score, 4),
            "title_highlights": [list(h) for h in self.title_highlights],
            "summary_highlights": [list(h) for h in self.summary_highlights],
            "snippets": [s.to_dict() for s in self.snippets],
        }


@dataclass(frozen=True)
class SearchResults:
    """A page of hits. ``total`` counts every matching episode, not just this page.

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> results = ix.search("keepers")
    >>> results.total, [hit.id for hit in results.hits]
    (2, ['episodes/eps-1.txt', 'episodes/eps-3.txt'])
    """

    query: str
    total: int
    hits: tuple[Hit, ...]
    page: int = 1
    limit: int = 10
    suggestion: str | None = None
    facets: dict[str, dict[str, int]] | None = None
    warnings: tuple[str, ...] = ()
    fuzzy: bool = False
    # True when too few episodes held every word and those holding most of them follow.
    relaxed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "fuzzy": self.fuzzy,
            "relaxed": self.relaxed,
            "page": self.page,
            "limit": self.limit,
            "suggestion": self.suggestion,
            "facets": self.facets,
            "warnings": list(self.warnings),
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True)
class IngestFailure:
    """A file (or URL) that could not be ingested, and why, in one line.

    >>> from searchpod import Index
    >>> report = Index.create("my-index").add_paths(["episodes/", "missing.vtt"])
    >>> [(failure.source, failure.reason) for failure in report.failed]
    [('missing.vtt', 'no such file or folder')]
    """

    source: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class IngestWarning:
    """A file indexed despite something wrong in it (cues at impossible times), in one line."""

    source: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class SkippedFiles:
    """Files of one suffix left out of an indexing run, and why."""

    suffix: str
    count: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"suffix": self.suffix, "count": self.count, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.suffix} ({self.reason}): {self.count}"


@dataclass(frozen=True)
class IndexReport:
    """What one indexing run did. Counts are episodes; ``failed`` lists files.

    >>> from searchpod import Index
    >>> report = Index.create("my-index").add_paths(["episodes/"])
    >>> len(report.added), report.ok, report.cancelled
    (3, True, False)
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    failed: tuple[IngestFailure, ...] = ()
    downloads: int = 0
    skipped: tuple[SkippedFiles, ...] = ()
    # Files indexed despite a problem (never a reason to fail the run).
    warnings: tuple[IngestWarning, ...] = ()
    # The run was cancelled (its ``cancel`` token set) before its commit: nothing changed.
    cancelled: bool = False
    # What the run wants you to know that is not a failure (e.g. it did without workers).
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "downloaded": self.downloads,
            "failed": [f.to_dict() for f in self.failed],
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": [w.to_dict() for w in self.warnings],
            # Only when they say something: the shape of an ordinary run's JSON is unchanged.
            **({"cancelled": True} if self.cancelled else {}),
            **({"notes": list(self.notes)} if self.notes else {}),
        }


@dataclass(frozen=True)
class Moment:
    """One passage of one episode: what was said, when, by whom, with matches marked.

    ``highlights`` are ``(start, end)`` offsets into ``text``; ``start``/``end`` are seconds
    into the episode (None for untimed text); ``link`` jumps there in the episode's media or
    page. ``score`` orders moments within one result set only.

    >>> from searchpod import Moment
    >>> moment = Moment("show/ep-7.vtt", "Ep 7", "the lamp was lit", score=3.2, start=754.0)
    >>> f"{moment.title} at {moment.start:.0f} s"
    'Ep 7 at 754 s'
    """

    id: str
    title: str
    text: str
    score: float
    show: str | None = None
    episode: int | None = None
    published: dt.date | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    highlights: tuple[tuple[int, int], ...] = ()
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "show": self.show,
            "episode": self.episode,
            "published": self.published.isoformat() if self.published else None,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "highlights": [list(h) for h in self.highlights],
            "link": self.link,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class MomentResults:
    """A page of moments. ``total`` counts every passage that matched, ``episodes`` the
    episodes they are from: both the same on every page and for every ``limit``. When the
    query's words are said very often, ``total`` is an estimate (``total_exact`` False).

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> found = ix.moments("lighthouse")  # pages have no timed passages: no moments
    >>> found.total, found.episodes, found.moments
    (0, 0, ())
    """

    query: str
    total: int
    moments: tuple[Moment, ...]
    page: int = 1
    limit: int = 10
    episodes: int = 0
    suggestion: str | None = None
    warnings: tuple[str, ...] = ()
    fuzzy: bool = False
    relaxed: bool = False
    # False when ``total`` is an estimate (a query of words said everywhere).
    total_exact: bool = True

    @property
    def total_label(self) -> str:
        """``total`` as shown: "about 4500" when it is an estimate."""
        return str(self.total) if self.total_exact else f"about {self.total}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "total_exact": self.total_exact,
            "episodes": self.episodes,
            "fuzzy": self.fuzzy,
            "relaxed": self.relaxed,
            "page": self.page,
            "limit": self.limit,
            "suggestion": self.suggestion,
            "warnings": list(self.warnings),
            "moments": [m.to_dict() for m in self.moments],
        }


@dataclass(frozen=True)
class IndexStats:
    """What ``searchpod stats`` shows.

    >>> from searchpod import Index
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> stats = ix.stats()
    >>> stats.episodes, stats.shows
    (3, {'Deep Water': 1, 'Harbour Lights': 2})
    """

    path: str
    episodes: int
    timed_episodes: int
    shows: dict[str, int]
    hosts: dict[str, int]
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "episodes": self.episodes,
            "timed_episodes": self.timed_episodes,
            "shows": self.shows,
            "hosts": self.hosts,
            "size_bytes": self.size_bytes,
        }
