"""Episode pages in their plain-text shape (see the README's "Episode pages").

    Eps 75: social media influencers in north Korea      <- title
    — Stuff                                              <- byline: the show
    The podcast discussed ...                            <- summary
    | Seed data: | Link 1 |                              <- metadata table
    Host                                                 <- heading, then the host's name
    Priscilla Alvarez
    Podcast Content                                      <- heading, then the body
    ...

The HTML parser renders a page into these lines and reuses ``page_from_lines``, so both
forms of a page are understood by one set of rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from searchpod.errors import IngestError
from searchpod.model import Page

_BYLINE = re.compile(r"^\s*(?:[—–-]{1,2}|by\s)\s*(?P<show>\S.*?)\s*$", re.I)
_EPISODE_NO = re.compile(r"\b(?:eps?|episode|ep)\.?\s*#?\s*(\d{1,5})\b", re.I)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")
_LABEL_VALUE = re.compile(r"^\s*(?P<key>[A-Z][\w /&()'’-]{0,40}?)\s*:\s+(?P<value>\S.*)$")
_SURROGATES = re.compile("[\ud800-\udfff]")
_HOSTED_BY = re.compile(r"^(?:hosted|presented) by\s+(?P<host>\S.{0,80})$", re.I)
_HOST_HEADINGS = frozenset({"host", "hosts", "hosted by", "your host", "presenter"})
_BODY_HEADINGS = frozenset(
    {"podcast content", "content", "episode content", "transcript", "episode transcript"}
)
_SUMMARY_HEADINGS = frozenset(
    {"summary", "description", "episode summary", "episode description", "about this episode"}
)
_PUBLISHED_KEYS = ("published", "date published", "release date", "released", "date", "aired")
_HOST_KEYS = ("host", "hosts", "hosted by", "presenter")
_SHOW_KEYS = ("show", "podcast", "series")
_EPISODE_KEYS = ("episode", "episode number", "eps")
_URL_KEYS = ("url", "link", "page", "permalink")
_MEDIA_KEYS = ("audio", "media", "enclosure", "mp3")
_KNOWN_KEYS = frozenset(
    (*_PUBLISHED_KEYS, *_HOST_KEYS, *_SHOW_KEYS, *_EPISODE_KEYS, *_URL_KEYS, *_MEDIA_KEYS)
) | {"seed data", "host image", "content creation", "runtime", "duration", "guest", "guests"}


def looks_like_text_page(text: str) -> bool:
    """True when a .txt file is an episode page rather than a bare transcript."""
    lines = [ln.strip() for ln in text.splitlines()[:400]]
    has_body = any(_heading(ln) in _BODY_HEADINGS for ln in lines)
    has_host = any(_heading(ln) in _HOST_HEADINGS for ln in lines)
    head = [ln for ln in lines if ln][:3]
    has_byline = len(head) > 1 and bool(_BYLINE.match(head[1]))
    return has_body and (
        has_host or has_byline or bool(_EPISODE_NO.search(head[0] if head else ""))
    )


def parse_text_page(text: str, source: str) -> Page:
    """Parse the plain-text rendering of an episode page."""
    # A BOM survives when the caller decoded with plain "utf-8"; it is not part of the title.
    # Lone surrogates (from surrogateescape) could not be written to the index.
    text = _SURROGATES.sub("\ufffd", text.lstrip("\ufeff"))
    if not text.strip():
        raise IngestError(source, "empty file")
    return page_from_lines(text.splitlines(), source)


def page_from_lines(lines: Sequence[str], source: str, *, title: str | None = None) -> Page:
    """Read an episode page from its lines. Raises IngestError when it is not one."""
    lines = [ln.rstrip() for ln in lines]
    body_at = _find_heading(lines, _BODY_HEADINGS)
    if body_at is None:
        raise IngestError(source, "not an episode page: no 'Podcast Content' section")
    head = [ln.strip() for ln in lines[:body_at]]
    body = _join_paragraphs(lines[body_at + 1 :])
    if not body:
        raise IngestError(source, "episode page has an empty 'Podcast Content' section")

    idx = 0
    while idx < len(head) and not head[idx]:
        idx += 1
    if title is None:
        if idx >= len(head):
            raise IngestError(source, "episode page has no title")
        title = head[idx]
        idx += 1
    elif idx < len(head) and _same_text(head[idx], title):
        # The caller's title (from an <h1> or JSON-LD) is usually also the first visible line.
        idx += 1
    elif idx < len(head) and (_title_variant(head[idx], title) or _byline_follows(head, idx)):
        # The page's own first line, where structured data says it with the site's name
        # ("Eps 31: why moss grows | Understory") or a byline follows it: the visible title.
        title = head[idx]
        idx += 1
    show = None
    while idx < len(head) and not head[idx]:
        idx += 1
    if idx < len(head) and (m := _BYLINE.match(head[idx])) and not head[idx].startswith("|"):
        show = m.group("show")
        idx += 1

    summary_lines: list[str] = []
    metadata: dict[str, str] = {}
    host: str | None = None
    in_host = False
    rest = [ln for ln in head[idx:] if ln]
    pending: str | None = None  # a known label alone on its line ("Runtime"), then its value
    for n, line in enumerate(rest):
        heading = _heading(line)
        if pending is not None:
            metadata[pending] = line
            pending = None
            continue
        if (
            heading in _KNOWN_KEYS
            and heading not in _HOST_HEADINGS
            and n + 1 < len(rest)
            and _is_value_line(rest[n + 1])
        ):
            # Builders lay label/value grids out as sibling blocks: one line each.
            pending = line.strip().rstrip(":").strip()
            continue
        if heading in _HOST_HEADINGS:
            in_host = True
            continue
        if heading in _SUMMARY_HEADINGS:
            continue  # the heading over the summary is not part of it
        if in_host and host is None:
            host = line
            continue
        if line.startswith("|"):
            if not _TABLE_SEP.match(line):
                _add_row(metadata, [c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if (m := _LABEL_VALUE.match(line)) and _is_label(m.group("key"), m.group("value")):
            metadata[m.group("key").strip()] = m.group("value").strip()
            continue
        if host is None and (m := _HOSTED_BY.match(line)):
            host = m.group("host").strip()
            continue
        if not metadata and host is None:
            summary_lines.append(line)

    host = host or _meta(metadata, _HOST_KEYS)
    show = show or _meta(metadata, _SHOW_KEYS)
    episode = _episode_number(title, metadata)
    return Page(
        title=title,
        body=body,
        show=show,
        episode=episode,
        host=host,
        summary=" ".join(summary_lines),
        metadata=metadata,
        published=parse_date(_meta(metadata, _PUBLISHED_KEYS)),
        url=_meta(metadata, _URL_KEYS) if _is_url(_meta(metadata, _URL_KEYS)) else None,
        media_url=_meta(metadata, _MEDIA_KEYS) if _is_url(_meta(metadata, _MEDIA_KEYS)) else None,
    )


def parse_date(value: str | None) -> dt.date | None:
    """A date from the forms pages use: ISO (with or without time), or '3 March 2023'."""
    if not value:
        return None
    value = value.strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    for fmt in ("%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%a, %d %b %Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    # RFC 822 with a time, as feeds and HTTP headers write it: "Tue, 07 Mar 2023 10:00:00 +0000".
    import email.utils  # here: the email package costs every indexing run ~2 ms to import

    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _heading(line: str) -> str:
    return line.strip().strip("#").strip().rstrip(":").strip().lower()


def _find_heading(lines: Sequence[str], names: frozenset[str]) -> int | None:
    for i, line in enumerate(lines):
        if len(line) < 40 and _heading(line) in names:
            return i
    return None


def _join_paragraphs(lines: Sequence[str]) -> str:
    """Paragraphs joined by newlines.

    In the seed's shape each line is a paragraph and no blank line separates them. Text
    wrapped at a fixed width instead separates paragraphs with blank lines; only then are
    consecutive lines one paragraph.
    """
    stripped = [ln.strip() for ln in lines]
    while stripped and not stripped[-1]:
        stripped.pop()
    first = next((i for i, ln in enumerate(stripped) if ln), len(stripped))
    if "" not in stripped[first:]:
        return "\n".join(stripped[first:])
    paragraphs: list[str] = []
    current: list[str] = []
    for line in stripped:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def _title_variant(line: str, title: str) -> bool:
    """Whether a structured title is the visible ``line`` with the site's name around it."""
    a, b = " ".join(line.split()).casefold(), " ".join(title.split()).casefold()
    return len(a) >= 8 and (b.startswith(a) or b.endswith(a))


