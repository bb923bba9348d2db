"""Transcripts written as text: paragraphs or lines, perhaps with times and speaker labels.

Read here, one shape at a time as publishers ship them:

- ``00:00:09 Second line.``, ``[00:12:35] Name: text``, ``(12:35) text``, ``Name: [12:35]
  text`` — a time opening a line starts a cue at that time; a time alone on its line
  (``<time>0:30</time>``) times the text after it;
- ``Name:`` alone on a line (``<cite>Name:</cite>``) or ``Name  0:03`` (Otter exports)
  names the speaker of the text after it; ``<v Name>`` is a speaker as in WebVTT;
- paragraphs without a time of their own keep the last time seen.

Bare times (no brackets) count only where many lines open with one, so a sentence that
starts "10:30 in the morning" in prose stays text. Speaker labels follow
``label_speakers``. HTML transcripts are rendered to such lines first.
"""

from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass
from typing import Any

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import (
    clean_text,
    label_speakers,
    looks_like_speaker,
    parse_timestamp,
)
from searchpod.model import Cue, Transcript

_HTML_BLOCKS = (
    "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "section", "article", "dd", "dt", "cite", "time", "figure", "figcaption",
)  # fmt: skip
_HTML_NOISE = ("script", "style", "noscript", "template", "head", "nav", "footer", "button")

_T = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
# A time in brackets or parentheses, perhaps Markdown-escaped (\[03:55\]).
_BRACKETED = re.compile(rf"\\?[\[(]\s*({_T})\s*\\?[\])]")
_BARE = re.compile(rf"({_T})(?=\s|$)")
_AFTER_TIME = re.compile(r"\s*(?:[-–—|:]\s+)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>\s*")
_VOICE_END = re.compile(r"</v>")
# "Name  0:03" or "Name (00:12:35)" alone on a line, as transcription services export.
_NAME_TIME = re.compile(rf"(.{{1,40}}?)\s*(?:\s|[-–—|]\s*)({_T}|\\?[\[(]\s*{_T}\s*\\?[\])])\s*:?")
# Bare times count only where timed lines (bare or bracketed) are at least this share.
_BARE_SHARE = 0.2


@dataclass
class _Line:
    text: str
    time: float | None = None
    voice: str | None = None
    label_only: str | None = None  # "Name:" alone, naming the next text's speaker


def parse_plain_transcript(
    text: str, source: str, *, title: str | None = None, labels: bool = True
) -> Transcript:
    """Cues from a text transcript: times and speakers as the module docstring says.

    Untimed text gives one cue per paragraph (or per line opening with a label). HTML
    entities are decoded. Raises IngestError naming ``source`` when there is no text.
    """
    if "&" in text:
        text = html.unescape(text)
    raw = [line.strip() for line in text.splitlines()]
    bare = sum(bool(_BARE.match(line)) for line in raw if line)
    stamped = bare + sum(bool(_BRACKETED.match(line)) for line in raw if line)
    nonblank = sum(bool(line) for line in raw) or 1
    bare_ok = bare >= 1 and stamped >= 2 and stamped >= _BARE_SHARE * nonblank
    lines = [_read_line(line, bare_ok) if line else None for line in raw]
    cues = _cues(lines)
    if not cues:
        raise IngestError(source, "no transcript text")
    return Transcript(tuple(label_speakers(cues, labels=labels)), title=title)


def _read_line(line: str, bare_ok: bool) -> _Line:
    voice = None
    m = _VOICE.match(line)
    if m:
        voice, line = clean_text(m.group(1)), _VOICE_END.sub("", line[m.end() :])
    time, rest = _leading_time(line, bare_ok)
    m = _VOICE.match(rest) if voice is None else None
    if m:  # "00:25:04 <v Name>text", as caption tools export timed text
        voice, rest = clean_text(m.group(1)), _VOICE_END.sub("", rest[m.end() :])
    if time is None:
        # "Name: [12:35] text", "Name (12:35): text", or "Name  0:03" on its own line.
        m = _NAME_TIME.fullmatch(line) or _NAME_TIME.match(line)
        if m:
            name, stamp = m.group(1).rstrip(":"), m.group(2)
            is_bare = not stamp.startswith(("[", "(", "\\"))
            seconds = _seconds(_BRACKETED.sub(r"\1", stamp))
            tail = line[m.end() :].lstrip(" :-–—|")
            if seconds is None:
                pass
            elif looks_like_speaker(name):
                if not is_bare or bare_ok or not tail:
                    time, rest = seconds, f"{name}: {tail}"
            elif not is_bare and not tail:
                # A marked moment, "Break: [00:29:15]": the time counts, the words stay text.
                time, rest = seconds, name
    rest = rest.strip()
    if voice is None and rest.endswith(":") and looks_like_speaker(rest[:-1]):
        return _Line("", time=time, label_only=rest[:-1].strip())
    return _Line(clean_text(rest), time, voice)


def _leading_time(line: str, bare_ok: bool) -> tuple[float | None, str]:
    m = _BRACKETED.match(line) or (_BARE.match(line) if bare_ok else None)
    if not m:
        return None, line
    time = _seconds(m.group(1))
    if time is None:
        return None, line
    rest = line[m.end() :]
    return time, rest[_AFTER_TIME.match(rest).end() :]  # type: ignore[union-attr]


