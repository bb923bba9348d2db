"""What an index holds that filters can match: read only when a filtered search found
nothing, to say which filter excluded everything (``query.why_empty``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Holdings:
    """Counts and names over the live episodes."""

    episodes: int
    dated: int
    # The first and last dates, None when no episode has one.
    dates: tuple[dt.date, dt.date] | None
    # The lowest and highest episode numbers, None when no episode has one.
    numbers: tuple[int, int] | None
    shows: tuple[str, ...]
    hosts: tuple[str, ...]
    speakers: tuple[str, ...]


def holdings(searcher: Any) -> Holdings:
    """The live episodes' shows, hosts, speakers, and whether any has a date or number.

    Columns are read per live document (deleted ones keep their values until a merge).
    ``speakers`` is left empty here: the passage tables name them (``Reader.passage_tables``).
    """
    reader = searcher.reader()
    live = list(reader.all_doc_ids())
    shows = _column_values(reader, "show_key", live)
    hosts = _column_values(reader, "host_key", live)
    day = reader.column_reader("day") if reader.has_column("day") else None
    days = [day[d] for d in live if day[d]] if day is not None else []
    dates = (dt.date.fromordinal(min(days)), dt.date.fromordinal(max(days))) if days else None
    field = searcher.schema["episode"]
    numbered = [field.from_bytes(t) for t in field.sortable_terms(reader, "episode")]
    numbers = (min(numbered), max(numbered)) if numbered else None
    # Speakers are told by each episode's passages, which the query side reads.
    return Holdings(len(live), len(days), dates, numbers, shows, hosts, ())


def _column_values(reader: Any, field: str, live: list[int]) -> tuple[str, ...]:
    if not reader.has_column(field):
        return ()
    column = reader.column_reader(field)
    values = {column[d] for d in live}
    names = {v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values}
    return tuple(sorted(n for n in names if n))