def _byline_follows(head: Sequence[str], idx: int) -> bool:
    """Whether the first non-blank line after ``head[idx]`` is a byline ("— Stuff")."""
    nxt = next((ln for ln in head[idx + 1 :] if ln), "")
    return bool(_BYLINE.match(nxt)) and not nxt.startswith("|") and len(nxt) <= 80


def _is_value_line(line: str) -> bool:
    """A short line that can be a label's value (not a heading, a table row or prose)."""
    return (
        0 < len(line) <= 80
        and not line.startswith("|")
        and _heading(line) not in _KNOWN_KEYS
        and _heading(line) not in _HOST_HEADINGS
        and not line.rstrip().endswith((".", "!", "?"))
    )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _is_label(key: str, value: str) -> bool:
    """Whether ``Key: value`` is a metadata line rather than a sentence with a colon."""
    if key.strip().lower() in _KNOWN_KEYS:
        return True
    # "Runtime: 34 min" is a label; "The short version: bells are loud." is prose.
    return (
        len(key.split()) <= 3 and len(value) <= 80 and not value.rstrip().endswith((".", "!", "?"))
    )


def _add_row(metadata: dict[str, str], cells: list[str]) -> None:
    cells = [c for c in cells if c]
    if len(cells) >= 2:
        metadata[cells[0].rstrip(":").strip()] = " ".join(cells[1:])


def _meta(metadata: dict[str, str], keys: Sequence[str]) -> str | None:
    lowered = {k.lower(): v for k, v in metadata.items()}
    for key in keys:
        if lowered.get(key):
            return lowered[key]
    return None


def _episode_number(title: str, metadata: dict[str, str]) -> int | None:
    value = _meta(metadata, _EPISODE_KEYS)
    if value and value.strip().isdigit():
        return int(value.strip())
    m = _EPISODE_NO.search(title)
    return int(m.group(1)) if m else None


def _is_url(value: str | None) -> bool:
    return bool(value) and value.startswith(("http://", "https://"))  # type: ignore[union-attr]
