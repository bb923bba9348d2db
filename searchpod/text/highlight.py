"""Highlight formats for snippets and short fields: plain markers, HTML, time labels.

The terminal (rich) rendering lives in ``render``; these need nothing beyond the stdlib.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from searchpod.model import Hit, Snippet
from searchpod.text.safe import escape_html, terminal_safe


def mark(
    text: str,
    highlights: Sequence[tuple[int, int]],
    before: str,
    after: str,
    *,
    escape: bool = False,
) -> str:
    """``text`` with each highlight wrapped in ``before``/``after``; ``escape`` for HTML."""
    out: list[str] = []
    at = 0
    conv = escape_html if escape else str
    for s, e in sorted(highlights):
        if s < at:
            continue  # overlapping spans: the first one wins
        out.append(conv(text[at:s]))
        out.append(before + conv(text[s:e]) + after)
        at = e
    out.append(conv(text[at:]))
    return "".join(out)


def format_time(seconds: float | None) -> str:
    """``[HH:MM:SS]`` for a time in seconds, "" when unknown."""
    if seconds is None:
        return ""
    s = int(seconds)
    return f"[{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}]"


def snippet_plain(snippet: Snippet, before: str = "**", after: str = "**") -> str:
    """``[00:12:35] Felix Grant: …the **matched** words…`` as plain text."""
    return _label(snippet, escape=False) + mark(snippet.text, snippet.highlights, before, after)


def snippet_html(snippet: Snippet) -> str:
    """The snippet as HTML: matches in ``<mark>``, everything else escaped."""
    return _label(snippet, escape=True) + mark(
        snippet.text, snippet.highlights, "<mark>", "</mark>", escape=True
    )


def _label(snippet: Snippet, *, escape: bool) -> str:
    parts = [format_time(snippet.start)] if snippet.start is not None else []
    if snippet.speaker:
        parts.append((escape_html(snippet.speaker) if escape else snippet.speaker) + ":")
    return " ".join(parts) + " " if parts else ""


def hit_lines(hit: Hit, *, html: bool) -> Iterator[str]:
    """``searchpod search --format plain|html``: the title and id, then indented snippets.

    In HTML everything from the index is escaped (only ``<mark>`` is ours); either way each
    line is made terminal-safe, so a title cannot add lines or control the terminal.
    """
    if html:
        title = mark(hit.title, hit.title_highlights, "<mark>", "</mark>", escape=True)
        yield terminal_safe(f"{title} ({escape_html(hit.id)})")
    else:
        yield terminal_safe(f"{hit.title} ({hit.id})")
    render = snippet_html if html else snippet_plain
    for snippet in hit.snippets:
        yield "    " + terminal_safe(render(snippet))
