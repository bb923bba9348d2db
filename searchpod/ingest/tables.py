"""Episode tables: a show's list of episodes as CSV, TSV or JSON, read as metadata.

Archives ship transcripts beside a spreadsheet of the episodes (``episode_list.tsv``:
number, title, description, release date, audio link). Such a file is not a transcript:
its rows are matched to the transcripts beside it (see ``ingest.matching``) and give them
their titles, dates, summaries and audio. A column is known by its header, in the usual
spellings and any case (``Episode #``, ``pubDate``, ``audio_link``, ``enclosure``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from searchpod.errors import IngestError
from searchpod.ingest.pages.text import parse_date
from searchpod.model import EpisodeFacts
from searchpod.text.safe import safe_url

# Normalised header (lower case, runs of other characters as "_") -> its role. Earlier
# names win when a table has several for one role (release date before record date).
_ROLES: dict[str, tuple[str, ...]] = {
    "episode": (
        "number", "episode", "episode_number", "episode_no", "episode_num", "episode_nr",
        "ep", "ep_number", "ep_no", "ep_num", "no", "num", "nr", "itunes_episode", "#",
    ),
    "title": ("title", "episode_title", "name", "episode_name", "headline", "itunes_title"),
    "published": (
        "published", "release_date", "released", "pub_date", "pubdate", "published_at",
        "published_on", "publish_date", "publication_date", "date", "air_date", "aired",
        "airdate", "broadcast_date", "release", "record_date", "recorded", "recording_date",
        "recorded_on",
    ),
    "media_url": (
        "audio", "audio_link", "audio_url", "audio_file", "enclosure", "enclosure_url", "mp3",
        "mp3_url", "mp3_link", "media", "media_url", "download", "download_url", "file_url",
    ),
    "url": ("url", "link", "page", "page_url", "permalink", "episode_url", "web", "website"),
    "summary": (
        "description", "summary", "synopsis", "notes", "show_notes", "subtitle", "abstract",
    ),
    "guid": ("guid", "uuid", "id", "episode_id", "episode_guid"),
    "file": ("file", "filename", "file_name", "transcript", "transcript_file", "path", "slug"),
    "show": ("show", "podcast", "series", "show_name", "podcast_name", "show_title"),
    "host": ("host", "hosts", "presenter", "presenters"),
}  # fmt: skip
_ROLE_OF = {name: role for role, names in _ROLES.items() for name in names}
# What makes a table a list of episodes: a title and something to match a transcript by.
_KEYS = frozenset({"episode", "published", "media_url", "guid", "file", "url"})
_MEDIA_EXT = re.compile(r"\.(?:mp3|m4a|aac|ogg|oga|opus|wav|flac|mp4|m4v|webm)$", re.I)
_NUMBER = re.compile(r"^\D{0,12}?(\d{1,5})(?:\.0+)?\s*$")
# JSON tables are a list of objects, or an object holding one under one of these keys.
_JSON_LISTS = ("episodes", "items", "data", "rows", "results", "entries")
_JSON_LIST_KEY = re.compile(r"\"(?:" + "|".join(_JSON_LISTS) + r")\"\s*:\s*\[\s*\{", re.I)


@functools.lru_cache(maxsize=1024)
def header_role(name: str) -> str | None:
    """The role of a column from its header: ``"Release Date"`` -> ``"published"``."""
    raw = name.strip().lstrip("\ufeff").lower()
    if raw in {"#", "no.", "nr.", "ep.", "ep #", "episode #", "#ep"}:
        return "episode"
    key = re.sub(r"[^a-z0-9]+", "_", re.sub(r"([a-z])([A-Z])", r"\1_\2", name.strip()).lower())
    return _ROLE_OF.get(key.strip("_"))


def columns_of(headers: Sequence[str]) -> dict[str, int] | None:
    """Role -> column index when ``headers`` describe episodes, else None."""
    found: dict[str, tuple[int, int]] = {}  # role -> (rank of the name, column)
    for i, header in enumerate(headers):
        role = header_role(str(header))
        if role is None:
            continue
        key = re.sub(r"[^a-z0-9#]+", "_", str(header).strip().lower()).strip("_")
        names = _ROLES[role]
        rank = names.index(key) if key in names else 0
        if role not in found or rank < found[role][0]:
            found[role] = (rank, i)
    if "title" not in found or not _KEYS & found.keys():
        return None
    return {role: i for role, (_, i) in found.items()}


def looks_like_table(text: str, suffix: str) -> bool:
    """Whether a file's text is an episode table (read from its head only)."""
    head = text[:8192].lstrip("\ufeff \t\r\n")
    if suffix == ".json":
        return _json_head_is_table(head)
    first = head.partition("\n")[0]
    if first[:6].lower() == "start\t":
        return False  # Whisper's "start<TAB>end<TAB>text": most .tsv files, told at once
    delimiter = "\t" if suffix == ".tsv" or "\t" in first else _delimiter(first)
    try:
        headers = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    return columns_of(headers) is not None


