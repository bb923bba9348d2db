"""Highlight formats for snippets and short fields: plain markers, HTML, time labels.

The terminal renderings live in ``searchpod.frontends.render``; these need only the stdlib.
"""

from __future__ import annotations

from collections.abc import Sequence

from searchpod.text.safe import escape_html


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


def labelled(
    text: str,
    highlights: Sequence[tuple[int, int]],
    *,
    start: float | None,
    speaker: str | None,
    html: bool,
    before: str = "**",
    after: str = "**",
) -> str:
    """``[00:12:35] Felix Grant: …the **matched** words…``: plain with ``before``/``after``
    markers, or HTML with matches in ``<mark>`` and everything else escaped."""
    parts = [format_time(start)] if start is not None else []
    if speaker:
        parts.append((escape_html(speaker) if html else speaker) + ":")
    label = " ".join(parts) + " " if parts else ""
    if html:
        return label + mark(text, highlights, "<mark>", "</mark>", escape=True)
    return label + mark(text, highlights, before, after)