def _seconds(stamp: str) -> float | None:
    try:
        return parse_timestamp(stamp)
    except ValueError:
        return None


def _cues(lines: list[_Line | None]) -> list[Cue]:
    """Group lines into cues: a new cue at each time, label, voice or blank line."""
    cues: list[Cue] = []
    parts: list[str] = []
    time: float | None = None  # the last time seen: paragraphs without one keep it
    start: float | None = None
    voice: str | None = None
    speaker_voice: str | None = None
    label: str | None = None

    def flush() -> None:
        nonlocal label
        if parts:
            body = " ".join(parts)
            if label is not None:
                body = f"{label}: {body}"
                label = None
            cues.append(Cue(body, start, None, speaker_voice))
            parts.clear()

    for line in lines:
        if line is None:
            flush()
            continue
        if line.time is not None:
            flush()
            time = line.time
        if line.label_only is not None:
            flush()
            label = line.label_only
            continue
        if line.voice is not None:
            flush()
            voice = line.voice
        if not line.text:
            continue
        if _opens_turn(line.text):
            if parts:
                flush()
            label = None  # a line's own label wins over one standing above it
        if not parts:
            start, speaker_voice = time, voice
        parts.append(line.text)
    flush()
    # A timed cue ends where the next one starts.
    return [
        Cue(c.text, c.start, _next_start(cues, i), c.speaker) if c.start is not None else c
        for i, c in enumerate(cues)
    ]


def _opens_turn(text: str) -> bool:
    head, colon, _ = text.partition(":")
    return bool(colon) and looks_like_speaker(head)


def _next_start(cues: list[Cue], i: int) -> float | None:
    start = cues[i].start
    for later in cues[i + 1 :]:
        if later.start is not None and start is not None and later.start > start:
            return later.start
    return None


def html_transcript_text(text: str, source: str) -> tuple[str, str | None]:
    """The visible text of an HTML transcript as lines, and the page's ``<title>``.

    Block elements (and ``<cite>``/``<time>``, which transcripts use for speakers and
    times) become lines; scripts, styles, navigation and the ``<head>`` are dropped.
    """
    # Imported here: only HTML transcripts need BeautifulSoup.
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    from searchpod.ingest.files import check_markup_size

    check_markup_size(text, source)
    try:
        with warnings.catch_warnings():
            # A short text that looks like a URL, or XHTML: parsed as given, nothing to warn.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(text, "lxml")
        title_tag = soup.title
        title = clean_text(title_tag.get_text()) if title_tag else ""
        for tag in soup.find_all(_HTML_NOISE):
            tag.decompose()
        for row in soup.find_all("tr"):
            line = _table_line([c.get_text(" ") for c in row.find_all(["td", "th"])])
            if line is not None:
                row.clear()
                row.append(line)
        body = _text_with_breaks(soup)
    except Exception as exc:  # BeautifulSoup/lxml failures, whatever their type
        raise IngestError(source, f"unreadable HTML ({type(exc).__name__})") from exc
    # Entities are decoded by the parser; a literal "&amp;" left must stay as it is.
    return body.replace("&", "&amp;"), title or None


_BLOCK_NAMES = frozenset(_HTML_BLOCKS)


def _text_with_breaks(root: Any) -> str:
    """``root.get_text()`` with a blank line around each block element and a line break
    for each ``<br>``, in one walk: inserting break strings into the tree instead costs a
    sibling search per insert, quadratic in a page of 20,000 paragraphs."""
    from bs4.element import CData, NavigableString

    out: list[str] = []
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # not comments or doctypes
                out.append(str(node))
        elif isinstance(node, str):
            out.append(node)  # a break this walk queued after a block's content
        elif node.name == "br":
            out.append("\n")
        else:
            if node.name in _BLOCK_NAMES:
                out.append("\n\n")
                todo.append("\n\n")
            todo.extend(reversed(node.contents))
    return "".join(out)


def _table_line(cells: list[str]) -> str | None:
    """A transcript table row (time, name, text cells in any order) as one text line."""
    cells = [" ".join(c.split()) for c in cells]
    times = [c for c in cells if _BRACKETED.fullmatch(c) or _BARE.fullmatch(c)]
    names = [c for c in cells if c not in times and looks_like_speaker(c.rstrip(":"))]
    if not times or len(cells) < 2:
        return None
    name = names[0] if names and len(cells) > 2 else None
    text = " ".join(c for c in cells if c is not times[0] and c is not name)
    stamp = _BRACKETED.sub(r"\1", times[0])
    label = f"{name.rstrip(':')}: " if name else ""
    return f"[{stamp}] {label}{text}"


def parse_html_transcript(text: str, source: str, *, labels: bool = True) -> Transcript:
    """An HTML transcript (the Podcast Index ``<cite>``/``<time>``/``<p>`` shape and the
    like), read line by line as ``parse_plain_transcript`` reads text."""
    body, title = html_transcript_text(text, source)
    return parse_plain_transcript(body, source, title=title, labels=labels)


def transcript_evidence(transcript: Transcript) -> bool:
    """Whether cues carry times or speakers: what tells a transcript from any page."""
    timed = sum(c.start is not None for c in transcript.cues)
    speakers = {c.speaker for c in transcript.cues if c.speaker}
    return timed >= 2 or len(speakers) >= 2
