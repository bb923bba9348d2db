"""Matching transcripts to the rows of an episode table or the items of a feed beside them.

A folder of ``181.tsv`` or ``530-anywidget.vtt`` says little about its episodes; a table
(``episode_list.tsv``) or a feed (``feed.xml``) in the same folder, or a folder above,
says the rest. Each transcript's episode is found by, in order:

1. the file name the row names (a ``file``/``transcript`` column);
2. the guid (the file is named after it);
3. the episode number in the file name (``181``, ``ep-12``, ``530-anywidget``), when only
   one row has it;
4. the date in the file name (``news_2024-01-25``), when only one row has it;
5. the title: the words of the file name are the title's (or the start of it).

The nearest catalogue (same folder first) that matches wins.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from searchpod.model import EpisodeFacts

# A title's own episode marker ("#530 ", "Episode 12: ", "Ep. 7 - ") is not its words.
_TITLE_NUMBER = re.compile(
    r"^\s*(?:(?:episode|eps?|no|nr)\.?\s*)?#?\s*\d{1,5}\s*[-:.|–—)]?\s*", re.I
)
# A file name cut short still names its title when this much of it is there.
_PREFIX_MIN = 12
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Catalogue:
    """The rows of one episode table or feed, and the folder whose transcripts they describe."""

    source: str
    folder: str  # with a trailing separator: transcripts at or below it
    rows: tuple[EpisodeFacts, ...]
    kind: str = "episode table"


def compact(text: str) -> str:
    """Letters and digits only, lower case, accents dropped: how names and titles compare."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.lower() if c.isalnum() and not unicodedata.combining(c))


def title_key(title: str) -> str:
    return compact(_TITLE_NUMBER.sub("", title, count=1))


class RowIndex:
    """A catalogue's rows, looked up every way a transcript's file name can name one."""

    def __init__(self, rows: Sequence[EpisodeFacts]) -> None:
        self.rows = rows
        self.by_file = _unique((_file_key(r.file), r) for r in rows if r.file)
        self.by_guid = _unique((compact(r.guid), r) for r in rows if r.guid and compact(r.guid))
        self.by_number = _unique((r.episode, r) for r in rows if r.episode is not None)
        self.by_date = _unique((r.published, r) for r in rows if r.published is not None)
        self.by_title = _unique((k, r) for r in rows if r.title and (k := title_key(r.title)))

    def find(self, stem: str) -> EpisodeFacts | None:
        """The row the file named ``stem`` (no suffix) is the transcript of, or None."""
        from searchpod.ingest.sources import facts_from_name

        found = self.by_file.get(_file_key(stem))
        if found is None and self.by_guid:
            found = self.by_guid.get(compact(stem))
        if found is not None:
            return found
        named = facts_from_name(stem)
        if named.episode is not None and named.episode in self.by_number:
            return self.by_number[named.episode]
        if named.published is not None and named.published in self.by_date:
            return self.by_date[named.published]
        words = compact(named.title) if named.title != stem or named.episode is None else ""
        if len(words) < 4:
            return None
        if words in self.by_title:
            return self.by_title[words]
        if len(words) >= _PREFIX_MIN:
            near = [
                r
                for k, r in self.by_title.items()
                if k.startswith(words) or (len(k) >= _PREFIX_MIN and words.startswith(k))
            ]
            if len(near) == 1:
                return near[0]
        return None


def _file_key(name: str) -> str:
    base = name.replace("\\", "/").rpartition("/")[2]
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and 1 <= len(suffix) <= 8 and suffix.isalnum() and not suffix.isdigit():
        base = stem
    return base.lower()


def _unique(pairs: Iterable[tuple[K, V]]) -> dict[K, V]:
    """The pairs whose key comes once: a number two rows share names neither."""
    items = list(pairs)
    counts = Counter(k for k, _ in items)
    return {k: v for k, v in items if counts[k] == 1}


def merge_facts(rows: Sequence[EpisodeFacts]) -> EpisodeFacts:
    """One row from several that describe the same episode (a table and a feed): the
    first to say something says it."""
    out = rows[0]
    for row in rows[1:]:
        out = dataclasses.replace(
            out,
            **{
                f.name: getattr(row, f.name)
                for f in dataclasses.fields(out)
                if not getattr(out, f.name) and getattr(row, f.name)
            },
        )
    return out


def folder_of(path: str) -> str:
    parent = os.path.dirname(path)
    return parent if parent.endswith(os.sep) else parent + os.sep