def parse_episode_table(text: str, source: str, *, suffix: str) -> list[EpisodeFacts]:
    """The rows of an episode table. Raises IngestError naming ``source`` when the file is
    not one (no title column, or nothing to match a transcript by)."""
    text = text.lstrip("\ufeff")
    if suffix == ".json":
        records = _json_records(text, source)
        headers = list(dict.fromkeys(k for r in records for k in r))
        columns = columns_of(headers)
        if columns is None:
            raise IngestError(source, "not an episode table (no title and number/date column)")
        rows: Iterable[Sequence[Any]] = ([r.get(h) for h in headers] for r in records)
    else:
        first = text.partition("\n")[0]
        delimiter = "\t" if suffix == ".tsv" or "\t" in first else _delimiter(first)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            headers = next(reader)
        except (csv.Error, StopIteration) as exc:
            raise IngestError(source, "empty episode table") from exc
        columns = columns_of(headers)
        if columns is None:
            raise IngestError(source, "not an episode table (no title and number/date column)")
        rows = _csv_rows(reader, source)
    out = []
    for row in rows:
        facts = _facts(row, columns)
        if facts is not None:
            out.append(facts)
    return out


def _csv_rows(reader: Any, source: str) -> Iterable[Sequence[Any]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise IngestError(source, f"unreadable table ({exc})") from exc


def _facts(row: Sequence[Any], columns: Mapping[str, int]) -> EpisodeFacts | None:
    def cell(role: str) -> str:
        i = columns.get(role)
        if i is None or i >= len(row):
            return ""
        return _cell_text(row[i])

    title = cell("title")
    if not title:
        return None
    media, url = cell("media_url"), cell("url")
    if not media and _MEDIA_EXT.search(url.partition("?")[0]):
        media, url = url, ""  # a table with only a "url" column of audio links
    number = _NUMBER.match(cell("episode"))
    return EpisodeFacts(
        title=title,
        episode=int(number.group(1)) if number else None,
        published=parse_date(cell("published")) or None,
        summary=cell("summary"),
        media_url=safe_url(media) if media else None,
        url=safe_url(url) if url else None,
        guid=cell("guid") or None,
        file=cell("file") or None,
        show=cell("show") or None,
        host=cell("host") or None,
    )


def _cell_text(value: Any) -> str:
    if isinstance(value, dict):  # {"url": ..., "type": "audio/mpeg"}, as enclosures are
        value = value.get("url") or value.get("href") or ""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        value = ", ".join(_cell_text(v) for v in value)
    return " ".join(str(value).split())


def _delimiter(first: str) -> str:
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _json_head_is_table(head: str) -> bool:
    # A list of objects, or an object holding one under "episodes" (or the like); the first
    # object's keys tell (a transcript's JSON has segments or start/end/text instead).
    m = re.match(r"\[\s*\{", head) or _JSON_LIST_KEY.search(head)
    if not m:
        return False
    first = re.match(r"[^{}\[\]]*", head[m.end() :])
    keys = re.findall(r"\"((?:[^\"\\]|\\.){1,60})\"\s*:", first.group(0) if first else "")
    if {"start", "end"} <= {k.lower() for k in keys}:
        return False
    return columns_of(keys) is not None


def _json_records(text: str, source: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise IngestError(source, "not an episode table (invalid JSON)") from exc
    if isinstance(data, dict):
        data = next((data[k] for k in _JSON_LISTS if isinstance(data.get(k), list)), None)
    if not isinstance(data, list):
        raise IngestError(source, "not an episode table (no list of episodes)")
    return [r for r in data if isinstance(r, dict)]
