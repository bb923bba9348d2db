"""The catalogue: every episode's title, show, number, date, length and word count.

For browsing (the web page's episode list) and for what a corpus holds in hours and words.
Reading it touches every stored document and transcript, so ``Index.catalogue`` keeps it
until the next commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from searchpod.indexing.documents import Timing
from searchpod.options import parse_episodes


@dataclass(frozen=True)
class EpisodeSummary:
    """One episode as a list shows it. ``seconds`` is the transcript's length (None untimed)."""

    id: str
    title: str
    show: str | None = None
    episode: int | None = None
    published: dt.date | None = None
    seconds: float | None = None
    words: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "show": self.show,
            "episode": self.episode,
            "published": self.published.isoformat() if self.published else None,
            "seconds": self.seconds,
            "words": self.words,
        }


@dataclass(frozen=True)
class Catalogue:
    """Every episode, newest first (undated last), with totals."""

    episodes: tuple[EpisodeSummary, ...]

    @property
    def seconds(self) -> float:
        return sum(e.seconds or 0.0 for e in self.episodes)

    @property
    def words(self) -> int:
        return sum(e.words for e in self.episodes)

    @property
    def shows(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.episodes:
            if e.show:
                counts[e.show] = counts.get(e.show, 0) + 1
        return dict(sorted(counts.items()))

    def select(
        self, *, show: str | None = None, episodes: str | None = None, oldest: bool = False
    ) -> list[EpisodeSummary]:
        """Episodes of ``show`` (its exact name) numbered within ``episodes`` ("10..20").

        Raises OptionError for a malformed range.
        """
        wanted = parse_episodes(episodes) if episodes else None
        rows = [
            e
            for e in self.episodes
            if (show is None or e.show == show)
            and (wanted is None or (e.episode is not None and e.episode in wanted))
        ]
        return rows[::-1] if oldest else rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "episodes": [e.to_dict() for e in self.episodes],
            "seconds": round(self.seconds, 1),
            "words": self.words,
        }


def read_catalogue(
    stored: Iterable[tuple[int, Mapping[str, Any]]], body_of: Callable[[int], str]
) -> Catalogue:
    """A catalogue from ``(docnum, stored fields)`` pairs and ``body_of(docnum) -> str``."""
    rows = []
    for docnum, fields in stored:
        seconds = None
        if fields.get("timing"):
            timing = Timing(fields["timing"])
            ends = [t for t in (*timing.ends, *timing.starts) if t is not None]
            seconds = max(ends) if ends else None
        body = body_of(docnum)
        published = fields.get("published")
        rows.append(
            EpisodeSummary(
                id=fields["id"],
                title=fields.get("title") or "",
                show=fields.get("show") or None,
                episode=fields.get("episode"),
                published=published.date() if published else None,
                seconds=seconds,
                words=len(body.split()),
            )
        )
    rows.sort(
        key=lambda e: (
            e.published is None,
            -(e.published or dt.date.min).toordinal(),
            -(e.episode or 0),
            e.id,
        )
    )
    return Catalogue(tuple(rows))
